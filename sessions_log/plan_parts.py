"""What the plan pages (treatment_plans, below this app) show of progress: each milestone's
baseline and latest reading, and the clinician's reassessment prompt. Registered with
treatment_plans/page_parts.py by this app's AppConfig.ready."""

from __future__ import annotations

from clinic.permissions import Can
from sessions_log.progress import milestone_progress
from sessions_log.selectors_progress import plan_reassessment


def progress(*, user, version):
    # `version` was reached through PlanVersion.objects.visible_to(user) by the plan page.
    return milestone_progress(version)


def reassessment_due(*, user, version):
    """The prompt is a clinician's to-do on an active plan: clients and physicians get the
    link to the progress page only."""
    plan = version.plan
    if version.is_draft or plan.status != plan.Status.ACTIVE:
        return None
    if not Can(user).see_clinical_detail:
        return None
    return plan_reassessment(user=user, plan=plan)
