from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "chiiki.api"
    verbose_name = "API"
