from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "mallops.review"
    label = "review"
