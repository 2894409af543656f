from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = "Scheduling"

    def ready(self):
        # Registers the appointment, intake forms, request and waitlist offer mails with the
        # outbox (clinic/outbox.py).
        from scheduling.services import (  # noqa: F401
            booking_requests,
            intake_forms,
            offers,
            reminders,
        )
