from django.apps import AppConfig


class PortalsConfig(AppConfig):
    name = "portals"
    verbose_name = "Portals"

    def ready(self):
        # Tells scheduling who is a new client and who has a plan, for booking online.
        from portals import online_eligibility

        online_eligibility.register()
