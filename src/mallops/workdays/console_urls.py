"""Console pages of the workdays app, mounted under /calendar/ by mallops.urls."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from mallops.workdays import views

app_name = "workdays"

urlpatterns: list[URLPattern | URLResolver] = [path("", views.calendar_admin, name="admin")]
