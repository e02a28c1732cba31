"""Console pages of risk control, mounted under /risk/ by mallops.urls."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from mallops.risk import views, views_register

app_name = "risk"

urlpatterns: list[URLPattern | URLResolver] = [
    path("decisions/", views.queue, name="queue"),
    path("decisions/<int:decision_id>/", views.decision, name="decision"),
    path("rules/", views.profile, name="profile"),
    path("trends/", views.trends, name="trends"),
    path("register/", views_register.register_list, name="register"),
    path("register/new/", views_register.register_edit, name="register_new"),
    path("register/<int:risk_id>/", views_register.register_edit, name="register_edit"),
    path("alerts/", views_register.alerts, name="alerts"),
    path("alerts/rules/<int:rule_id>/", views_register.warning_rule_edit, name="warning_rule"),
]
