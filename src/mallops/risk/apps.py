from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "mallops.risk"
    label = "risk"
    verbose_name = "风险控制"
