"""iCalendar (RFC 5545) files: one appointment for the client's mail, and a therapist's feed.

What goes in is chosen for where it goes: calendar apps sync to third-party services, so no
clinical content ever, and the therapist's feed names clients by initials only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from clinic.models import Therapist
from scheduling.models import Appointment

PRODID = "-//Clinic//Appointments//EN"


def appointment_ics(appointment: Appointment) -> bytes:
    calendar = _calendar()
    calendar.add_component(_event(appointment, summary=_client_summary(appointment)))
    return calendar.to_ical()


def therapist_feed_ics(therapist: Therapist, appointments: Iterable[Appointment]) -> bytes:
    calendar = _calendar()
    calendar.add("x-wr-calname", f"{settings.CLINIC_NAME}: {_full_name(therapist)}")
    for appointment in appointments:
        calendar.add_component(_event(appointment, summary=_therapist_summary(appointment)))
    return calendar.to_ical()


def event_uid(appointment: Appointment) -> str:
    # The same UID in every file lets calendar apps update the event instead of adding one.
    return f"{appointment.pk}@clinic"


def _calendar() -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    return calendar


def _event(appointment: Appointment, *, summary: str) -> Event:
    event = Event()
    event.add("uid", event_uid(appointment))
    event.add("dtstamp", timezone.now().astimezone(dt.UTC))
    event.add("dtstart", appointment.starts_at.astimezone(dt.UTC))
    event.add("dtend", appointment.ends_at.astimezone(dt.UTC))
    event.add("summary", summary)
    event.add("location", _location(appointment))
    event.add("status", "CANCELLED" if appointment.status == "cancelled" else "CONFIRMED")
    event.add("sequence", _sequence(appointment))
    return event


def _sequence(appointment: Appointment) -> int:
    """Seconds between creation and the last change: grows with every save, so a calendar app
    takes a rescheduled or cancelled copy as newer. Stays far below the 32-bit limit."""
    if appointment.created_at is None or appointment.updated_at is None:
        return 0
    return max(0, int((appointment.updated_at - appointment.created_at).total_seconds()))


def _client_summary(appointment: Appointment) -> str:
    return f"{appointment.appointment_type.name} with {_full_name(appointment.therapist)}"


def _therapist_summary(appointment: Appointment) -> str:
    # Initials only: the therapist's phone calendar is a third-party service.
    return f"{appointment.client.initials} · {appointment.appointment_type.name}"


def _location(appointment: Appointment) -> str:
    room = appointment.room
    return f"{settings.CLINIC_NAME}, {room.name}" if room else settings.CLINIC_NAME


def _full_name(therapist: Therapist) -> str:
    return therapist.user.get_full_name() or therapist.user.get_username()
