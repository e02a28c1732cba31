"""Console pages of the analytics app, mounted under /analytics/ by mallops.urls."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from mallops.analytics import views, views_behaviour, views_care, views_reports

app_name = "analytics"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.dashboard, name="dashboard"),
    path("tasks/new", views.task_new, name="task_new"),
    path("live/", views.live, name="live"),
    path("funnel/", views_reports.funnel_page, name="funnel"),
    path("retention/", views_reports.retention_page, name="retention"),
    path("purchase/", views_reports.purchase_page, name="purchase"),
    path("costs/", views_reports.costs_page, name="costs"),
    path("costs/<int:entry_id>/delete", views_reports.cost_delete, name="cost_delete"),
    path("segments/<slug:tag>/", views_reports.segment_buyers, name="segment_buyers"),
    path("experiments/", views.experiments_page, name="experiments"),
    path("insights/", views.insights, name="insights"),
    path("jobs/", views.jobs_page, name="jobs"),
    path("behaviour/", views_behaviour.behaviour_page, name="behaviour"),
    path("care/", views_care.care_page, name="care"),
]
