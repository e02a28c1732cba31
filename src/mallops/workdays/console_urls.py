"""Console pages of the workdays app, mounted under /workdays/ by mallops.urls."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "workdays"

urlpatterns: list[URLPattern | URLResolver] = []
