"""Console pages of the service app, mounted under /service/ by mallops.urls."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from mallops.service import views

app_name = "service"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.queue, name="queue"),
    path("tickets/<int:ticket_id>/", views.ticket_view, name="ticket"),
    path("tickets/<int:ticket_id>/<slug:action>", views.ticket_action, name="action"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/problems", views.detect_problems, name="detect"),
]
