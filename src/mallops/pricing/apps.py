from django.apps import AppConfig


class PricingConfig(AppConfig):
    name = "mallops.pricing"
    label = "pricing"
