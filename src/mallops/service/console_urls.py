"""Console pages of the service app, mounted under /service/ by mallops.urls."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from mallops.service import views, views_procedures, views_store

app_name = "service"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.queue, name="queue"),
    path("tickets/<int:ticket_id>/", views.ticket_view, name="ticket"),
    path("tickets/<int:ticket_id>/<slug:action>", views.ticket_action, name="action"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/problems", views.detect_problems, name="detect"),
    path("procedures/", views_procedures.procedure_list, name="procedures"),
    path("procedures/new", views_procedures.procedure_create, name="procedure_create"),
    path("procedures/<slug:code>/<slug:action>", views_procedures.procedure_action, name="procedure_action"),
    path("training/", views_procedures.training_page, name="training"),
    path("training/record", views_procedures.training_create, name="training_create"),
    path("store/", views_store.store_queue, name="store_queue"),
    path("store/tickets/<int:ticket_id>/", views_store.store_ticket, name="store_ticket"),
    path("store/tickets/<int:ticket_id>/<slug:action>", views_store.store_action, name="store_action"),
    path("notifications/", views_store.inbox, name="inbox"),
    path("notifications/read-all", views_store.inbox_read_all, name="inbox_read_all"),
    path("notifications/<int:notification_id>/read", views_store.inbox_read, name="inbox_read"),
]
