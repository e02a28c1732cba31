from django.apps import AppConfig


class ServiceConfig(AppConfig):
    name = "mallops.service"
    label = "service"
