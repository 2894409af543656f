"""What "new" and "plan" mean for booking online (scheduling/online_eligibility.py asks; it may
not read assessments or plans itself). Registered from PortalsConfig.ready."""

from __future__ import annotations

from intake.models import Assessment
from treatment_plans.models import TreatmentPlan


def is_new_client(client) -> bool:
    """No initial assessment on file yet: their first visit is still to come."""
    return not Assessment.objects.filter(client=client, kind=Assessment.Kind.INITIAL).exists()


def has_active_plan(client) -> bool:
    """A treatment plan in force: they book the treatments it calls for."""
    return TreatmentPlan.objects.filter(client=client, status=TreatmentPlan.Status.ACTIVE).exists()


def register() -> None:
    from scheduling import online_eligibility

    online_eligibility.register(online_eligibility.OnlineFor.NEW, is_new_client)
    online_eligibility.register(online_eligibility.OnlineFor.PLAN, has_active_plan)
