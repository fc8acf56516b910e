from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "chiiki.reports"
    verbose_name = "帳票・オープンデータ"
