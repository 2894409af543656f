"""Plan writes that meet (two tabs, two therapists), against real PostgreSQL: activating a draft
while the plan is being closed leaves the plan closed, and no deadlock."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.tests.concurrency import (
    deadlocks,
    deadlocks_since,
    race,
    wait_until_another_waits_for_a_lock,
)
from intake.tests.factories import (
    AssessmentFactory,
    HealthHistoryFactory,
    TreatmentConsentFactory,
)
from treatment_plans.models import TreatmentPlan
from treatment_plans.services import plans as plan_services
from treatment_plans.tests.factories import PlanTechniqueFactory, PlanVersionFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def draft(cast):
    """An active plan (version 1) with a draft version 2 that is ready to activate."""
    HealthHistoryFactory(client=cast.client)
    TreatmentConsentFactory(client=cast.client)
    AssessmentFactory(client=cast.client)  # the initial assessment
    active = PlanVersionFactory(
        plan__client=cast.client,
        plan__therapist=cast.therapist,
        plan__status=TreatmentPlan.Status.ACTIVE,
        activated_at=timezone.now(),
    )
    version = PlanVersionFactory(plan=active.plan, number=2)
    PlanTechniqueFactory(version=version)
    return version


def test_activating_a_draft_while_the_plan_is_closed_leaves_it_closed(cast, draft):
    """plan_activate locked the version and reached the plan only at its UPDATE: it waited
    for the close there, then wrote "active" over "completed"."""
    plan_locked = threading.Event()

    def closing():  # plan_close, holding the plan until the activation waits
        with transaction.atomic():
            TreatmentPlan.objects.select_for_update().get(pk=draft.plan_id)
            plan_locked.set()
            wait_until_another_waits_for_a_lock()
            plan_services.plan_close(actor=cast.therapist, plan=draft.plan, status="completed")
        return "closed"

    def activating():
        plan_locked.wait(timeout=10)
        try:
            plan_services.plan_activate(actor=cast.therapist, version=draft)
        except ValidationError as refused:
            return refused.messages
        return "activated"

    before = deadlocks()
    assert race(closing, activating) == [
        "closed",
        ["This plan is closed. Start a new plan instead."],
    ]
    draft.refresh_from_db()
    assert draft.plan.status == TreatmentPlan.Status.COMPLETED and draft.is_draft
    assert deadlocks_since(before) == 0
