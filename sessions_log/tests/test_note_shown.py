"""A session note as its viewer may see it (sessions_log/selectors.py): the page of a
physician or a client gets an object without the parts they may not see, and those parts are
not even read from the database; clinicians get the whole note."""

from __future__ import annotations

import dataclasses

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clinic.models import Client
from clinic.selectors import ClientIdentity
from scheduling.tests.factories import AppointmentFactory
from sessions_log.models import Addendum, TechniqueApplied, TriggerPoint
from sessions_log.selectors import NoteShown
from sessions_log.tests.factories import SessionNoteFactory
from treatment_plans.models import Technique

SOAP = {
    "subjective": "SUBJECTIVE-neck stiff",
    "objective": "OBJECTIVE-rotation 58",
    "assessment": "ASSESSMENT-trapezius guarded",
    "plan_next": "PLAN-NEXT-more stretching",
    "client_response": "RESPONSE-relaxed",
}
ADVICE = {"home_care": "HOME-CARE-chin tucks", "body_mechanics": "BODY-MECHANICS-desk height"}
CLINICIAN_ONLY = ("OVERRIDE-REASON-cleared by GP", "TRIGGER-upper trap", "ADDENDUM-text")


@pytest.fixture
def note(cast):
    return _note(cast)


def _note(cast, **extra):
    note = SessionNoteFactory(
        appointment=AppointmentFactory(
            client=cast.client, therapist=cast.therapist.therapist_profile
        ),
        signed_at=timezone.now(),
        **SOAP,
        **ADVICE,
        **extra,
    )
    technique = Technique.objects.first()
    TechniqueApplied.objects.create(
        note=note,
        technique=technique,
        body_region="Neck",
        pressure="firm",
        minutes=10,
        override_reason=CLINICIAN_ONLY[0],
    )
    TriggerPoint.objects.create(note=note, location=CLINICIAN_ONLY[1], hold_seconds=30)
    Addendum.objects.create(note=note, author=cast.therapist, text=CLINICIAN_ONLY[2])
    return note


def _open(client, user, note):
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("note_detail", args=[note.pk]))
    assert response.status_code == 200
    return response, " ".join(q["sql"] for q in queries.captured_queries)


def _texts(shown: NoteShown) -> str:
    """Every value the page's object holds, as text (the client's identity included)."""
    return repr(dataclasses.asdict(shown))


def test_a_physicians_note_has_no_soap_text_nor_advice(client, cast, note):
    response, sql = _open(client, cast.physician_user, note)
    shown = response.context["note"]
    assert isinstance(shown, NoteShown)
    assert shown.soap is None and shown.advice is None and shown.shared_assessment is None
    assert not hasattr(shown, "subjective") and not hasattr(shown, "assessment")
    assert shown.trigger_points == () and shown.addenda == ()
    assert [t.override_reason for t in shown.techniques] == [""]
    # Not in the object, not in the page, not even read from the database.
    held, page = _texts(shown), response.content.decode()
    for text in (*SOAP.values(), *ADVICE.values(), *CLINICIAN_ONLY):
        assert text not in held and text not in page
    for column in (*SOAP, *ADVICE, "override_reason"):
        assert f'"{column}"' not in sql, column
    # The client is named, nothing more: no row with a way to their records.
    assert type(response.context["client"]) is ClientIdentity
    assert "Before 6/10" in page and "Neck" in page


def test_the_client_reads_the_shareable_parts_only(client, cast, note):
    response, sql = _open(client, cast.client_user, note)
    shown = response.context["note"]
    assert shown.soap is None and shown.shared_assessment is None
    assert shown.advice.home_care == ADVICE["home_care"]
    held = _texts(shown)
    for text in (*SOAP.values(), *CLINICIAN_ONLY):
        assert text not in held
    for column in SOAP:
        assert f'"{column}"' not in sql, column
    assert type(response.context["client"]) is ClientIdentity


def test_the_client_reads_the_assessment_when_it_is_shared(client, cast):
    note = _note(cast, share_assessment=True)
    response, _ = _open(client, cast.client_user, note)
    shown = response.context["note"]
    assert shown.shared_assessment == SOAP["assessment"] and shown.soap is None
    assert SOAP["subjective"] not in _texts(shown)
    assert SOAP["assessment"] in response.content.decode()


@pytest.mark.parametrize("role", ["therapist", "admin"])
def test_clinicians_read_the_whole_note(client, cast, note, role):
    response, _ = _open(client, getattr(cast, role), note)
    shown, page = response.context["note"], response.content.decode()
    assert shown.soap.subjective == SOAP["subjective"]
    assert isinstance(response.context["client"], Client)  # for the health alerts
    for text in (*SOAP.values(), *ADVICE.values(), *CLINICIAN_ONLY):
        assert text in page, text


def test_a_stranger_gets_404(client, cast, note):
    client.force_login(cast.physician2_user)
    assert client.get(reverse("note_detail", args=[note.pk])).status_code == 404


def test_the_note_page_reads_the_same_whatever_the_number_of_rows(
    client, cast, note, django_assert_max_num_queries
):
    for n in range(5):
        TechniqueApplied.objects.create(
            note=note,
            technique=Technique.objects.first(),
            body_region=f"Region {n}",
            pressure="light",
            minutes=5,
        )
    client.force_login(cast.physician_user)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("note_detail", args=[note.pk])).status_code == 200
