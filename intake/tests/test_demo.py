"""The demo intake tells the DOMAIN.md demo cases (issue 17: what screening is matched against)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from clinic.clinic_time import today
from intake.models import HealthHistory
from intake.screening_facts import MedicationMatch, facts_for, pregnancy_summary


@pytest.mark.django_db
def test_the_pregnant_client_is_28_weeks_and_karens_warfarin_is_recognised():
    call_command("seed_demo", stdout=io.StringIO())
    histories = {h.client.last_name: h for h in HealthHistory.objects.select_related("client")}
    raman = facts_for(histories["Raman"], as_of=today())
    assert raman.pregnancy_weeks == 28 and pregnancy_summary(raman) == "28 weeks (3rd trimester)"
    karen = facts_for(histories["Whitfield"], as_of=today())
    assert MedicationMatch("Warfarin", "anticoagulants") in karen.medications
    assert "anticoagulants" in karen.keys
    for history in histories.values():
        history.full_clean()  # the demo holds only what the vocabulary knows
