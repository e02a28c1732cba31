from __future__ import annotations

from django.apps import AppConfig


class MarketingConfig(AppConfig):
    name = "mallops.marketing"
    label = "marketing"
    verbose_name = "Marketing: channels, spend, attribution, budget suggestions, tier strategies, campaigns"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from mallops.console.navigation import MenuItem, register

        # two entries, each page with tabs (marketing/_tabs.html), so the 营销 group fits a 1440×900 screen:
        # 渠道投入产出报表 (report, channels, spend entry) and 精准营销活动 (campaigns, tier strategies, buyer tags)
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
                "marketing_campaigns",
                _("Targeted campaigns"),
                "marketing:campaigns",
                "promotion.view",
                group="marketing",
            )
        )
