from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "chiiki.audit"
    verbose_name = "操作履歴"
