from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "chiiki.imports"
    verbose_name = "データの取込"
