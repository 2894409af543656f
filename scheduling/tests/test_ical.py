"""The .ics files (RFC 5545) and the therapist's token-authenticated calendar feed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from clinic.models import AuditEntry
from clinic.tests.factories import ClientFactory
from scheduling.ical import appointment_ics, therapist_feed_ics
from scheduling.models import Appointment, AppointmentType
from scheduling.tests.factories import AppointmentFactory, RoomFactory

pytestmark = pytest.mark.django_db
UTC = dt.UTC
START = dt.datetime(2027, 1, 12, 15, 0, tzinfo=UTC)


def _events(ics: bytes):
    return [c for c in Calendar.from_ical(ics).walk("VEVENT")]


@pytest.fixture
def appointment(cast):
    therapist = cast.therapist.therapist_profile
    therapist.user.first_name, therapist.user.last_name = "Dana", "Reed"
    therapist.user.save()
    return AppointmentFactory(
        client=ClientFactory(user=None, first_name="Kim", last_name="Wolfe"),
        therapist=therapist,
        room=RoomFactory(name="Room 2"),
        appointment_type=AppointmentType.objects.get(name="Treatment"),
        starts_at=START,
        ends_at=START + dt.timedelta(hours=1),
        front_desk_note="Prefers the quiet room",
    )


# --- one appointment ------------------------------------------------------------------------


def test_appointment_ics_has_the_required_properties(appointment):
    ics = appointment_ics(appointment)
    calendar = Calendar.from_ical(ics)
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"]
    assert calendar["METHOD"] == "PUBLISH"
    [event] = _events(ics)
    assert str(event["UID"]) == f"{appointment.pk}@clinic"
    assert event["SUMMARY"] == "Treatment with Dana Reed"
    assert event["LOCATION"] == "Riverside Medical Massage, Room 2"
    assert event["STATUS"] == "CONFIRMED"
    assert event.decoded("DTSTAMP").tzinfo is not None


def test_times_are_utc(appointment):
    [event] = _events(appointment_ics(appointment))
    assert event.decoded("DTSTART") == START
    assert event.decoded("DTEND") == START + dt.timedelta(hours=1)
    assert event.decoded("DTSTART").utcoffset() == dt.timedelta(0)
    assert b"DTSTART:20270112T150000Z" in appointment_ics(appointment)


def test_lines_end_in_crlf_and_long_lines_are_folded(appointment):
    appointment.appointment_type.name = "Assessment " * 12
    ics = appointment_ics(appointment)
    assert ics.endswith(b"\r\n")
    assert b"\n" not in ics.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in ics.split(b"\r\n"))


def test_no_clinical_or_desk_content(appointment):
    ics = appointment_ics(appointment)
    assert b"quiet room" not in ics
    assert b"DESCRIPTION" not in ics


def test_location_without_room_is_the_clinic(appointment, settings):
    settings.CLINIC_NAME = "Harbour Clinic"
    appointment.room = None
    [event] = _events(appointment_ics(appointment))
    assert event["LOCATION"] == "Harbour Clinic"


def test_uid_is_stable_and_sequence_grows_when_the_appointment_changes(appointment):
    [before] = _events(appointment_ics(appointment))
    Appointment.objects.filter(pk=appointment.pk).update(
        updated_at=appointment.updated_at + dt.timedelta(minutes=5)
    )
    appointment.refresh_from_db()
    appointment.status = Appointment.Status.CANCELLED
    [after] = _events(appointment_ics(appointment))
    assert after["UID"] == before["UID"]
    assert after["SEQUENCE"] > before["SEQUENCE"]
    assert after["STATUS"] == "CANCELLED"


# --- the therapist's feed ---------------------------------------------------------------------


def test_feed_calendar_names_clients_by_initials_only(appointment):
    therapist = appointment.therapist
    ics = therapist_feed_ics(therapist, [appointment])
    calendar = Calendar.from_ical(ics)
    assert "Dana Reed" in str(calendar["X-WR-CALNAME"])
    [event] = _events(ics)
    assert event["SUMMARY"] == "K.W. · Treatment"
    assert b"Kim" not in ics and b"Wolfe" not in ics


def _feed_url(token: str) -> str:
    return reverse("therapist_calendar_feed", kwargs={"token": token})


@pytest.fixture
def feed_token(appointment) -> str:
    therapist = appointment.therapist
    therapist.calendar_token = "s3cret-token-for-tests"
    therapist.save()
    return therapist.calendar_token


def test_feed_with_a_valid_token(client, cast, appointment, feed_token):
    now = timezone.now()
    therapist = appointment.therapist
    kind = appointment.appointment_type
    cancelled = AppointmentFactory(
        therapist=therapist,
        appointment_type=kind,
        status=Appointment.Status.CANCELLED,
        starts_at=now + dt.timedelta(days=3),
    )
    others = AppointmentFactory(
        therapist=cast.therapist2.therapist_profile, starts_at=now + dt.timedelta(days=1)
    )
    too_old = AppointmentFactory(therapist=therapist, starts_at=now - dt.timedelta(days=31))
    too_far = AppointmentFactory(therapist=therapist, starts_at=now + dt.timedelta(days=181))
    recent = AppointmentFactory(therapist=therapist, starts_at=now - dt.timedelta(days=29))
    # Names no other text in the feed can contain by chance (a random "Reed" once matched).
    for n, person in enumerate((appointment.client, cancelled.client, recent.client)):
        person.first_name, person.last_name = f"Quillonne{'xyz'[n]}", f"Marblethorpe{'xyz'[n]}"
        person.save()

    response = client.get(_feed_url(feed_token))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "no-store" in response["Cache-Control"]
    events = {str(e["UID"]): e for e in _events(response.content)}
    assert set(events) == {f"{a.pk}@clinic" for a in (appointment, cancelled, recent)}
    assert f"{others.pk}@clinic" not in events
    assert {f"{too_old.pk}@clinic", f"{too_far.pk}@clinic"}.isdisjoint(events)
    assert events[f"{cancelled.pk}@clinic"]["STATUS"] == "CANCELLED"
    for person in (appointment.client, cancelled.client, recent.client):
        assert person.last_name.encode() not in response.content
        assert person.first_name.encode() not in response.content


def test_feed_writes_an_audit_entry(client, appointment, feed_token):
    client.get(_feed_url(feed_token))
    entry = AuditEntry.objects.get(action="download")
    assert entry.actor == appointment.therapist.user
    assert entry.detail == "calendar feed"
    assert entry.client is None


def test_unknown_token_is_404(client, feed_token):
    assert client.get(_feed_url("not-the-token")).status_code == 404
    assert not AuditEntry.objects.filter(action="download").exists()


def test_revoked_token_is_404(client, appointment, feed_token):
    assert client.get(_feed_url(feed_token)).status_code == 200
    appointment.therapist.calendar_token = None
    appointment.therapist.save()
    assert client.get(_feed_url(feed_token)).status_code == 404


def test_deactivated_account_has_no_feed(client, appointment, feed_token):
    appointment.therapist.user.is_active = False
    appointment.therapist.user.save()
    assert client.get(_feed_url(feed_token)).status_code == 404


def test_feed_refuses_writes(client, feed_token):
    assert client.post(_feed_url(feed_token)).status_code == 405


@pytest.mark.parametrize("count", [10, 200])
def test_feed_query_count_does_not_grow(
    client, appointment, feed_token, count, django_assert_max_num_queries
):
    start = timezone.now() + dt.timedelta(hours=1)
    kind = appointment.appointment_type
    for n in range(count):
        AppointmentFactory(
            therapist=appointment.therapist,
            appointment_type=kind,
            room=appointment.room,
            starts_at=start + dt.timedelta(hours=2 * n),
        )
    with django_assert_max_num_queries(4):
        response = client.get(_feed_url(feed_token))
    assert len(_events(response.content)) == count + 1
