from django.apps import AppConfig


class DatasetsConfig(AppConfig):
    name = "chiiki.datasets"
    verbose_name = "データセット"
