from typing import Any

from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "mallops.risk"
    label = "risk"
    verbose_name = "风险控制"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from mallops.accounts.actors import actor_of
        from mallops.accounts.risk_gate import register_risk_gates
        from mallops.console.navigation import MenuItem, register
        from mallops.risk.early_warning import open_alert_count
        from mallops.risk.selectors import open_count

        register_risk_gates(login=_login, register=_register, address_change=_address_change)
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


# the buyer's sign-in, registration and address changes, asked by the accounts API (accounts.risk_gate)
def _login(*, buyer_id: int, request: Any) -> None:
    from mallops.risk import flows

    flows.login_assess(buyer_id=buyer_id, context=flows.request_context(request))


def _register(*, buyer_id: int, request: Any) -> None:
    from mallops.risk import flows

    flows.register_assess(buyer_id=buyer_id, context=flows.request_context(request))


def _address_change(*, buyer_id: int, address: str, request: Any) -> None:
    from mallops.risk import flows

    flows.address_change_assess(buyer_id=buyer_id, address=address, context=flows.request_context(request))
