from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = "Scheduling"

    def ready(self):
        # Registers the appointment mails with the outbox (clinic/outbox.py).
        from scheduling.services import reminders  # noqa: F401
