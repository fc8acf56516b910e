from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "chiiki.plans"
    verbose_name = "計画"
