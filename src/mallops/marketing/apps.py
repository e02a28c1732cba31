from __future__ import annotations

from django.apps import AppConfig


class MarketingConfig(AppConfig):
    name = "mallops.marketing"
    label = "marketing"
    verbose_name = "Marketing: channels, spend, attribution, budget suggestions, tier strategies, campaigns"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from mallops.console.navigation import MenuItem, register

        register(
            MenuItem(
                "marketing_report",
                _("Channel ROI report"),
                "marketing:report",
                "analytics.view",
                group="marketing",
            )
        )
        register(
            MenuItem(
                "marketing_channels",
                _("Marketing channels"),
                "marketing:channels",
                "analytics.view",
                group="marketing",
            )
        )
        register(
            MenuItem(
                "marketing_strategies",
                _("Tier strategies"),
                "marketing:strategies",
                "promotion.view",
                group="marketing",
            )
        )
        register(
            MenuItem(
                "marketing_campaigns",
                _("Targeted campaigns"),
                "marketing:campaigns",
                "promotion.view",
                group="marketing",
            )
        )
        register(
            MenuItem(
                "marketing_spend",
                _("Marketing spend entry"),
                "marketing:spend",
                "promotion.manage",
                group="marketing",
            )
        )
