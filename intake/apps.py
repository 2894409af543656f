from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "intake"
    verbose_name = "Intake, health history and assessment"

    def ready(self):
        # What a client needs on file before a first treatment, for apps that may not import
        # intake (scheduling: the intake forms mails and the day view; clinic/readiness.py).
        from clinic import readiness
        from intake.selectors import consent_on_file, history_on_file

        readiness.register(
            readiness.Requirement(
                key="history",
                missing="Health history missing",
                form="Health history (intake form)",
                portal_url_name="portal_health_history_edit",
                on_file=history_on_file,
            )
        )
        readiness.register(
            readiness.Requirement(
                key="consent",
                missing="Consent missing",
                form="Consent to treatment",
                portal_url_name="portal_consents",
                on_file=consent_on_file,
            )
        )
