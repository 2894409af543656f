"""The demo clinic's schedule: rooms, working hours and the appointments still to come, for the
people clinic/demo.py made. Idempotent, like every app's demo."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from clinic.clinic_time import at_local, today
from clinic.models import Client, User
from scheduling.models import (
    Appointment,
    AppointmentType,
    BookingRequest,
    OnlineBookingRules,
    Room,
    WorkingHours,
)


def seed(stdout=None) -> None:
    users = {u.username: u for u in User.objects.filter(username__in=HOURS)}
    booked = _seed_schedule(users)
    requests = _seed_booking_requests()
    _seed_online_rules()
    if stdout:
        stdout.write(f"scheduling: {booked} new appointments, {requests} new booking requests")


ROOMS = ["Cedar room", "Maple room"]
# therapist username -> (weekdays, start, end)
HOURS = {
    "therapist": (range(0, 5), dt.time(9), dt.time(17)),
    "therapist2": (range(1, 6), dt.time(10), dt.time(18)),
}
# therapist, room, weekday -> [(hour, minute, client last name)]; each client keeps a regular
# weekly slot with one therapist: for a client in treatment, the therapist of their plan.
WEEKLY_SLOTS = {
    ("therapist", 0): {
        0: [(9, 0, "Whitfield"), (13, 0, "Sorensen")],
        2: [(10, 0, "Raman")],
        3: [(16, 0, "Haldane")],
    },
    ("therapist2", 1): {1: [(10, 0, "Bell")], 3: [(10, 0, "Papadakis")]},
}


# Clients whose intake, plan and signed sessions the apps above seed (their past visits are
# made there, around the sessions); the others are new and come for an initial assessment.
IN_TREATMENT = {"Whitfield", "Bell", "Raman", "Haldane"}


# The types every clinic starts with (migrations 0003 and 0004) and who may book them online.
DEFAULT_TYPES = {
    "Initial assessment": (90, AppointmentType.OnlineFor.NEW),
    "Treatment": (60, AppointmentType.OnlineFor.PLAN),
    "Reassessment": (60, AppointmentType.OnlineFor.PLAN),
}


def _default_types() -> None:
    """Made again when missing: a database emptied after it was migrated (a test's flush)
    has none, and the demo's visits (here and in the apps above) are of these types. An
    admin's edits of existing types are kept."""
    for name, (minutes, online_for) in DEFAULT_TYPES.items():
        AppointmentType.objects.get_or_create(
            name=name, defaults={"duration_minutes": minutes, "online_for": online_for}
        )


def _seed_schedule(users) -> int:
    """Working hours, rooms and the appointments still to come (the rest of this week and next
    week), created once: if a demo therapist already has appointments, they are left as they
    are. Nothing here is in the past: past visits need the notes the apps above write."""
    rooms = [Room.objects.get_or_create(name=name)[0] for name in ROOMS]
    _default_types()
    types = {t.name: t for t in AppointmentType.objects.all()}
    created = 0
    for (username, room_index), by_weekday in WEEKLY_SLOTS.items():
        therapist = users[username].therapist_profile
        weekdays, start, end = HOURS[username]
        for weekday in weekdays:
            WorkingHours.objects.get_or_create(
                therapist=therapist, weekday=weekday, start_time=start, end_time=end
            )
        if Appointment.objects.filter(therapist=therapist).exists():
            continue
        created += _seed_upcoming(therapist, rooms[room_index], types, by_weekday)
    return created


def _seed_upcoming(therapist, room, types, by_weekday) -> int:
    clients = {c.last_name: c for c in Client.objects.all()}
    seen: set[str] = set()
    monday = today() - dt.timedelta(days=today().weekday())
    rows = []
    for offset in range(14):  # this week and next week
        day = monday + dt.timedelta(days=offset)
        for hour, minute, last_name in by_weekday.get(day.weekday(), []):
            starts_at = at_local(day, dt.time(hour, minute))
            if starts_at <= timezone.now():
                continue
            kind = _next_kind(last_name, seen)
            seen.add(last_name)
            rows.append(
                Appointment(
                    client=clients[last_name],
                    therapist=therapist,
                    room=room,
                    appointment_type=types[kind],
                    starts_at=starts_at,
                    ends_at=starts_at + dt.timedelta(minutes=types[kind].duration_minutes),
                    status=Appointment.Status.BOOKED,
                )
            )
    _cancel_one(rows)
    Appointment.objects.bulk_create(rows)
    return len(rows)


def _next_kind(last_name: str, seen: set[str]) -> str:
    """A new client's first visit is the initial assessment; a client in treatment has had
    theirs, and the sessions seeded for them reach the point where a reassessment is due."""
    if last_name in seen:
        return "Treatment"
    return "Reassessment" if last_name in IN_TREATMENT else "Initial assessment"


def _cancel_one(rows) -> None:
    """One upcoming treatment cancelled by the client, so calendars show what that looks like."""
    for row in rows:
        if row.appointment_type.name == "Treatment":
            row.status = Appointment.Status.CANCELLED
            row.cancel_reason, row.cancelled_at = "Client unwell", timezone.now()
            return


# Two new clients' requests from the public page, waiting for the front desk (its dashboard
# card and /booking-requests/). Made once, by their e-mail address.
BOOKING_REQUESTS = [
    {
        "first_name": "Lena",
        "last_name": "Marchetti",
        "date_of_birth": dt.date(1979, 3, 14),
        "email": "lena.marchetti@example.com",
        "phone": "555-0142",
        "reason": "Stiff neck and shoulders from desk work, my physiotherapist suggested massage.",
        "preferred_times": "Weekday evenings; Saturdays",
    },
    {
        "first_name": "Omar",
        "last_name": "Haddad",
        "date_of_birth": dt.date(1991, 11, 2),
        "email": "omar.haddad@example.com",
        "phone": "",
        "reason": "Calf tightness while training for a half marathon.",
        "preferred_times": "Weekday mornings",
    },
]


def _seed_booking_requests() -> int:
    made = 0
    for fields in BOOKING_REQUESTS:
        _, created = BookingRequest.objects.get_or_create(email=fields["email"], defaults=fields)
        made += created
    return made


def _seed_online_rules() -> None:
    """The demo clinic takes bookings online (issue 20): new clients book their initial
    assessment, clients in a plan their treatments and reassessments (the types' `online_for`
    as the migration set them). Made once; an admin's later change is kept."""
    OnlineBookingRules.objects.get_or_create(pk=1, defaults={"enabled": True, "max_upcoming": 4})
