from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = "Clinic"

    def ready(self):
        from clinic import signals  # noqa: F401  (login/logout audit receivers)

        # Each registers its kinds of owed mail with the outbox (clinic/outbox.py).
        from clinic.services import invitations, people  # noqa: F401
