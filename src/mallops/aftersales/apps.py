from django.apps import AppConfig


class AftersalesConfig(AppConfig):
    name = "mallops.aftersales"
    label = "aftersales"
