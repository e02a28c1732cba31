"""Console pages of the aftersales app, mounted under /aftersales/ by mallops.urls."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "aftersales"

urlpatterns: list[URLPattern | URLResolver] = []
