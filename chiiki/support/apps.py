from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "chiiki.support"
    verbose_name = "市町村支援"
