from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "mallops.audit"
    label = "audit"
