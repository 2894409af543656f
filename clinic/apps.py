from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = "Clinic"

    def ready(self):
        from django.db.backends.signals import connection_created

        from clinic import signals  # noqa: F401  (login/logout audit receivers)
        from clinic.search import register_on_sqlite

        connection_created.connect(register_on_sqlite, dispatch_uid="clinic_search_norm")

        # Each registers its kinds of owed mail with the outbox (clinic/outbox.py).
        from clinic.services import invitations, people, reminders  # noqa: F401
