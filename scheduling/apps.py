from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = "Scheduling"

    def ready(self):
        # Registers the appointment and intake forms mails with the outbox (clinic/outbox.py).
        from scheduling.services import intake_forms, reminders  # noqa: F401
