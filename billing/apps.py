from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

    def ready(self):
        # What billing does when a lower app speaks (a note signed) and what it lends the lower
        # apps' pages (authorization visits on the plan page, booking warnings).
        from billing import (
            receivers,  # noqa: F401
            registrations,
        )

        registrations.register_all()
