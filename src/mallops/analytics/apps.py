from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "mallops.analytics"
    label = "analytics"
