from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "smmdesk.accounts"
    label = "accounts"
