"""Console pages of the analytics app, mounted under /analytics/ by mallops.urls."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from mallops.analytics import views, views_behaviour

app_name = "analytics"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.dashboard, name="dashboard"),
    path("tasks/new", views.task_new, name="task_new"),
    path("live/", views.live, name="live"),
    path("funnel/", views.funnel_page, name="funnel"),
    path("retention/", views.retention_page, name="retention"),
    path("experiments/", views.experiments_page, name="experiments"),
    path("insights/", views.insights, name="insights"),
    path("jobs/", views.jobs_page, name="jobs"),
    path("behaviour/", views_behaviour.behaviour_page, name="behaviour"),
]
