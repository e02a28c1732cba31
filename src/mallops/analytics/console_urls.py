"""Console pages of the analytics app, mounted under /analytics/ by mallops.urls."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "analytics"

urlpatterns: list[URLPattern | URLResolver] = []
