from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "chiiki.accounts"
    verbose_name = "利用者と権限"
