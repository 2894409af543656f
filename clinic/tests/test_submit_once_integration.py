"""One booking form submitted twice at the same moment (a double click, a second tab), against
real PostgreSQL: one appointment (or one series), and both submits are sent to it. Before the
one-time token, the second got "That time is taken" (409) for the user's own booking."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client as Browser
from django.urls import reverse

from clinic.clinic_time import at_local, today
from clinic.models import FormSubmission
from clinic.submissions import FIELD
from clinic.tests.concurrency import deadlocks, deadlocks_since, race
from clinic.tests.submissions import token_in
from scheduling.models import Appointment, AppointmentType
from scheduling.tests.factories import WorkingHoursFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
ROUNDS = 6


@pytest.fixture
def treatment(cast):
    for weekday in range(7):
        WorkingHoursFactory(therapist=cast.therapist.therapist_profile, weekday=weekday)
    kind, _ = AppointmentType.objects.get_or_create(
        name="Treatment", defaults={"duration_minutes": 60}
    )
    return kind


def _day(round_number: int) -> dt.date:
    return today() + dt.timedelta(days=1 + round_number)


def _booking(cast, treatment, round_number: int) -> dict:
    """Each round on its own day; odd rounds book a weekly series of three (whose later dates
    fall after the last round's day)."""
    data = {
        "client": str(cast.client.pk),
        "therapist": str(cast.therapist.therapist_profile.pk),
        "appointment_type": str(treatment.pk),
        "date": _day(round_number).isoformat(),
        "time": "10:00",
        "room": "",
        "front_desk_note": "",
        "interval_weeks": "1",
    }
    if round_number % 2:
        data |= {"repeat": "on", "repeat_count": "3"}
    return data


def _post(browser: Browser, data: dict):
    return lambda: browser.post(reverse("appointment_new"), data)


def test_two_identical_booking_posts_at_once_book_once_and_both_go_to_it(cast, treatment):
    browsers = [Browser(), Browser()]
    for browser in browsers:
        browser.force_login(cast.frontdesk)
    before = deadlocks()
    for n in range(ROUNDS):
        token = token_in(browsers[0].get(reverse("appointment_new")))
        data = {**_booking(cast, treatment, n), FIELD: token}
        booked_before = Appointment.objects.count()
        responses = race(*(_post(browser, data) for browser in browsers))

        assert not any(isinstance(r, Exception) for r in responses), responses
        assert Appointment.objects.count() == booked_before + (3 if n % 2 else 1)
        first = Appointment.objects.get(starts_at=at_local(_day(n), dt.time(10)))
        detail = reverse("appointment_detail", args=[first.pk])
        assert [(r.status_code, r.get("Location")) for r in responses] == [(302, detail)] * 2
    assert FormSubmission.objects.count() == ROUNDS
    assert deadlocks_since(before) == 0
