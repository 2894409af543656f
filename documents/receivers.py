"""What documents/ does when the apps below it announce a change (treatment_plans/signals.py).
Importing this module also registers the care team's plan-ready mail with the outbox."""

from __future__ import annotations

from django.dispatch import receiver

from documents.services import plan_pdf_refresh, plan_pdf_request
from treatment_plans.signals import plan_progress_changed, plan_version_activated


@receiver(plan_version_activated, dispatch_uid="documents.plan_pdf_request")
def _owe_plan_pdf(sender, *, version, **kwargs) -> None:
    plan_pdf_request(version=version)


@receiver(plan_progress_changed, dispatch_uid="documents.plan_pdf_refresh")
def _refresh_plan_pdf(sender, *, version, **kwargs) -> None:
    plan_pdf_refresh(version=version)
