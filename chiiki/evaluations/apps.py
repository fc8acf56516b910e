from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    name = "chiiki.evaluations"
    verbose_name = "評価"
