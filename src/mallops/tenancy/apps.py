from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "mallops.tenancy"
    label = "tenancy"
