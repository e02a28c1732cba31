"""Console pages of the content calendar, mounted under /content/ by mallops.urls."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from mallops.content import views

app_name = "content"

urlpatterns: list[URLPattern | URLResolver] = [
    path("calendar/", views.calendar_page, name="calendar"),
    path("posts/", views.post_list, name="posts"),
    path("posts/new/", views.post_new, name="post_new"),
    path("posts/<int:post_id>/", views.post_detail, name="post"),
    path("posts/<int:post_id>/<slug:action>", views.post_act, name="post_act"),
]
