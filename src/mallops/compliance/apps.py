from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "mallops.compliance"
    label = "compliance"
