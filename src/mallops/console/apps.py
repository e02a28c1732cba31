from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "mallops.console"
    label = "console"
    verbose_name = "Console"

    def ready(self) -> None:
        from mallops.console import export_audit, lists

        lists.register_export_audit(export_audit.EXPORT_AUDIT)
