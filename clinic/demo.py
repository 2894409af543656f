"""The demo clinic's people (DOMAIN.md, "Demo cases"). Idempotent: keyed on usernames and
names, so a second run finds what the first made and creates nothing new."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from clinic.clinic_time import at_local, today
from clinic.models import CareTeamMember, Client, Physician, Therapist, User
from clinic.roles import Role
from scheduling.models import Appointment, AppointmentType, Room, WorkingHours

DEMO_PASSWORD = "demo-pass-2026"

ACCOUNTS = [
    # username, role, first, last, email
    ("admin", Role.ADMIN, "Alex", "Morgan", "admin@clinic.example"),
    ("therapist", Role.THERAPIST, "Maya", "Lindqvist", "maya@clinic.example"),
    ("therapist2", Role.THERAPIST, "Daniel", "Okafor", "daniel@clinic.example"),
    ("frontdesk", Role.FRONT_DESK, "Rosa", "Delgado", "frontdesk@clinic.example"),
    ("client", Role.CLIENT, "Karen", "Whitfield", "karen.whitfield@mail.example"),
    ("client2", Role.CLIENT, "Marcus", "Bell", "marcus.bell@mail.example"),
    ("physician", Role.PHYSICIAN, "Helen", "Cho", "h.cho@northside-fm.example"),
    ("physician2", Role.PHYSICIAN, "Samuel", "Adeyemi", "s.adeyemi@handsurgery.example"),
]

THERAPIST_PROFILES = {
    "therapist": ("LMT, CMMT", "MA-60112"),
    "therapist2": ("LMT", "MA-58240"),
}

PHYSICIANS = {
    "physician": ("Family medicine", "Northside Family Practice", "555-0140"),
    "physician2": ("Hand surgery", "Riverside Hand & Upper Limb Surgery", "555-0175"),
}

# first, last, birth date, phone, login username or None, primary physician username, referral
CLIENTS = [
    (
        "Karen",
        "Whitfield",
        dt.date(1980, 3, 14),
        "555-0101",
        "client",
        "physician",
        "Referred by Dr. Helen Cho (family medicine)",
    ),
    (
        "Marcus",
        "Bell",
        dt.date(1994, 7, 2),
        "555-0102",
        "client2",
        "physician2",
        "Referred by Dr. Samuel Adeyemi after flexor-tendon repair",
    ),
    ("Priya", "Raman", dt.date(1995, 5, 21), "555-0103", None, None, "Midwife recommendation"),
    ("Tom", "Haldane", dt.date(1999, 9, 30), "555-0104", None, None, "Running club"),
    ("Elena", "Sorensen", dt.date(1971, 11, 8), "555-0105", None, None, "Website"),
    ("George", "Papadakis", dt.date(1958, 1, 19), "555-0106", None, None, "Physical therapist"),
]

# client username -> (physician username, relationship, sharing consent given)
CARE_TEAM = [
    ("client", "physician", CareTeamMember.Relationship.PRIMARY_CARE),
    ("client2", "physician2", CareTeamMember.Relationship.SURGEON),
]


def _user(username, role, first, last, email) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"role": role, "first_name": first, "last_name": last, "email": email},
    )
    if created:
        user.is_staff = user.is_superuser = role == Role.ADMIN
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


@transaction.atomic
def seed(stdout=None) -> None:
    users = {spec[0]: _user(*spec) for spec in ACCOUNTS}
    for username, (credentials, licence) in THERAPIST_PROFILES.items():
        Therapist.objects.get_or_create(
            user=users[username], defaults={"credentials": credentials, "license_number": licence}
        )
    physicians = {}
    for username, (specialty, organisation, phone) in PHYSICIANS.items():
        user = users[username]
        physicians[username], _ = Physician.objects.get_or_create(
            user=user,
            defaults={
                "first_name": user.first_name,
                "last_name": user.last_name,
                "email": user.email,
                "specialty": specialty,
                "organisation": organisation,
                "phone": phone,
            },
        )
    for first, last, born, phone, login, physician, referral in CLIENTS:
        Client.objects.get_or_create(
            first_name=first,
            last_name=last,
            date_of_birth=born,
            defaults={
                "user": users.get(login),
                "phone": phone,
                "email": users[login].email if login else f"{first.lower()}@mail.example",
                "primary_physician": physicians.get(physician),
                "referral_source": referral,
                "address": f"{len(last) * 7} Elm Street\nSpringfield",
                "emergency_contact_name": f"Sam {last}",
                "emergency_contact_phone": "555-0199",
                "emergency_contact_relationship": "Partner",
            },
        )
    for client_login, physician_login, relationship in CARE_TEAM:
        CareTeamMember.objects.get_or_create(
            client=Client.objects.get(user=users[client_login]),
            physician=physicians[physician_login],
            defaults={"relationship": relationship, "sharing_consented_at": timezone.now()},
        )
    booked = _seed_schedule(users)
    if stdout:
        stdout.write(
            f"clinic: {len(ACCOUNTS)} accounts, {len(CLIENTS)} clients, {booked} new appointments"
        )


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


def _seed_schedule(users) -> int:
    """Working hours, rooms and the appointments still to come (the rest of this week and next
    week), created once: if a demo therapist already has appointments, they are left as they
    are. Nothing here is in the past: past visits need the notes the apps above write."""
    rooms = [Room.objects.get_or_create(name=name)[0] for name in ROOMS]
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
