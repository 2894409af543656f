"""Two submits of one session note at the same moment (a double click, two tabs), against real
PostgreSQL: one signs, the other is told the note is already signed; never a 5xx, never a
deadlock."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client as Browser
from django.urls import reverse

from clinic.clinic_time import at_local, today
from clinic.tests.concurrency import deadlocks, deadlocks_since, race
from intake.tests.factories import (
    AssessmentFactory,
    HealthHistoryFactory,
    TreatmentConsentFactory,
)
from scheduling.models import Appointment
from scheduling.tests.factories import AppointmentFactory
from sessions_log.models import SessionNote
from treatment_plans.models import Technique

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
ROUNDS = 6


@pytest.fixture
def visits(cast):
    """One appointment a round; intake, consent and the initial assessment on file. Technique
    rows come from a data migration that an earlier transactional test may have flushed, hence
    get_or_create."""
    HealthHistoryFactory(client=cast.client)
    TreatmentConsentFactory(client=cast.client)
    AssessmentFactory(client=cast.client, assessed_on=today() - dt.timedelta(days=30))
    Technique.objects.get_or_create(
        key="swedish", defaults={"name": "Swedish massage", "description": "Long strokes."}
    )
    return [
        AppointmentFactory(
            client=cast.client,
            therapist=cast.therapist.therapist_profile,
            starts_at=at_local(today() - dt.timedelta(days=n + 1), dt.time(10)),
        )
        for n in range(ROUNDS)
    ]


def _note(subjective: str, **extra) -> dict:
    data = {
        "subjective": subjective,
        "objective": "Right rotation 58",
        "assessment": "Less guarded",
        "plan_next": "Same focus",
        "pain_before": "6",
        "pain_after": "3",
        "client_response": "Relaxed",
        "home_care": "Chin tucks",
        "body_mechanics": "",
        "techniques-TOTAL_FORMS": "1",
        "techniques-INITIAL_FORMS": "0",
        "techniques-MIN_NUM_FORMS": "0",
        "techniques-MAX_NUM_FORMS": "12",
        "techniques-0-technique": str(Technique.objects.get(key="swedish").pk),
        "techniques-0-body_region": "Neck",
        "techniques-0-pressure": "moderate",
        "techniques-0-minutes": "20",
        "techniques-0-override_reason": "",
        "points-TOTAL_FORMS": "0",
        "points-INITIAL_FORMS": "0",
        "points-MIN_NUM_FORMS": "0",
        "points-MAX_NUM_FORMS": "20",
        "measurements-TOTAL_FORMS": "0",
        "measurements-INITIAL_FORMS": "0",
        "measurements-MIN_NUM_FORMS": "0",
        "measurements-MAX_NUM_FORMS": "12",
    }
    data.update(extra)
    return data


def _browsers(cast, count: int = 2) -> list[Browser]:
    browsers = [Browser() for _ in range(count)]
    for browser in browsers:
        browser.force_login(cast.therapist)
    return browsers


def _post(browser: Browser, visit: Appointment, data: dict):
    return lambda: browser.post(reverse("note_edit", args=[visit.pk]), data)


def _add(browser: Browser, note: SessionNote, text: str):
    return lambda: browser.post(reverse("note_addendum", args=[note.pk]), {"text": text})


def _draft_first(browser: Browser, visit: Appointment, round_number: int) -> None:
    """Every other round starts from a saved draft, the others from no note at all."""
    if round_number % 2:
        assert (
            browser.post(reverse("note_edit", args=[visit.pk]), _note("draft")).status_code == 302
        )


def _signed_page(response, note: SessionNote) -> bool:
    return response.status_code == 302 and response["Location"] == reverse(
        "note_detail", args=[note.pk]
    )


def test_two_save_and_sign_at_once_sign_once_and_tell_the_other(cast, visits):
    first, second = _browsers(cast)
    before = deadlocks()
    for n, visit in enumerate(visits):
        _draft_first(first, visit, n)
        data = _note("Neck stiff after deadlines", sign="1")
        responses = race(_post(first, visit, data), _post(second, visit, data))

        assert not any(isinstance(r, Exception) for r in responses), responses
        note = SessionNote.objects.get(appointment=visit)
        assert note.is_signed and note.subjective == "Neck stiff after deadlines"
        signed = [r for r in responses if _signed_page(r, note)]
        refused = [r for r in responses if r.status_code == 200]
        assert len(signed) == 1 and len(refused) == 1, [r.status_code for r in responses]
        assert "This note is already signed" in refused[0].content.decode()
    assert deadlocks_since(before) == 0


def test_a_draft_save_racing_a_sign_is_told_and_keeps_its_text(cast, visits):
    signer, drafter = _browsers(cast)
    before = deadlocks()
    for n, visit in enumerate(visits):
        _draft_first(signer, visit, n)
        signing = _post(signer, visit, _note("What the signer wrote", sign="1"))
        saving = _post(drafter, visit, _note("What the other tab typed"))
        signed, saved = race(signing, saving)

        assert not isinstance(signed, Exception) and not isinstance(saved, Exception)
        note = SessionNote.objects.get(appointment=visit)
        assert _signed_page(signed, note) and note.subjective == "What the signer wrote"
        if saved.status_code == 200:  # the sign got there first
            page = saved.content.decode()
            assert "This note is already signed" in page and "What the other tab typed" in page
        else:  # the draft got there first; the sign then saved its own text over it
            assert saved.status_code == 302, saved.status_code
    assert deadlocks_since(before) == 0


def test_the_same_addendum_submitted_twice_at_once_is_added_once(cast, visits):
    first, second = _browsers(cast)
    before = deadlocks()
    for visit in visits[:3]:
        first.post(reverse("note_edit", args=[visit.pk]), _note("Signed", sign="1"))
        note = SessionNote.objects.get(appointment=visit, signed_at__isnull=False)
        text = "Pressure was light, not moderate."
        responses = race(_add(first, note, text), _add(second, note, text))

        assert [getattr(r, "status_code", r) for r in responses] == [302, 302], responses
        assert note.addenda.count() == 1
    assert deadlocks_since(before) == 0
