"""Load the demo clinic. Each app may provide `<app>/demo.py` with `seed(stdout)`; they run in
INSTALLED_APPS order, so later apps build on the people the core made. Safe to run twice."""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand

from clinic.demo import ACCOUNTS, DEMO_PASSWORD


class Command(BaseCommand):
    help = "Create or complete the demo clinic (idempotent)."

    def handle(self, *args, **options):
        for config in apps.get_app_configs():
            if find_spec(f"{config.name}.demo") is not None:
                import_module(f"{config.name}.demo").seed(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo clinic ready. Sign in with:"))
        for username, role, *_ in ACCOUNTS:
            self.stdout.write(f"  {username:<11} {DEMO_PASSWORD}   ({role.label})")
