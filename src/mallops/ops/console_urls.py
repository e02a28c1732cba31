"""Console pages of the ops app, mounted under /ops/ by mallops.urls."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from mallops.ops import backup_views, incident_views, release_views, runbooks, support_views, views

app_name = "ops"

urlpatterns: list[URLPattern | URLResolver] = [
    path("backups/", views.backups, name="backups"),
    path("backups/start/", backup_views.backup_start, name="backup_start"),
    path("drills/", views.drills, name="drills"),
    path("drills/start/", backup_views.drill_start, name="drill_start"),
    path("incidents/", views.incident_list, name="incidents"),
    path("incidents/new/", incident_views.incident_open, name="incident_open"),
    path("incidents/drills/", incident_views.drill_act, name="incident_drills"),
    path("incidents/<int:incident_id>/", views.incident_detail, name="incident"),
    path("incidents/<int:incident_id>/act/", incident_views.incident_act, name="incident_act"),
    path("releases/", release_views.release_list, name="releases"),
    path("releases/new/", release_views.release_new, name="release_new"),
    path("releases/<int:release_id>/", release_views.release_detail, name="release"),
    path("releases/<int:release_id>/step/", release_views.release_step, name="release_step"),
    path("flags/", release_views.flag_list, name="flags"),
    path("runbooks/<slug:slug>/", runbooks.runbook, name="runbook"),
    path("support/", support_views.support_list, name="support"),
    path("support/new/", support_views.support_new, name="support_new"),
    path("support/notices/read/", support_views.support_notices_read, name="support_notices_read"),
    path("support/<int:ticket_id>/", support_views.support_detail, name="support_ticket"),
    path("support/<int:ticket_id>/act/", support_views.support_act, name="support_act"),
]
