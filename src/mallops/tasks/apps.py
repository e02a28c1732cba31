from __future__ import annotations

from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "mallops.tasks"
    label = "tasks"
    verbose_name = "Tasks: follow-up, improvement and KPI work for the operations teams"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from mallops.console.navigation import MenuItem, register
        from mallops.tasks.selectors import notices_unread_count, teams_of

        register(
            MenuItem(
                "tasks",
                _("Task board"),
                "tasks:board",
                badge=notices_unread_count,
                visible=lambda user: bool(teams_of(user)),
            )
        )
