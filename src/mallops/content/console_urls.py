"""Console pages of the content calendar, mounted under /content/ by mallops.urls."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from mallops.content import views, views_draws

app_name = "content"

urlpatterns: list[URLPattern | URLResolver] = [
    path("calendar/", views.calendar_page, name="calendar"),
    path("posts/", views.post_list, name="posts"),
    path("posts/new/", views.post_new, name="post_new"),
    path("posts/<int:post_id>/", views.post_detail, name="post"),
    path("posts/<int:post_id>/interactions", views.post_interactions, name="post_interactions"),
    path("posts/<int:post_id>/<slug:action>", views.post_act, name="post_act"),
    path("draws/", views_draws.draw_list, name="draws"),
    path("draws/new/", views_draws.draw_new, name="draw_new"),
    path("draws/<int:draw_id>/", views_draws.draw_detail, name="draw"),
    path("draws/<int:draw_id>/<slug:action>", views_draws.draw_act, name="draw_act"),
]
