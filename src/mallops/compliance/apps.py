from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "mallops.compliance"
    label = "compliance"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from mallops.console.navigation import MenuItem, register

        register(
            MenuItem(
                "compliance_inspections",
                _("Compliance self-inspection"),
                "compliance:inspections",
                "compliance.inspect",
                group="risk",
            )
        )
