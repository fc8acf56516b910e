from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "chiiki.accounts"
    verbose_name = "利用者と権限"

    def ready(self) -> None:
        # Connects the per-address count of failed sign-ins (user_login_failed).
        from chiiki.accounts import throttle  # noqa: F401
