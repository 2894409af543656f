from django.apps import AppConfig


class TreatmentPlansConfig(AppConfig):
    name = "treatment_plans"
    verbose_name = "Treatment plans"

    def ready(self):
        # Registers the clearance-request mail with the outbox (clinic/outbox.py).
        from treatment_plans import clearance  # noqa: F401
