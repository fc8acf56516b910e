from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "chiiki.indicators"
    verbose_name = "指標"
