"""The demo clinic holds what the README promises."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from documents.models import PlanPdf
from intake.body_chart import REGION_KEYS
from intake.models import HealthHistory
from treatment_plans.models import ConflictOverride, TreatmentPlan


@pytest.mark.django_db
def test_demo_has_active_plans_with_pdfs_and_karens_override(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=io.StringIO())
    plans = TreatmentPlan.objects.select_related("client")
    assert {p.client.last_name for p in plans} == {"Whitfield", "Bell", "Raman", "Haldane"}
    assert {p.status for p in plans} == {"active"}
    assert PlanPdf.objects.filter(status="ready").count() == 4
    override = ConflictOverride.objects.get(version__plan__client__last_name="Whitfield")
    assert override.technique.key == "deep_tissue" and "light pressure" in override.reason
    for history in HealthHistory.objects.all():
        assert set(history.pain_regions) <= REGION_KEYS
    call_command("seed_demo", stdout=io.StringIO())  # a second run adds nothing
    assert TreatmentPlan.objects.count() == 4 and PlanPdf.objects.count() == 4
