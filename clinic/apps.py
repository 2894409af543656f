from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = "Clinic"

    def ready(self):
        # Each registers its kinds of owed mail with the outbox (clinic/outbox.py).
        from clinic.services import people  # noqa: F401
