from django.apps import AppConfig


class ProposalsConfig(AppConfig):
    name = "chiiki.proposals"
    verbose_name = "政策提案"
