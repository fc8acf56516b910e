from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "chiiki.web"
    verbose_name = "サイト"

    def ready(self) -> None:
        from chiiki.web import translations  # noqa: F401  (registers the catalogue check)
