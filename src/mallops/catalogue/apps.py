from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "mallops.catalogue"
    label = "catalogue"
