from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = "Scheduling"

    def ready(self):
        # Registers the appointment mails with the outbox (clinic/outbox.py).
        from scheduling.services import booking_requests, reminders  # noqa: F401
