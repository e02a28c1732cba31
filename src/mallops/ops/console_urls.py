"""Console pages of the ops app, mounted under /ops/ by mallops.urls."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from mallops.ops import views

app_name = "ops"

urlpatterns: list[URLPattern | URLResolver] = [
    path("backups/", views.backups, name="backups"),
    path("drills/", views.drills, name="drills"),
    path("incidents/", views.incident_list, name="incidents"),
    path("incidents/<int:incident_id>/", views.incident_detail, name="incident"),
]
