from django.apps import AppConfig


class CollectionConfig(AppConfig):
    name = "chiiki.collection"
    verbose_name = "収集"
