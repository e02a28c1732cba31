"""Console pages of the service app, mounted under /service/ by mallops.urls."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "service"

urlpatterns: list[URLPattern | URLResolver] = []
