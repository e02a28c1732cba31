"""Console pages of store texts, mounted under /stores/ by mallops.urls."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from mallops.stores import views

app_name = "stores"

urlpatterns: list[URLPattern | URLResolver] = [
    path("notice/", views.notice, name="notice"),
    path("notices/review/", views.review_queue, name="review_queue"),
    path("notices/<int:notice_id>/<slug:action>", views.review_act, name="review_act"),
    path("names/<int:merchant_id>/<slug:action>", views.name_act, name="name_act"),
]
