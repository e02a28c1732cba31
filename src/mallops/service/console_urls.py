"""Console pages of the service app, mounted under /service/ by mallops.urls."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from mallops.service import views, views_config, views_crm, views_procedures, views_store

app_name = "service"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.queue, name="queue"),
    path("tickets/<int:ticket_id>/", views.ticket_view, name="ticket"),
    path("customers/<int:buyer_id>/", views_crm.customer, name="customer"),
    path(
        "tickets/<int:ticket_id>/complaint/<slug:action>",
        views_config.complaint_action,
        name="complaint_action",
    ),
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
    path("agents/", views_config.agent_list, name="agents"),
    path("agents/new", views_config.agent_edit, name="agent_new"),
    path("agents/<int:profile_id>/", views_config.agent_edit, name="agent_edit"),
    path("replies/", views_config.reply_list, name="replies"),
    path("replies/new", views_config.reply_edit, name="reply_new"),
    path("replies/<int:template_id>/", views_config.reply_edit, name="reply_edit"),
    path("sla/", views_config.sla_list, name="sla"),
    path("sla/new", views_config.sla_new, name="sla_new"),
    path("sla/<slug:code>/", views_config.sla_edit, name="sla_edit"),
    path("escalation/", views_config.escalation_targets, name="escalation"),
    path("notifications/", views_store.inbox, name="inbox"),
    path("notifications/read-all", views_store.inbox_read_all, name="inbox_read_all"),
    path("notifications/<int:notification_id>/read", views_store.inbox_read, name="inbox_read"),
]
