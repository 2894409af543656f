from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = "Scheduling"

    def ready(self):
        # Registers the appointment, intake forms and request mails with the outbox
        # (clinic/outbox.py).
        from scheduling.services import booking_requests, intake_forms, reminders  # noqa: F401
