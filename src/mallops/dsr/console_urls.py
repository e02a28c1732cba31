"""Console pages of the dsr app, mounted under /privacy/ by mallops.urls."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from mallops.dsr import views

app_name = "dsr"

urlpatterns: list[URLPattern | URLResolver] = [
    path("policies/", views.policies, name="policies"),
    path("requests/", views.queue, name="queue"),
    path("requests/<int:request_id>/", views.detail, name="detail"),
]
