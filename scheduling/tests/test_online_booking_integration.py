"""40 clients book the same time online at the same moment, against real PostgreSQL: one gets
it, the 39 others are told it was just taken and offered the nearest free times (issue 20)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from clinic.clinic_time import at_local, local, today
from clinic.tests.concurrency import deadlocks, deadlocks_since, race
from clinic.tests.factories import ClientFactory
from scheduling.models import Appointment, AppointmentType, OnlineBookingRules
from scheduling.services.online import JustTaken, appointment_book_online
from scheduling.tests.factories import WorkingHoursFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
ATTEMPTS = 40


@pytest.fixture
def setting(cast):
    therapist = cast.therapist.therapist_profile
    day = today() + dt.timedelta(days=4)
    WorkingHoursFactory(therapist=therapist, weekday=day.weekday())  # 09:00-17:00
    OnlineBookingRules.objects.create(enabled=True)
    follow_up = AppointmentType.objects.create(
        name="Online follow-up", duration_minutes=60, online_for="any"
    )
    clients = [ClientFactory(email=f"racer{i}@example.test") for i in range(ATTEMPTS)]
    return therapist, day, follow_up, clients


def test_forty_clients_book_one_time_through_the_service(setting):
    therapist, day, follow_up, clients = setting
    wanted = at_local(day, dt.time(10))
    before = deadlocks()

    def book(client):
        def attempt():
            try:
                appointment_book_online(
                    actor=client.user,
                    appointment_type=follow_up,
                    starts_at=wanted,
                    therapist=therapist,
                )
                return "booked"
            except JustTaken as taken:
                return taken

        return attempt

    results = race(*(book(c) for c in clients))
    assert results.count("booked") == 1, results
    taken = [r for r in results if isinstance(r, JustTaken)]
    assert len(taken) == ATTEMPTS - 1, [r for r in results if r != "booked"]
    for answer in taken:
        assert "just taken" in " ".join(answer.messages)
        nearest = [local(start).time() for _, start in answer.nearest]
        assert sorted(nearest) == [dt.time(9), dt.time(11), dt.time(11, 30)]
    [appointment] = Appointment.objects.all()
    assert appointment.channel == "online" and appointment.starts_at == wanted
    assert appointment.created_by == appointment.client.user
    assert deadlocks_since(before) == 0


def test_forty_browsers_get_one_booking_and_39_just_taken_pages(setting):
    therapist, day, follow_up, clients = setting
    wanted = at_local(day, dt.time(14))
    browsers = []
    for client in clients:
        browser = HttpClient()
        browser.force_login(client.user)
        browsers.append(browser)

    def post(browser):
        def attempt():
            response = browser.post(
                reverse("portal_book"),
                {"type": follow_up.pk, "therapist": therapist.pk, "start": wanted.isoformat()},
            )
            if response.status_code == 409:
                page = response.content.decode()
                assert "Just taken." in page and "Here are the nearest free times." in page
            return response.status_code

        return attempt

    results = race(*(post(b) for b in browsers))
    assert sorted(results) == [302] + [409] * (ATTEMPTS - 1), results
    assert Appointment.objects.filter(starts_at=wanted).count() == 1
