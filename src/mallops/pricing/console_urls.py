"""Console pages of the pricing app, mounted under /pricing/ by mallops.urls."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "pricing"

urlpatterns: list[URLPattern | URLResolver] = []
