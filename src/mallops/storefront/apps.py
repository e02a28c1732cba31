from django.apps import AppConfig


class StorefrontConfig(AppConfig):
    name = "mallops.storefront"
    label = "storefront"
