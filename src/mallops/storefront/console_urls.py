"""Console pages of the storefront, mounted under /storefront/ by mallops.urls."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from mallops.storefront import views_console

app_name = "storefront_console"

urlpatterns: list[URLPattern | URLResolver] = [
    path("ranking/", views_console.ranking_explained, name="ranking"),
]
