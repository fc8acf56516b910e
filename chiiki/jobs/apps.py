from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "chiiki.jobs"
    verbose_name = "バックグラウンド処理"

    def ready(self) -> None:
        from chiiki.jobs import kinds  # noqa: F401  (registers the job kinds)
