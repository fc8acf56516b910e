from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "chiiki.web"
    verbose_name = "サイト"
