from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = "Documents"

    def ready(self):
        from documents import (
            receivers,  # noqa: F401  (also registers the plan-ready mail)
            record_export,  # noqa: F401  (registers the export-ready mail)
        )
        from documents.selectors import latest_plan_pdf
        from treatment_plans import page_parts

        page_parts.register("latest_pdf", latest_plan_pdf)
