from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "mallops.accounts"
    label = "accounts"
