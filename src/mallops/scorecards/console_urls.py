"""Console pages of the scorecards app, mounted under /scorecards/ by mallops.urls."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from mallops.scorecards import views

app_name = "scorecards"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("people/<slug:role>/<int:person_id>/", views.person, name="person"),
    path("rules/", views.rules, name="rules"),
    path("rules/<str:kpi>/", views.rule_edit, name="rule_edit"),
    path("runs/", views.runs, name="runs"),
    path("runs/<int:run_id>/", views.run_page, name="run"),
    path("runs/<int:run_id>/<slug:action>", views.run_action, name="run_action"),
]
