from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "mallops.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from mallops.core import sweeps

        sweeps.autodiscover()
