"""40 people try to book the same slot at the same moment, against real PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client as HttpClient
from django.urls import reverse

from clinic.clinic_time import at_local, today
from clinic.tests.factories import ClientFactory
from scheduling.models import Appointment, AppointmentType
from scheduling.services.appointments import Slot, SlotTaken, appointment_book
from scheduling.tests.factories import AppointmentFactory, WorkingHoursFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
ATTEMPTS = 40


@pytest.fixture
def slot_day(cast):
    therapist = cast.therapist.therapist_profile
    day = today() + dt.timedelta(days=3)
    WorkingHoursFactory(therapist=therapist, weekday=day.weekday())
    return day


def _race(worker) -> list:
    """Run `worker(i)` in ATTEMPTS threads released at once; collect what each returned."""
    barrier = threading.Barrier(ATTEMPTS)
    results: list = [None] * ATTEMPTS

    def run(i):
        try:
            barrier.wait()
            results[i] = worker(i)
        except Exception as exc:  # anything unexpected is reported, not swallowed
            results[i] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_forty_service_calls_book_exactly_one(cast, slot_day):
    treatment, _ = AppointmentType.objects.get_or_create(
        name="Treatment", defaults={"duration_minutes": 60}
    )
    slot = Slot(cast.therapist.therapist_profile, treatment, at_local(slot_day, dt.time(10)))
    clients = [ClientFactory(user=None) for _ in range(ATTEMPTS)]

    def book(i):
        try:
            appointment_book(actor=cast.frontdesk, client=clients[i], slot=slot)
            return "booked"
        except SlotTaken as taken:
            return "taken" if "That time is taken" in str(taken) else repr(taken)

    results = _race(book)
    assert results.count("booked") == 1, results
    assert results.count("taken") == ATTEMPTS - 1, results
    assert Appointment.objects.count() == 1


def test_forty_browser_posts_get_one_booking_and_409s(cast, slot_day):
    treatment, _ = AppointmentType.objects.get_or_create(
        name="Treatment", defaults={"duration_minutes": 60}
    )
    clients = [ClientFactory(user=None) for _ in range(ATTEMPTS)]
    browsers = []
    for _ in range(ATTEMPTS):
        browser = HttpClient()
        browser.force_login(cast.frontdesk)
        browsers.append(browser)

    def post(i):
        response = browsers[i].post(
            reverse("appointment_new"),
            {
                "client": str(clients[i].pk),
                "therapist": str(cast.therapist.therapist_profile.pk),
                "appointment_type": str(treatment.pk),
                "date": slot_day.isoformat(),
                "time": "11:00",
                "interval_weeks": "1",
            },
        )
        if response.status_code == 409:
            assert b"That time is taken" in response.content
        return response.status_code

    results = _race(post)
    assert sorted(results) == [302] + [409] * (ATTEMPTS - 1), results
    assert Appointment.objects.count() == 1


def test_the_database_itself_refuses_an_overlap(cast, slot_day):
    """The exclusion constraint holds even for code that skips the booking service."""
    therapist = cast.therapist.therapist_profile
    start = at_local(slot_day, dt.time(13))
    AppointmentFactory(therapist=therapist, starts_at=start)
    with (
        pytest.raises(IntegrityError, match="appointment_therapist_no_overlap"),
        transaction.atomic(),
    ):
        AppointmentFactory(therapist=therapist, starts_at=start + dt.timedelta(minutes=30))
    cancelled = AppointmentFactory(therapist=therapist, starts_at=start + dt.timedelta(hours=2))
    Appointment.objects.filter(pk=cancelled.pk).update(status="cancelled")
    AppointmentFactory(therapist=therapist, starts_at=start + dt.timedelta(hours=2))  # allowed
