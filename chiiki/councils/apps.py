from django.apps import AppConfig


class CouncilsConfig(AppConfig):
    name = "chiiki.councils"
    verbose_name = "地域づくり連携会議"
