from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "mallops.console"
    label = "console"
    verbose_name = "Console"
