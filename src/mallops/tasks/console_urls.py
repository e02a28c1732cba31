"""Console pages of the tasks app, mounted under /tasks/ by mallops.urls."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from mallops.tasks import views

app_name = "tasks"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.board, name="board"),
    path("new", views.task_new, name="new"),
    path("notices/read", views.notices_read, name="notices_read"),
    path("<int:task_id>/", views.task_page, name="task"),
    path("<int:task_id>/<slug:action>", views.task_action, name="action"),
]
