"""Reads of the schedule: day and week calendars and free slots.

Each selector fetches what it needs for the whole range in a fixed number of queries and
computes in Python, so a busy clinic costs no more queries than a quiet one.
"""

from __future__ import annotations

import datetime as dt
import uuid
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import Count, DateTimeField, Q, Value
from django.db.models.functions import Coalesce, Concat
from django.utils import timezone

from clinic import readiness
from clinic.clinic_time import at_local, clinic_tz, day_bounds, local
from clinic.models import Client, Therapist
from clinic.search import folded_names
from scheduling.lookups import WallClock
from scheduling.models import (
    Appointment,
    AppointmentType,
    BookingRequest,
    Room,
    TimeOff,
    WorkingHours,
)

Status = Appointment.Status


@dataclass
class CalendarDay:
    """One column of a calendar: a therapist on a day, with what is drawn in it."""

    therapist: Therapist
    day: dt.date
    hours: list[WorkingHours] = field(default_factory=list)
    time_off: list[TimeOff] = field(default_factory=list)
    appointments: list[CalendarEntry] = field(default_factory=list)  # active ones only
    cancelled: int = 0


# No appointment lasts longer (AppointmentType's duration check caps it at 480 minutes).
LONGEST_APPOINTMENT = dt.timedelta(minutes=480)


class CalendarEntry(NamedTuple):
    """What a calendar draws of an appointment. Plain rows, not model instances: a busy day
    is ~300 appointments, and building appointment, client, type and room objects for each
    was a third of the day view's time."""

    pk: uuid.UUID
    therapist_id: uuid.UUID
    starts: dt.datetime  # the clinic's wall clock: read its date, hour and minute only
    ends: dt.datetime
    status: str
    client_name: str
    type_name: str
    room_name: str | None
    channel: str  # "online": the client booked it in the portal (calendars mark it)


def _appointments_between(user, start: dt.datetime, end: dt.datetime):
    """Rows for CalendarEntry. The lower bound on starts_at adds nothing logically but lets
    PostgreSQL use the starts_at index instead of reading every appointment (it misjudges
    `ends_at > start`). The client's name is built as Client.__str__ builds it.

    Start and end come as the clinic's wall clock (`WallClock`): all a calendar draws.
    Django's timestamps were parsed, made aware and converted one by one in Python, ~600 on
    a busy day."""
    tz = clinic_tz()
    rows = (
        Appointment.objects.visible_to(user)
        .filter(starts_at__lt=end, ends_at__gt=start, starts_at__gt=start - LONGEST_APPOINTMENT)
        .annotate(client_name=Concat("client__first_name", Value(" "), "client__last_name"))
        .order_by("starts_at")
    )
    return rows.values_list(
        "pk",
        "therapist_id",
        WallClock("starts_at", tzinfo=tz),
        WallClock("ends_at", tzinfo=tz),
        "status",
        "client_name",
        "appointment_type__name",
        "room__name",
        "channel",
    )


def _fill(columns: dict, hours, time_off, appointments, key) -> None:
    """Sort rows into their columns; `key(row)` names the column of a row."""
    by_weekday = defaultdict(list)  # (therapist id, weekday) -> columns
    for column in columns.values():
        by_weekday[column.therapist.pk, column.day.weekday()].append(column)
    for h in hours:
        for column in by_weekday[h.therapist_id, h.weekday]:
            column.hours.append(h)
    for away in time_off:
        for column in columns.values():
            start, end = day_bounds(column.day)
            mine = column.therapist.pk == away.therapist_id
            if mine and away.starts_at < end and away.ends_at > start:
                column.time_off.append(away)
    for appointment in map(CalendarEntry._make, appointments):
        column = columns.get(key(appointment))
        if column is None:
            continue
        if appointment.status == Status.CANCELLED:
            column.cancelled += 1
        else:
            column.appointments.append(appointment)


def day_schedule(*, user, day: dt.date) -> list[CalendarDay]:
    """Every active therapist's column for one clinic-local day."""
    therapists = list(
        Therapist.objects.filter(is_active=True)
        .select_related("user")
        .only("user__first_name", "user__last_name", "user__username")  # what a column head shows
    )
    columns = {t.pk: CalendarDay(therapist=t, day=day) for t in therapists}
    start, end = day_bounds(day)
    _fill(
        columns,
        hours=WorkingHours.objects.filter(therapist__in=therapists, weekday=day.weekday()),
        time_off=TimeOff.objects.filter(
            therapist__in=therapists, starts_at__lt=end, ends_at__gt=start
        ),
        appointments=_appointments_between(user, start, end).filter(therapist__in=therapists),
        # An appointment belongs to the day it starts on (they never cross midnight).
        key=lambda a: a.therapist_id if a.starts.date() == day else None,
    )
    return list(columns.values())


def week_of(day: dt.date) -> list[dt.date]:
    monday = day - dt.timedelta(days=day.weekday())
    return [monday + dt.timedelta(days=n) for n in range(7)]


def week_schedule(*, user, therapist: Therapist, day: dt.date) -> list[CalendarDay]:
    """One therapist's columns for Monday..Sunday of the week containing `day`."""
    days = week_of(day)
    columns = {d: CalendarDay(therapist=therapist, day=d) for d in days}
    start, end = day_bounds(days[0])[0], day_bounds(days[-1])[1]
    _fill(
        columns,
        hours=WorkingHours.objects.filter(therapist=therapist),
        time_off=TimeOff.objects.filter(therapist=therapist, starts_at__lt=end, ends_at__gt=start),
        appointments=_appointments_between(user, start, end).filter(therapist=therapist),
        key=lambda a: a.starts.date(),
    )
    return list(columns.values())


# --- intake before the first visit (issue 20) -----------------------------------------------


class IntakeGap(NamedTuple):
    """What a calendar says of an appointment whose client still lacks a form."""

    missing: tuple[str, ...]  # "Health history missing", "Consent missing"
    no_portal_account: bool  # the client cannot fill the forms in online until invited


def intake_gaps(appointment_ids) -> dict[uuid.UUID, IntakeGap]:
    """The booked and checked-in appointments among `appointment_ids` whose client still lacks
    a health history or a consent to treatment, in one query for a whole calendar. The checks
    are intake's readiness check, the one that gates care (clinic/readiness.py)."""
    if not appointment_ids:
        return {}
    rows = (
        readiness.annotate(
            Appointment.objects.filter(
                pk__in=appointment_ids, status__in=(Status.BOOKED, Status.CHECKED_IN)
            )
        )
        .filter(readiness.incomplete())
        .values("pk", "client__user_id", *(r.field for r in readiness.requirements()))
    )
    return {
        row["pk"]: IntakeGap(
            tuple(r.missing for r in readiness.missing(row)), row["client__user_id"] is None
        )
        for row in rows
    }


# --- free slots -----------------------------------------------------------------------------


class _Busy:
    """Merged, sorted busy intervals; `overlaps` answers in O(log n)."""

    def __init__(self, intervals):
        merged: list[list[dt.datetime]] = []
        for start, end in sorted(intervals):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self.starts = [m[0] for m in merged]
        self.ends = [m[1] for m in merged]

    def overlaps(self, start: dt.datetime, end: dt.datetime) -> bool:
        # Merged intervals are disjoint, so the last one starting before `end` also ends last.
        index = bisect_left(self.starts, end) - 1
        return index >= 0 and self.ends[index] > start


def _fits_hours(start: dt.datetime, end: dt.datetime, hours) -> bool:
    """The same test as the booking service: start and end read on the clinic's wall clock
    fall inside one working interval of that weekday, on the same day."""
    start_local, end_local = local(start), local(end)
    if start_local.date() != end_local.date():
        return False
    return any(
        h.start_time <= start_local.time() and end_local.time() <= h.end_time
        for h in hours.get(start_local.weekday(), ())
    )


def _candidates(day: dt.date, hours, step: dt.timedelta):
    """Starts every `step` from each interval's start. Stepping in UTC keeps real minutes
    across a daylight saving change (wall-clock arithmetic would skip or repeat an hour)."""
    for h in hours.get(day.weekday(), ()):
        moment = at_local(day, h.start_time).astimezone(dt.UTC)
        stop = at_local(day, h.end_time).astimezone(dt.UTC)
        while moment < stop:
            yield moment
            moment += step


def free_slots(
    *,
    therapist: Therapist,
    appointment_type: AppointmentType,
    start_day: dt.date,
    days: int = 7,
    step_minutes: int = 15,
    room: Room | None = None,
    ignore: Appointment | None = None,
) -> list[tuple[dt.date, list[dt.datetime]]]:
    """Every start (aware, UTC) from which the whole appointment fits the therapist's hours,
    misses time off and active appointments of the therapist (and of the room), and lies in
    the future. Days without a free start are left out. Three queries, whatever the range.
    `ignore` is an appointment being moved: it does not stand in its own way."""
    if not therapist.is_active or days < 1:
        return []
    range_start = day_bounds(start_day)[0]
    range_end = day_bounds(start_day + dt.timedelta(days=days - 1))[1]
    hours = defaultdict(list)
    for h in WorkingHours.objects.filter(therapist=therapist):
        hours[h.weekday].append(h)
    busy = _Busy(_busy_intervals(therapist, room, range_start, range_end, ignore))
    duration = dt.timedelta(minutes=appointment_type.duration_minutes)
    now = timezone.now()
    result = []
    for offset in range(days):
        day = start_day + dt.timedelta(days=offset)
        starts = sorted(
            {
                start
                for start in _candidates(day, hours, dt.timedelta(minutes=step_minutes))
                if start > now
                and _fits_hours(start, start + duration, hours)
                and not busy.overlaps(start, start + duration)
            }
        )
        if starts:
            result.append((day, starts))
    return result


def _busy_intervals(therapist, room, start: dt.datetime, end: dt.datetime, ignore=None):
    away = TimeOff.objects.filter(therapist=therapist, starts_at__lt=end, ends_at__gt=start)
    whose = Q(therapist=therapist) | Q(room=room) if room is not None else Q(therapist=therapist)
    # Unfiltered by visible_to on purpose: a slot is taken whoever's appointment holds it, and
    # only times (never client data) leave this function.
    taken = Appointment.objects.active().filter(whose, starts_at__lt=end, ends_at__gt=start)
    if ignore is not None:
        taken = taken.exclude(pk=ignore.pk)
    return [
        *away.values_list("starts_at", "ends_at"),
        *taken.values_list("starts_at", "ends_at"),
    ]


def rooms_busy(start: dt.datetime, end: dt.datetime, ignore=None) -> dict[uuid.UUID, _Busy]:
    """Each active room's busy times in a period (two queries): a client's booking takes a
    room free for the whole appointment, when the clinic has rooms."""
    rooms = list(Room.objects.filter(is_active=True).values_list("pk", flat=True))
    intervals: dict[uuid.UUID, list] = {pk: [] for pk in rooms}
    taken = Appointment.objects.active().filter(
        room__in=rooms, starts_at__lt=end, ends_at__gt=start
    )
    if ignore is not None:
        taken = taken.exclude(pk=ignore.pk)
    for room_id, starts_at, ends_at in taken.values_list("room_id", "starts_at", "ends_at"):
        intervals[room_id].append((starts_at, ends_at))
    return {pk: _Busy(busy) for pk, busy in intervals.items()}


def booked_during(
    *, user, therapist: Therapist, start: dt.datetime, end: dt.datetime
) -> list[Appointment]:
    """The therapist's active appointments in a period (e.g. new time off), in time order,
    with their clients, so the warning can name each one."""
    return list(
        Appointment.objects.visible_to(user)
        .active()
        .filter(therapist=therapist, starts_at__lt=end, ends_at__gt=start)
        .select_related("client")
        .order_by("starts_at")
    )


def booked_outside_hours(*, therapist: Therapist) -> int:
    """Future active appointments the therapist's current weekly hours no longer cover."""
    hours = defaultdict(list)
    for h in WorkingHours.objects.filter(therapist=therapist):
        hours[h.weekday].append(h)
    upcoming = Appointment.objects.active().filter(
        therapist=therapist, starts_at__gt=timezone.now()
    )
    return sum(
        not _fits_hours(start, end, hours)
        for start, end in upcoming.values_list("starts_at", "ends_at")
    )


# --- new clients' requests (the front desk's list and dashboard card) ---------------------------

RECENTLY_DECIDED_DAYS = 14
DECIDED_SHOWN = 20
CARD_SHOWN = 5
NEVER = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # before any request


def booking_requests_open(user):
    """Requests nobody has answered yet, oldest first (the first to answer)."""
    return (
        BookingRequest.objects.visible_to(user)
        .filter(status=BookingRequest.Status.NEW)
        .order_by("created_at")
    )


def booking_requests_decided(user):
    """Requests answered in the last RECENTLY_DECIDED_DAYS, newest first."""
    since = timezone.now() - dt.timedelta(days=RECENTLY_DECIDED_DAYS)
    return (
        BookingRequest.objects.visible_to(user)
        .exclude(status=BookingRequest.Status.NEW)
        .filter(decided_at__gte=since)
        .select_related("client", "decided_by")
        .order_by("-decided_at")[:DECIDED_SHOWN]
    )


def with_possible_duplicates(user, requests) -> list[tuple]:
    """Each request with the clients already registered under its name and date of birth
    (the registration rule, `client_possible_duplicates`), found for all of them in one
    query."""
    requests = list(requests)
    keyed = {r.pk: (folded_names(r.first_name, r.last_name), r.date_of_birth) for r in requests}
    found = defaultdict(list)
    if requests:
        clients = Client.objects.visible_to(user).filter(
            search_name__in={name for name, _ in keyed.values()},
            date_of_birth__in={born for _, born in keyed.values()},
        )
        for client in clients:
            found[(client.search_name, client.date_of_birth)].append(client)
    return [(r, found.get(keyed[r.pk], [])) for r in requests]


def booking_request_card(user, *, since) -> dict:
    """The front-desk dashboard's card: requests that came in since `since` (the user's
    previous visit: a datetime, or a subquery giving one, NULL on a first visit: then every
    open one is new) and how many are open in all. One query, two when some are new."""
    open_requests = booking_requests_open(user)
    is_new = Q(created_at__gt=Coalesce(since, Value(NEVER), output_field=DateTimeField()))
    counts = open_requests.aggregate(open_count=Count("pk"), new_count=Count("pk", filter=is_new))
    new = open_requests.filter(is_new).order_by("-created_at")[:CARD_SHOWN]
    return {**counts, "new": list(new) if counts["new_count"] else []}


def online_bookings_since(*, user, since: dt.datetime, limit: int):
    """Appointments clients booked themselves (in the portal, or claiming a waitlist offer)
    since `since`, newest first (the front desk's dashboard lists those made since the user
    last looked)."""
    return (
        Appointment.objects.visible_to(user)
        .filter(channel__in=Appointment.BY_CLIENT, created_at__gt=since)
        .select_related("client", "therapist__user", "appointment_type")
        .order_by("-created_at")[:limit]
    )
