from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "pmm.accounts"
    label = "accounts"

    def ready(self) -> None:
        from pmm.accounts import middleware  # noqa: F401 - connects the sign-in session stamps
