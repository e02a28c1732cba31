"""Console pages of the review app, mounted under /review/ by mallops.urls."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "review"

urlpatterns: list[URLPattern | URLResolver] = []
