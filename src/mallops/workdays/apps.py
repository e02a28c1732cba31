from django.apps import AppConfig


class WorkdaysConfig(AppConfig):
    name = "mallops.workdays"
    label = "workdays"
