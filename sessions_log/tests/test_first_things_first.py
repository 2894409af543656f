"""First things first (issue 17, item 6): no treatment note before the client's initial
assessment unless the therapist writes why (kept in the note and audited), and no plan
activated without an initial assessment."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from clinic.clinic_time import at_local, today
from clinic.models import AuditEntry
from intake.models import Assessment
from intake.tests.factories import (
    AssessmentFactory,
    HealthHistoryFactory,
    TreatmentConsentFactory,
)
from scheduling.tests.factories import AppointmentFactory
from sessions_log.models import SessionNote
from sessions_log.services.notes import NO_ASSESSMENT, note_save
from sessions_log.tests.test_notes import _note
from treatment_plans.services.plans import (
    NO_INITIAL_ASSESSMENT,
    activation_problems,
    plan_activate,
)
from treatment_plans.tests.factories import PlanTechniqueFactory, PlanVersionFactory

REASON = "Acute neck spasm; assessed in full next visit once she can turn her head."


@pytest.fixture
def visit(cast):
    """Today's 10:00 appointment; intake and consent on file, no assessment yet."""
    HealthHistoryFactory(client=cast.client)
    TreatmentConsentFactory(client=cast.client)
    return AppointmentFactory(
        client=cast.client,
        therapist=cast.therapist.therapist_profile,
        starts_at=at_local(today(), dt.time(10)),
    )


def _post(client, cast, visit, **extra):
    client.force_login(cast.therapist)
    return client.post(reverse("note_edit", args=[visit.pk]), _note(**extra))


def _save(cast, visit, **data):
    return note_save(
        actor=cast.therapist,
        appointment=visit,
        data={"pain_before": 6, "pain_after": 3, **data},
        techniques=[],
        trigger_points=[],
        measurements=[],
    )


def test_the_service_refuses_a_note_before_the_initial_assessment(cast, visit):
    with pytest.raises(ValidationError) as refused:
        _save(cast, visit)
    assert refused.value.message_dict == {"no_assessment_reason": [NO_ASSESSMENT]}
    assert not SessionNote.objects.exists()


def test_the_editor_says_so_by_the_field_with_a_link_to_record_it(client, cast, visit):
    client.force_login(cast.therapist)
    page = client.get(reverse("note_edit", args=[visit.pk])).content.decode()
    assert 'id="no-assessment"' in page
    assert reverse("assessment_new", args=[cast.client.pk]) in page
    response = _post(client, cast, visit)
    assert response.status_code == 200
    assert response.context["form"].errors["no_assessment_reason"] == [NO_ASSESSMENT]
    assert "record it first" in response.content.decode()
    assert not SessionNote.objects.exists()


def test_a_written_reason_lets_the_note_through_kept_and_audited(client, cast, visit):
    assert _post(client, cast, visit, no_assessment_reason=f"  {REASON} ").status_code == 302
    note = SessionNote.objects.get()
    assert note.no_assessment_reason == REASON
    entry = AuditEntry.objects.get(action="create", object_id=str(note.pk))
    assert (
        entry.detail == "session note (draft), before an initial assessment, with a written reason"
    )
    _post(client, cast, visit, no_assessment_reason=REASON, sign="1")
    note.refresh_from_db()
    assert note.is_signed
    detail = client.get(reverse("note_detail", args=[note.pk])).content.decode()
    assert "Before an initial assessment, because" in detail and REASON in detail


def test_a_blank_reason_is_no_reason(cast, visit):
    with pytest.raises(ValidationError, match="record it first"):
        _save(cast, visit, no_assessment_reason="   ")


def test_an_initial_assessment_on_the_day_is_enough(client, cast, visit):
    AssessmentFactory(client=cast.client, assessed_on=today())
    note = _save(cast, visit, no_assessment_reason="not needed")
    assert note.no_assessment_reason == ""  # only kept when it was needed
    assert AuditEntry.objects.get(object_id=str(note.pk)).detail == "session note (draft)"
    client.force_login(cast.therapist)
    page = client.get(reverse("note_edit", args=[visit.pk])).content.decode()
    assert 'id="no-assessment"' not in page


def test_an_assessment_after_the_session_or_a_reassessment_is_not_enough(cast, visit):
    AssessmentFactory(client=cast.client, assessed_on=today() + dt.timedelta(days=1))
    AssessmentFactory(
        client=cast.client,
        assessed_on=today() - dt.timedelta(days=3),
        kind=Assessment.Kind.REASSESSMENT,
    )
    with pytest.raises(ValidationError, match="record it first"):
        _save(cast, visit)


# --- plan activation ---------------------------------------------------------------------


@pytest.fixture
def draft(cast):
    HealthHistoryFactory(client=cast.client)
    TreatmentConsentFactory(client=cast.client)
    version = PlanVersionFactory(plan__client=cast.client, plan__therapist=cast.therapist)
    PlanTechniqueFactory(version=version)
    return version


def test_no_plan_activation_without_an_initial_assessment(client, cast, draft):
    assert activation_problems(draft) == [NO_INITIAL_ASSESSMENT]
    with pytest.raises(ValidationError, match="no initial assessment"):
        plan_activate(actor=cast.therapist, version=draft)
    draft.refresh_from_db()
    assert draft.activated_at is None
    client.force_login(cast.therapist)
    page = client.get(reverse("plan_detail", args=[draft.plan.pk])).content.decode()
    assert "The client has no initial assessment yet" in page


def test_an_initial_assessment_lets_the_plan_be_activated(cast, draft):
    AssessmentFactory(client=cast.client)
    assert activation_problems(draft) == []
    assert plan_activate(actor=cast.therapist, version=draft).activated_at is not None
