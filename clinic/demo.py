"""The demo clinic's people (DOMAIN.md, "Demo cases"). Idempotent: keyed on usernames and
names, so a second run finds what the first made and creates nothing new."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from clinic.models import CareTeamMember, Client, Physician, Therapist, User
from clinic.roles import Role

DEMO_PASSWORD = "demo-pass-2026"

ACCOUNTS = [
    # username, role, first, last, email
    ("admin", Role.ADMIN, "Alex", "Morgan", "admin@clinic.example"),
    ("therapist", Role.THERAPIST, "Maya", "Lindqvist", "maya@clinic.example"),
    ("therapist2", Role.THERAPIST, "Daniel", "Okafor", "daniel@clinic.example"),
    ("frontdesk", Role.FRONT_DESK, "Rosa", "Delgado", "frontdesk@clinic.example"),
    ("billing", Role.BILLING, "Nora", "Quinn", "billing@clinic.example"),
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
    if stdout:
        stdout.write(f"clinic: {len(ACCOUNTS)} accounts, {len(CLIENTS)} clients")
