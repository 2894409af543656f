from django.apps import AppConfig


class SessionsLogConfig(AppConfig):
    name = "sessions_log"
    verbose_name = "Session notes and progress"

    def ready(self):
        from sessions_log import plan_parts
        from treatment_plans import page_parts

        page_parts.register("progress", plan_parts.progress)
        page_parts.register("reassessment_due", plan_parts.reassessment_due)
