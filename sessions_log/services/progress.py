"""Keep milestone status in step with measurements (sessions and reassessments)."""

from __future__ import annotations

from django.db import transaction

from sessions_log.progress import milestone_progress
from treatment_plans.models import Milestone, PlanVersion
from treatment_plans.signals import plan_progress_changed


@transaction.atomic
def milestones_update(*, version: PlanVersion) -> int:
    """Mark each measurable milestone met or in progress from its latest value, then ask for a
    fresh PDF (debounced, so a burst of signed notes renders once). Returns how many changed.
    Milestone status is progress, not plan content, so it may change on an active version."""
    changed = 0
    for item in milestone_progress(version):
        if not item.measurable or item.met is None:
            continue
        status = Milestone.Status.MET if item.met else Milestone.Status.OPEN
        if item.milestone.status != status:
            Milestone.objects.filter(pk=item.milestone.pk).update(status=status)
            changed += 1
    if version.activated_at is not None:
        # documents/ asks for a fresh PDF (debounced) in this transaction.
        plan_progress_changed.send(sender=PlanVersion, version=version)
    return changed
