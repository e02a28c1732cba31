from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "mallops.risk"
    label = "risk"
    verbose_name = "风险控制"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from mallops.accounts.actors import actor_of
        from mallops.console.navigation import MenuItem, register
        from mallops.risk.early_warning import open_alert_count
        from mallops.risk.selectors import open_count

        register(
            MenuItem(
                "risk_queue",
                _("Risk review queue"),
                "risk:queue",
                "risk.view",
                badge=lambda user: open_count(actor_of(user)),
                group="risk",
            )
        )
        register(
            MenuItem("risk_trends", _("Risk decisions over time"), "risk:trends", "risk.view", group="risk")
        )
        register(MenuItem("risk_profile", _("Risk rules"), "risk:profile", "risk.view", group="risk"))
        register(
            MenuItem(
                "risk_alerts",
                _("Risk alerts"),
                "risk:alerts",
                "risk.view",
                badge=lambda user: open_alert_count(actor_of(user)),
                group="risk",
            )
        )
        register(MenuItem("risk_register", _("Risk register"), "risk:register", "risk.view", group="risk"))
