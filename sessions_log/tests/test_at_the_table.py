"""At the table (issue 17, item 5): a note's technique, region, position and pressure are
screened on the client's health history. A contraindication needs a written reason before the
note saves; a caution, or a trigger point held outside 12-15 s, is remarked on, not blocked."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from clinic.clinic_time import at_local, today
from intake.tests.factories import (
    AssessmentFactory,
    HealthHistoryFactory,
    TreatmentConsentFactory,
)
from scheduling.tests.factories import AppointmentFactory
from sessions_log.models import SessionNote
from sessions_log.services.notes import table_item
from sessions_log.tests.test_notes import _post, _tech
from treatment_plans.models import Technique


def _visit(cast, **history):
    HealthHistoryFactory(client=cast.client, **history)
    TreatmentConsentFactory(client=cast.client)
    AssessmentFactory(client=cast.client, assessed_on=today() - dt.timedelta(days=7))
    return AppointmentFactory(
        client=cast.client,
        therapist=cast.therapist.therapist_profile,
        starts_at=at_local(today(), dt.time(10)),
    )


@pytest.fixture
def pregnant(cast):
    """A client 20 weeks pregnant today (due in 20 weeks)."""
    return _visit(cast, conditions=[], pregnancy_due_date=today() + dt.timedelta(weeks=20))


def _row(technique: str, region: str, position: str, pressure: str = "moderate") -> dict:
    return {
        "techniques-0-technique": _tech(technique),
        "techniques-0-body_region": region,
        "techniques-0-position": position,
        "techniques-0-pressure": pressure,
    }


def _said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_prone_at_twenty_weeks_needs_a_reason_side_lying_does_not(client, cast, pregnant):
    refused = _post(client, cast, pregnant, **_row("swedish", "Low back", "prone"))
    assert "contraindicates it and the plan has no override" in refused.content.decode()
    assert not SessionNote.objects.exists()

    _post(client, cast, pregnant, **_row("swedish", "Low back", "side_lying"))
    assert SessionNote.objects.get().techniques.get().position == "side_lying"


def test_leg_trigger_points_in_pregnancy_need_a_reason_the_upper_back_does_not(
    client, cast, pregnant
):
    refused = _post(client, cast, pregnant, **_row("trigger_point", "Left calf", "side_lying"))
    assert "contraindicates it and the plan has no override" in refused.content.decode()
    _post(
        client,
        cast,
        pregnant,
        **_row("trigger_point", "Upper back and shoulder blades", "side_lying"),
    )
    assert SessionNote.objects.count() == 1


def test_a_written_reason_lets_contraindicated_work_be_recorded(client, cast, pregnant):
    _post(
        client,
        cast,
        pregnant,
        **_row("swedish", "Low back", "prone"),
        **{"techniques-0-override_reason": "Pregnancy bolster table; five minutes only"},
    )
    assert SessionNote.objects.get().techniques.get().override_reason.startswith("Pregnancy")


def test_deep_pressure_on_a_blood_thinner_saves_with_a_caution(client, cast):
    visit = _visit(cast, conditions=["anticoagulants"])
    response = _post(client, cast, visit, **_row("swedish", "Neck", "supine", "deep"))
    assert SessionNote.objects.exists()
    said = _said(response)
    assert any(m.startswith("Swedish massage (Neck, deep): Caution.") for m in said), said
    client.get(response.url)  # the edit page shows (and uses up) the messages
    # The same work at light pressure is not remarked on.
    light = _post(client, cast, visit, **_row("swedish", "Neck", "supine", "light"))
    assert not any("Caution" in m for m in _said(light))


@pytest.mark.parametrize("seconds,remarked", [(11, True), (12, False), (15, False), (120, True)])
def test_a_trigger_point_hold_outside_12_to_15_seconds_is_remarked(client, cast, seconds, remarked):
    visit = _visit(cast, conditions=[])
    response = _post(client, cast, visit, **{"points-0-hold_seconds": str(seconds)})
    assert SessionNote.objects.get().trigger_points.get().hold_seconds == seconds
    held = [m for m in _said(response) if "Trigger point Upper trapezius" in m]
    assert bool(held) is remarked
    if remarked:
        assert held == [
            f"Trigger point Upper trapezius: held {seconds} s; trigger-point therapy holds "
            "12-15 s until the tension releases."
        ]


def test_every_region_of_the_note_form_is_a_screening_region():
    from sessions_log.forms.notes import REGION_CHOICES
    from treatment_plans.contraindications import site_region

    unread = [label for label, _ in REGION_CHOICES[1:] if not site_region(label)[0]]
    assert unread == []


def test_the_row_is_read_as_screening_reads_work(db):
    row = {
        "technique": Technique.objects.get(key="deep_tissue"),
        "body_region": "Right shoulder",
        "position": "prone",
        "pressure": "firm",
    }
    item = table_item(row)
    assert (item.technique, item.region, item.side) == ("deep_tissue", "shoulder", "right")
    assert (item.position, item.pressure) == ("prone", "deep")  # firm is screened as deep


def _screened(client, cast, visit, **params):
    client.force_login(cast.therapist)
    response = client.get(reverse("note_screen", args=[visit.pk]), params)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store, private"
    return response.json()["findings"]


def test_the_form_is_told_what_a_row_meets_as_it_is_filled_in(client, cast, pregnant):
    prone = _screened(
        client,
        cast,
        pregnant,
        technique=_tech("swedish"),
        body_region="Low back",
        position="prone",
        pressure="light",
    )
    assert [(f["severity"], f["needs_reason"]) for f in prone] == [("contraindicated", True)]
    assert prone[0]["reason"].startswith("From the second trimester, no prone position")
    side_lying = _screened(
        client,
        cast,
        pregnant,
        technique=_tech("swedish"),
        body_region="Low back",
        position="side_lying",
        pressure="light",
    )
    assert side_lying == []
    assert _screened(client, cast, pregnant, technique="not-a-technique") == []


def test_only_the_treating_therapist_is_told(client, cast, pregnant):
    client.force_login(cast.therapist2)
    url = reverse("note_screen", args=[pregnant.pk])
    assert client.get(url, {"technique": _tech("swedish")}).status_code == 403


def _answered(cast, technique_key: str, status: str, response: str):
    from django.utils import timezone

    from treatment_plans.models import ClearanceRequest, ContraindicationRule, Severity
    from treatment_plans.tests.factories import PlanVersionFactory

    rule = ContraindicationRule.objects.create(
        condition="uncontrolled_hypertension",
        technique=Technique.objects.get(key=technique_key),
        severity=Severity.CLEARANCE,
        reason="Blood pressure not yet controlled.",
        source="Werner R., 7th ed. (2019): Hypertension",
    )
    return ClearanceRequest.objects.create(
        version=PlanVersionFactory(plan__client=cast.client, plan__therapist=cast.therapist),
        rule=rule,
        technique=rule.technique,
        care_team_member=cast.client.care_team.first(),
        question="Deep work on the back?",
        created_by=cast.therapist,
        status=status,
        response=response,
        responded_at=timezone.now(),
    )


def test_a_declined_clearance_needs_a_reason_at_the_table(client, cast):
    visit = _visit(cast, conditions=[])
    answer = _answered(cast, "deep_tissue", "declined", "Not until her pressure is controlled.")
    refused = _post(
        client, cast, visit, **_row("deep_tissue", "Upper back and shoulder blades", "prone")
    )
    page = refused.content.decode()
    assert f"{answer.care_team_member.physician} declined clearance on" in page
    assert not SessionNote.objects.exists()
    _post(
        client,
        cast,
        visit,
        **_row("deep_tissue", "Upper back and shoulder blades", "prone"),
        **{"techniques-0-override_reason": "Two minutes, light, client asked; BP 128/80 today"},
    )
    assert SessionNote.objects.exists()


def test_restrictions_on_a_clearance_are_shown_at_the_table(client, cast):
    visit = _visit(cast, conditions=[])
    answer = _answered(cast, "deep_tissue", "restricted", "Light pressure only, no neck work.")
    saved = _post(
        client, cast, visit, **_row("deep_tissue", "Upper back and shoulder blades", "prone")
    )
    assert SessionNote.objects.exists()
    assert (
        f"Deep tissue massage: {answer.care_team_member.physician} approved it with "
        "restrictions: Light pressure only, no neck work."
    ) in _said(saved)
