from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from accounts import signals  # noqa: F401  (login/logout audit receivers)

        # Registers the portal invitation mail with the outbox (clinic/outbox.py).
        from accounts.services import invitations  # noqa: F401
