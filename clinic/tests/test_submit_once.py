"""Create forms of the front desk (and portal invitations) submitted twice (a double click,
a second tab, the browser's resend): one record, and the second submit is sent to it with
"This was already saved; here it is." A refused submit keeps its token, so the corrected one
still saves once; a POST without a token saves as before. Client registration:
test_submissions.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core import mail
from django.db.models import QuerySet
from django.urls import reverse

from accounts.models import Invitation
from clinic.clinic_time import today
from clinic.submissions import FIELD
from clinic.tests.factories import ClientFactory, PhysicianFactory
from clinic.tests.submissions import is_already_saved, token_in
from scheduling.models import Appointment, AppointmentType, TimeOff, WaitlistEntry
from scheduling.tests.factories import WorkingHoursFactory


@dataclass
class Form:
    url: str
    good: dict
    bad: dict  # refused at a field; `kept` must still be on the page
    kept: str
    made: Callable[[], QuerySet]  # the records one submit makes
    count: int  # how many
    result: Callable[[], str]  # where the first submit sent the user


def _booking(cast, **extra) -> dict:
    treatment, _ = AppointmentType.objects.get_or_create(
        name="Treatment", defaults={"duration_minutes": 60}
    )
    return {
        "client": str(cast.client.pk),
        "therapist": str(cast.therapist.therapist_profile.pk),
        "appointment_type": str(treatment.pk),
        "date": (today() + dt.timedelta(days=7)).isoformat(),
        "time": "10:00",
        "room": "",
        "front_desk_note": "Prefers the left side",
        "interval_weeks": "1",
        **extra,
    }


def _first_appointment() -> str:
    first = Appointment.objects.order_by("starts_at").first()
    return reverse("appointment_detail", args=[first.pk])


def _waitlist(**extra) -> dict:
    return {
        "therapist": "",
        "appointment_type": "",
        "earliest_date": today().isoformat(),
        "latest_date": (today() + dt.timedelta(days=10)).isoformat(),
        "earliest_time": "09:00",
        "latest_time": "12:00",
        "note": "Mornings only",
        **extra,
    }


def _time_off(**extra) -> dict:
    day = today() + dt.timedelta(days=9)
    return {
        "action": "time_off_add",
        "off-starts_at": f"{day}T08:00",
        "off-ends_at": f"{day}T18:00",
        "off-reason": "Course in Lyon",
        **extra,
    }


def _forms(cast) -> dict[str, Form]:
    client_page = reverse("client_detail", args=[cast.client.pk])
    hours = reverse("therapist_hours", args=[cast.therapist.therapist_profile.pk])
    return {
        "booking": Form(
            reverse("appointment_new"),
            _booking(cast),
            _booking(cast, date=""),
            "Prefers the left side",
            Appointment.objects.all,
            1,
            _first_appointment,
        ),
        "series": Form(
            reverse("appointment_new"),
            _booking(cast, repeat="on", repeat_count="3"),
            _booking(cast, repeat="on", repeat_count=""),
            "Prefers the left side",
            Appointment.objects.all,
            3,
            _first_appointment,
        ),
        "waitlist": Form(
            reverse("waitlist_new", args=[cast.client.pk]),
            _waitlist(),
            _waitlist(latest_date="2000-01-01"),
            "Mornings only",
            WaitlistEntry.objects.all,
            1,
            lambda: client_page,
        ),
        "time off": Form(
            hours,
            _time_off(),
            _time_off(**{"off-ends_at": "2000-01-01T09:00"}),
            "Course in Lyon",
            TimeOff.objects.all,
            1,
            lambda: hours,
        ),
    }


@pytest.fixture
def desk(client, cast):
    """The front desk signed in; the therapist works 09:00-17:00 every day."""
    for weekday in range(7):
        WorkingHoursFactory(therapist=cast.therapist.therapist_profile, weekday=weekday)
    client.force_login(cast.frontdesk)
    return client


NAMES = ["booking", "series", "waitlist", "time off"]


@pytest.mark.parametrize("name", NAMES)
def test_the_same_submit_twice_makes_one_record_and_sends_the_second_to_it(desk, cast, name):
    form = _forms(cast)[name]
    data = {**form.good, FIELD: token_in(desk.get(form.url))}
    first = desk.post(form.url, data)
    second = desk.post(form.url, data)

    assert form.made().count() == form.count
    assert first.status_code == 302 and first["Location"] == form.result()
    assert is_already_saved(second, form.result())


@pytest.mark.parametrize("name", NAMES)
def test_a_refused_submit_keeps_its_token_and_what_was_typed(desk, cast, name):
    form = _forms(cast)[name]
    token = token_in(desk.get(form.url))
    refused = desk.post(form.url, {**form.bad, FIELD: token})
    assert refused.status_code == 200
    assert token_in(refused) == token and form.kept in refused.content.decode()

    corrected = desk.post(form.url, {**form.good, FIELD: token})
    again = desk.post(form.url, {**form.good, FIELD: token})
    assert form.made().count() == form.count
    assert corrected["Location"] == form.result()
    assert is_already_saved(again, form.result())


@pytest.mark.parametrize("name", NAMES)
def test_a_submit_without_a_token_still_saves(desk, cast, name):
    form = _forms(cast)[name]
    response = desk.post(form.url, form.good)
    assert form.made().count() == form.count
    assert response.status_code == 302 and response["Location"] == form.result()


def test_a_booking_refused_for_a_taken_time_keeps_its_token(desk, cast):
    """The service's refusal (409), not only the form's, gives the token back."""
    url = reverse("appointment_new")
    desk.post(url, _booking(cast))
    token = token_in(desk.get(url))
    taken = desk.post(url, {**_booking(cast, client=str(cast.client2.pk)), FIELD: token})
    assert taken.status_code == 409 and token_in(taken) == token
    moved = desk.post(
        url, {**_booking(cast, client=str(cast.client2.pk), time="14:00"), FIELD: token}
    )
    assert moved.status_code == 302 and Appointment.objects.count() == 2


# --- portal invitations -----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["frontdesk", "admin"])
def test_an_invitation_sent_twice_is_one_mail_whose_link_works(
    client, cast, role, django_capture_on_commit_callbacks
):
    """Sending again replaces the open invitation: a double click mailed two links, and the
    first one (often the one read) no longer worked."""
    if role == "frontdesk":
        person = ClientFactory(user=None, email="priya@example.test")
        url = reverse("client_invite", args=[person.pk])
    else:
        person = PhysicianFactory(user=None, email="osei@clinic.example.test")
        url = reverse("physician_invite", args=[person.pk])
    client.force_login(getattr(cast, role))
    data = {"email": person.email, FIELD: token_in(client.get(url))}
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url, data)
        second = client.post(url, data)

    [invitation] = Invitation.objects.all()
    assert invitation.revoked_at is None and len(mail.outbox) == 1
    assert first["Location"] == url and is_already_saved(second, url)


def test_a_refused_invitation_keeps_its_token(client, cast):
    """The invitation goes only to the address on the record (issue 15): refused while there
    is none, sent with the same token once there is one."""
    priya = ClientFactory(user=None, email="")
    url = reverse("client_invite", args=[priya.pk])
    client.force_login(cast.frontdesk)
    token = token_in(client.get(url))
    refused = client.post(url, {FIELD: token})
    assert refused.status_code == 200 and token_in(refused) == token
    assert "no email address" in refused.content.decode()
    assert not Invitation.objects.exists()

    type(priya).objects.filter(pk=priya.pk).update(email="priya@example.test")  # as registered
    sent = client.post(url, {FIELD: token})
    again = client.post(url, {FIELD: token})
    assert Invitation.objects.count() == 1
    assert sent["Location"] == url and is_already_saved(again, url)
