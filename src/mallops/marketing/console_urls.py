"""Console pages of marketing, mounted under /marketing/ by mallops.urls."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from mallops.marketing import views

app_name = "marketing"

urlpatterns: list[URLPattern | URLResolver] = [
    path("channels/", views.channel_list, name="channels"),
    path("spend/", views.spend_page, name="spend"),
    path("report/", views.report_page, name="report"),
]
