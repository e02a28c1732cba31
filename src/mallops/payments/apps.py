from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "mallops.payments"
    label = "payments"
