"""Console pages of the orders app, mounted under /orders/ by mallops.urls."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "orders"

urlpatterns: list[URLPattern | URLResolver] = []
