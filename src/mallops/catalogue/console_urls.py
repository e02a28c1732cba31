"""Console pages of the catalogue app, mounted under /catalogue/ by mallops.urls."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from mallops.catalogue import views

app_name = "catalogue"

urlpatterns: list[URLPattern | URLResolver] = [
    path("categories/", views.category_list, name="category_list"),
    path("categories/new/", views.category_new, name="category_new"),
    path("categories/<int:category_id>/", views.category_edit, name="category_edit"),
]
