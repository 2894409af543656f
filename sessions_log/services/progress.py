"""Keep milestone status in step with measurements (sessions and reassessments)."""

from __future__ import annotations

from django.db import transaction

from sessions_log.progress import Outcome, milestone_progress
from treatment_plans.models import Milestone, PlanVersion
from treatment_plans.signals import plan_progress_changed

# What is stored of an outcome: met on time or late is met; missed is not met (the status a
# therapist also gives a milestone in words); not yet is in progress.
STATUS_OF = {
    Outcome.MET: Milestone.Status.MET,
    Outcome.MET_ON_TIME: Milestone.Status.MET,
    Outcome.MET_LATE: Milestone.Status.MET,
    Outcome.MISSED: Milestone.Status.NOT_MET,
}


@transaction.atomic
def milestones_update(*, version: PlanVersion) -> int:
    """Mark each measurable milestone met (on time or late), not met (missed: its `by_session`
    sessions are done and it is not reached) or in progress from its latest value, then ask
    for a fresh PDF (debounced, so a burst of signed notes renders once). Returns how many changed.
    Milestone status is progress, not plan content, so it may change on an active version."""
    changed = 0
    for item in milestone_progress(version):
        outcome = item.outcome
        if not item.measurable or outcome is None:
            continue
        status = STATUS_OF.get(outcome, Milestone.Status.OPEN)
        if item.milestone.status != status:
            Milestone.objects.filter(pk=item.milestone.pk).update(status=status)
            changed += 1
    if version.activated_at is not None:
        # documents/ asks for a fresh PDF (debounced) in this transaction.
        plan_progress_changed.send(sender=PlanVersion, version=version)
    return changed
