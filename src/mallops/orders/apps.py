from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "mallops.orders"
    label = "orders"
