"""Console pages of risk control, mounted under /risk/ by mallops.urls."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from mallops.risk import views

app_name = "risk"

urlpatterns: list[URLPattern | URLResolver] = [
    path("decisions/", views.queue, name="queue"),
    path("decisions/<int:decision_id>/", views.decision, name="decision"),
    path("rules/", views.profile, name="profile"),
    path("trends/", views.trends, name="trends"),
]
