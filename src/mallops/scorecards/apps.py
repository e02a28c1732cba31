from __future__ import annotations

from django.apps import AppConfig


class ScorecardsConfig(AppConfig):
    name = "mallops.scorecards"
    label = "scorecards"
    verbose_name = "Scorecards: KPIs per role, scorecards per person and team, incentive runs"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from mallops.console.navigation import MenuItem, register
        from mallops.scorecards.access import roles_visible

        register(
            MenuItem(
                "scorecards",
                _("Scorecards"),
                "scorecards:index",
                visible=lambda user: bool(roles_visible(user)),
                group="data",
            )
        )
