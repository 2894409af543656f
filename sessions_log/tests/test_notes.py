"""Writing, signing and correcting session notes, and who sees what of them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from clinic.clinic_time import at_local, today
from clinic.models import AuditEntry
from intake.tests.factories import (
    AssessmentFactory,
    HealthHistoryFactory,
    TreatmentConsentFactory,
)
from scheduling.models import Appointment
from scheduling.tests.factories import AppointmentFactory
from sessions_log.models import SessionNote
from sessions_log.services.notes import note_problems
from sessions_log.tests.factories import SessionNoteFactory
from treatment_plans.models import Technique


@pytest.fixture
def visit(cast):
    """Today's 10:00 appointment of `client` with `therapist`; intake, consent and the
    initial assessment (a week ago) on file."""
    HealthHistoryFactory(client=cast.client, conditions=["anticoagulants"])
    TreatmentConsentFactory(client=cast.client)
    AssessmentFactory(client=cast.client, assessed_on=today() - dt.timedelta(days=7))
    return AppointmentFactory(
        client=cast.client,
        therapist=cast.therapist.therapist_profile,
        starts_at=at_local(today(), dt.time(10)),
    )


def _tech(key):
    return str(Technique.objects.get(key=key).pk)


def _note(**extra):
    data = {
        "pain_before": "6",
        "subjective": "Neck stiff after deadlines",
        "objective": "Right rotation 58",
        "assessment": "Upper trapezius less guarded",
        "pain_after": "3",
        "client_response": "Relaxed, headache eased",
        "home_care": "Chin tucks 3x10",
        "body_mechanics": "Raise the screen",
        "plan_next": "Same focus, add pec release",
        "techniques-TOTAL_FORMS": "1",
        "techniques-INITIAL_FORMS": "0",
        "techniques-MIN_NUM_FORMS": "0",
        "techniques-MAX_NUM_FORMS": "12",
        "techniques-0-technique": _tech("swedish"),
        "techniques-0-body_region": "Neck",
        "techniques-0-pressure": "moderate",
        "techniques-0-minutes": "20",
        "techniques-0-override_reason": "",
        "points-TOTAL_FORMS": "1",
        "points-INITIAL_FORMS": "0",
        "points-MIN_NUM_FORMS": "0",
        "points-MAX_NUM_FORMS": "20",
        "points-0-location": "Upper trapezius",
        "points-0-side": "right",
        "points-0-hold_seconds": "15",
        "measurements-TOTAL_FORMS": "1",
        "measurements-INITIAL_FORMS": "0",
        "measurements-MIN_NUM_FORMS": "0",
        "measurements-MAX_NUM_FORMS": "12",
        "measurements-0-kind": "",
        "measurements-0-value": "",
    }
    data.update(extra)
    return data


def _post(client, cast, visit, **extra):
    client.force_login(cast.therapist)
    return client.post(reverse("note_edit", args=[visit.pk]), _note(**extra))


@pytest.mark.parametrize(
    "status,takes_note",
    [
        ("booked", True),
        ("checked_in", True),
        ("completed", True),
        ("cancelled", False),
        ("no_show", False),
    ],
)
def test_a_note_is_written_for_an_appointment_that_takes_place(status, takes_note):
    assert Appointment(status=status).takes_note is takes_note


@pytest.mark.parametrize("status", ["completed", "cancelled", "no_show"])
def test_the_service_and_every_link_to_the_note_follow_one_rule(client, cast, visit, status):
    Appointment.objects.filter(pk=visit.pk).update(status=status)
    visit.refresh_from_db()
    editor = reverse("note_edit", args=[visit.pk])
    client.force_login(cast.therapist)
    dashboard = client.get(reverse("dashboard_therapist")).content.decode()
    detail = client.get(reverse("appointment_detail", args=[visit.pk])).content.decode()
    problems = note_problems(actor=cast.therapist, appointment=visit)
    offered = [f'href="{editor}"' in dashboard, f'href="{editor}"' in detail, not problems]
    assert offered == [visit.takes_note] * 3


def test_no_note_without_intake_and_consent(client, cast):
    appointment = AppointmentFactory(client=cast.client, therapist=cast.therapist.therapist_profile)
    client.force_login(cast.therapist)
    page = client.get(reverse("note_edit", args=[appointment.pk])).content.decode()
    assert "cannot be written for this appointment yet" in page
    assert "a health history (intake form)" in page and "a signed consent to treatment" in page
    assert reverse("health_history_edit", args=[cast.client.pk]) in page


def test_therapist_writes_then_signs_and_the_note_locks(client, cast, visit):
    assert _post(client, cast, visit).status_code == 302
    note = SessionNote.objects.get()
    assert not note.is_signed and note.techniques.get().minutes == 20
    assert note.trigger_points.get().hold_seconds == 15
    _post(client, cast, visit, sign="1")
    note.refresh_from_db()
    visit.refresh_from_db()
    assert note.is_signed and visit.status == "completed"
    assert AuditEntry.objects.filter(action="sign", object_id=str(note.pk)).exists()
    # A signed note opens read-only; a POST to its editor (a tab opened before the signature)
    # changes nothing, says why, and keeps what was typed.
    assert client.get(reverse("note_edit", args=[visit.pk]))["Location"] == reverse(
        "note_detail", args=[note.pk]
    )
    response = _post(client, cast, visit, subjective="rewritten")
    page = response.content.decode()
    assert response.status_code == 200
    assert "This note is already signed" in page and "rewritten" in page
    assert reverse("note_detail", args=[note.pk]) in page
    note.refresh_from_db()
    assert note.subjective == "Neck stiff after deadlines"
    note.subjective = "rewritten"
    with pytest.raises(ValidationError):
        note.save()


@pytest.mark.parametrize(
    "change,message",
    [
        ({"pain_before": "11"}, "Pain is a whole number from 0 to 10"),
        ({"pain_after": "-1"}, "Pain is a whole number from 0 to 10"),
        ({"techniques-0-minutes": "-5"}, "Minutes are a whole number from 1 to 240"),
        ({"techniques-0-pressure": ""}, "Which pressure?"),
        ({"points-0-hold_seconds": "900"}, "Hold time is 1 to 300 seconds"),
        ({"measurements-0-kind": "rom", "measurements-0-value": "45"}, "Which movement?"),
    ],
)
def test_bad_input_is_refused_at_the_field_and_kept(client, cast, visit, change, message):
    response = _post(client, cast, visit, **change)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "Neck stiff after deadlines" in html and "Chin tucks 3x10" in html
    assert not SessionNote.objects.exists()


def test_a_contraindicated_technique_needs_a_reason_in_the_note(client, cast, visit):
    cupping = {"techniques-0-technique": _tech("cupping")}
    response = _post(client, cast, visit, **cupping)
    assert "contraindicates it and the plan has no override" in response.content.decode()
    assert not SessionNote.objects.exists()
    _post(
        client,
        cast,
        visit,
        **cupping,
        **{"techniques-0-override_reason": "Dry cupping, 2 min, INR checked"},
    )
    assert SessionNote.objects.get().techniques.get().override_reason.startswith("Dry cupping")


def test_another_therapists_appointment_is_refused_clearly(client, cast, visit):
    client.force_login(cast.therapist2)
    response = client.get(reverse("note_edit", args=[visit.pk]))
    assert response.status_code == 403
    assert "only the treating therapist writes its note" in response.content.decode()


def test_start_from_last_note(client, cast, visit):
    earlier = AppointmentFactory(
        client=cast.client,
        therapist=cast.therapist.therapist_profile,
        starts_at=at_local(today() - dt.timedelta(days=7), dt.time(10)),
    )
    client.force_login(cast.therapist)
    client.post(
        reverse("note_edit", args=[earlier.pk]), _note(sign="1", home_care="Doorway stretch")
    )
    page = client.get(reverse("note_edit", args=[visit.pk])).content.decode()
    assert "Start from last note" in page
    prefilled = client.get(reverse("note_edit", args=[visit.pk]), {"from": "last"}).content.decode()
    assert "Doorway stretch" in prefilled and 'value="Upper trapezius"' in prefilled


def test_addenda_correct_a_signed_note(client, cast, visit):
    _post(client, cast, visit, sign="1")
    note = SessionNote.objects.get()
    client.post(
        reverse("note_addendum", args=[note.pk]), {"text": "Pressure was light, not moderate."}
    )
    page = client.get(reverse("note_detail", args=[note.pk])).content.decode()
    assert "Pressure was light, not moderate." in page
    assert note.addenda.get().author == cast.therapist


def test_the_same_addendum_submitted_twice_is_added_once(client, cast, visit):
    _post(client, cast, visit, sign="1")
    note = SessionNote.objects.get()
    url = reverse("note_addendum", args=[note.pk])
    client.post(url, {"text": "Pressure was light, not moderate."})
    response = client.post(url, {"text": " Pressure was light, not moderate. "}, follow=True)
    assert "This addendum is already on the note" in response.content.decode()
    assert note.addenda.count() == 1
    client.post(url, {"text": "Also: the client left early."})
    assert note.addenda.count() == 2


def test_unsigned_notes_older_than_a_day_are_listed_for_their_author(client, cast, visit):
    _post(client, cast, visit)
    SessionNote.objects.update(created_at=timezone.now() - dt.timedelta(hours=30))
    page = client.get(reverse("dashboard_therapist")).content.decode()
    assert "Unsigned notes older than 24 hours" in page and str(cast.client) in page


def test_client_sees_shareable_parts_and_physician_no_soap(client, cast):
    note = SessionNoteFactory(
        appointment=AppointmentFactory(client=cast.client),
        signed_at=timezone.now(),
        home_care="Chin tucks",
        assessment="internal-reasoning",
    )
    client.force_login(cast.client_user)
    page = client.get(reverse("note_detail", args=[note.pk])).content.decode()
    assert "Chin tucks" in page and "internal-reasoning" not in page and "Neck stiff" not in page
    client.force_login(cast.physician_user)
    page = client.get(reverse("note_detail", args=[note.pk])).content.decode()
    assert "internal-reasoning" not in page and "Neck stiff" not in page and "Before 6/10" in page


def test_client_never_sees_an_unsigned_note(client, cast):
    note = SessionNoteFactory(appointment=AppointmentFactory(client=cast.client))
    client.force_login(cast.client_user)
    assert client.get(reverse("note_detail", args=[note.pk])).status_code == 404


@pytest.mark.parametrize("notes", [3, 30])
def test_notes_list_queries_do_not_grow(client, cast, notes, django_assert_max_num_queries):
    for n in range(notes):
        SessionNoteFactory(
            appointment=AppointmentFactory(
                client=cast.client, starts_at=timezone.now() - dt.timedelta(days=n + 1)
            )
        )
    client.force_login(cast.therapist)
    with django_assert_max_num_queries(9):
        assert client.get(reverse("client_notes", args=[cast.client.pk])).status_code == 200


def test_opening_a_draft_in_the_editor_is_audited(client, cast, visit):
    _post(client, cast, visit)
    note = SessionNote.objects.get()
    before = AuditEntry.objects.filter(action="view", object_id=str(note.pk)).count()
    client.get(reverse("note_edit", args=[visit.pk]))
    assert AuditEntry.objects.filter(action="view", object_id=str(note.pk)).count() == before + 1


def test_a_note_is_signed_only_from_the_appointments_start(client, cast, visit):
    visit.starts_at = timezone.now() + dt.timedelta(weeks=10)
    visit.ends_at = visit.starts_at + dt.timedelta(hours=1)
    visit.save()
    client.force_login(cast.therapist)
    page = client.get(reverse("note_edit", args=[visit.pk])).content.decode()
    assert 'name="sign"' not in page and "can be signed from" in page
    page = _post(client, cast, visit, sign="1").content.decode()
    assert "signed from the appointment&#x27;s start time" in page
    assert "Neck stiff after deadlines" in page  # what was typed is kept
    visit.refresh_from_db()
    assert visit.status == "booked" and not SessionNote.objects.filter(signed_at__isnull=False)
    assert _post(client, cast, visit).status_code == 302  # a draft can be prepared earlier
    assert not SessionNote.objects.get().is_signed
