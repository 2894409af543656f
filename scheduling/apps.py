from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = "Scheduling"

    def ready(self):
        # Registers the appointment and waitlist offer mails with the outbox (clinic/outbox.py).
        from scheduling.services import offers, reminders  # noqa: F401
