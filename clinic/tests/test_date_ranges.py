"""Far dates: calendar URLs answer with a message instead of an OverflowError, and every date
a person types is refused at its field when it makes no sense for what it is."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from clinic import dates
from clinic.clinic_time import today
from clinic.forms import ClientForm
from scheduling.forms import FreeSlotForm, RescheduleForm, TimeOffForm, WaitlistForm
from scheduling.tests.factories import AppointmentTypeFactory

EXTREMES = ["9999-12-31", "0001-01-01", "2200-01-01", "1800-01-01"]


def _calendar_urls(cast) -> list[str]:
    profile = cast.therapist.therapist_profile
    return [
        reverse("schedule_day"),
        reverse("schedule_week", kwargs={"therapist_id": profile.pk}),
        reverse("free_slot_finder"),
    ]


@pytest.mark.parametrize("far", EXTREMES)
def test_calendars_answer_a_far_date_with_today_and_a_message(client, cast, far):
    client.force_login(cast.frontdesk)
    for url in _calendar_urls(cast):
        response = client.get(url, {"date": far})
        assert response.status_code == 200, url
        page = response.content.decode()
        assert "must be between" in page and "Showing today instead" in page, url
        assert f'value="{today():%Y-%m-%d}"' in page, url


@pytest.mark.parametrize("far", ["9999-12-31", "0001-01-01"])
def test_free_slot_search_from_a_far_date_is_refused_at_the_field(client, cast, far):
    kind = AppointmentTypeFactory(name="Treatment 60", duration_minutes=60)
    client.force_login(cast.frontdesk)
    therapist = cast.therapist.therapist_profile
    query = {"therapist": therapist.pk, "type": kind.pk, "date": far}
    response = client.get(reverse("free_slot_finder"), query)
    assert response.status_code == 200
    assert "must be between" in response.context["form"].errors["date"][0]


def test_a_date_a_little_ahead_is_still_a_calendar_day(client, cast):
    client.force_login(cast.frontdesk)
    day = today() + dt.timedelta(days=400)
    response = client.get(reverse("schedule_day"), {"date": f"{day:%Y-%m-%d}"})
    assert "must be between" not in response.content.decode()


@pytest.mark.parametrize("far", ["2200-01-01", "9999-12-31", "0001-01-01"])
def test_booking_or_moving_to_a_far_date_is_refused_at_the_field(db, far):
    form = RescheduleForm(data={"date": far, "time": "10:00"})
    assert not form.is_valid()
    assert "The appointment date must be between" in form.errors["date"][0]


def test_free_slot_form_refuses_a_far_start(cast):
    form = FreeSlotForm(data={"date": "2200-01-01"}, user=cast.frontdesk)
    assert not form.is_valid()
    assert "must be between" in form.errors["date"][0]


def test_time_off_in_2200_is_refused_at_the_field(db):
    form = TimeOffForm(data={"starts_at": "2200-05-02T09:00", "ends_at": "2200-05-02T15:00"})
    assert not form.is_valid()
    assert "Time off must be between" in form.errors["starts_at"][0]
    assert "Time off must be between" in form.errors["ends_at"][0]


def test_a_waitlist_ending_in_2200_is_refused_at_the_field(db):
    start = f"{today():%Y-%m-%d}"
    form = WaitlistForm(data={"earliest_date": start, "latest_date": "2200-01-01"})
    assert not form.is_valid()
    assert "A waitlist date must be between" in form.errors["latest_date"][0]
    assert "earliest_date" not in form.errors


@pytest.mark.parametrize(
    ("born", "message"),
    [
        ("1850-06-01", "The date of birth must be between 1 Jan 1900 and today."),
        ("0001-01-01", "The date of birth must be between 1 Jan 1900 and today."),
        ("9999-12-31", "The date of birth cannot be in the future."),
    ],
)
def test_a_birth_date_before_1900_or_in_the_future_is_refused(cast, born, message):
    form = ClientForm(data={"date_of_birth": born}, user=cast.frontdesk)
    assert not form.is_valid()
    assert form.errors["date_of_birth"] == [message]


def test_a_range_is_counted_from_the_clinic_today():
    first, last = dates.BOOKING.bounds(dt.date(2028, 2, 29))
    assert (first, last) == (dt.date(2018, 2, 28), dt.date(2030, 2, 28))
    assert dates.BIRTH_DATE.contains(dt.date(1900, 1, 1))
    assert not dates.BIRTH_DATE.contains(today() + dt.timedelta(days=1))
