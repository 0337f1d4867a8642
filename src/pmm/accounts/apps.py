from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "pmm.accounts"
    label = "accounts"
