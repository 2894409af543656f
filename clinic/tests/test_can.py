"""`Can`, the one permission object: every predicate for each of the five roles, as a table
that mirrors DESIGN.md's access table (a row per predicate, a column per role)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from clinic.models import Appointment, Therapist, User
from clinic.permissions import Can

ROLES = ("admin", "therapist", "front_desk", "client", "physician")
Y, N = True, False

# predicate:            admin therapist front_desk client physician
TABLE = {
    "see_clinical":          (Y, Y, N, Y, Y),
    "see_clinical_detail":   (Y, Y, N, N, N),
    "see_full_health_history": (Y, Y, N, Y, N),
    "see_home_care":         (Y, Y, N, Y, N),
    "see_contacts":          (Y, Y, Y, Y, N),
    "see_appointments":      (Y, Y, Y, Y, N),
    "see_consents":          (Y, Y, Y, Y, N),
    "see_care_readiness":    (Y, Y, Y, N, N),
    "see_pdf_error":         (Y, Y, N, N, N),
    "view_audit":            (Y, N, N, N, N),
    "chart":                 (N, Y, N, N, N),
    "book":                  (Y, Y, Y, N, N),
    "sign_consents":         (N, Y, N, Y, N),
    "add_referral_letter":   (N, Y, N, Y, N),
    "invite_client":         (N, Y, Y, N, N),
    "invite_physician":      (Y, Y, N, N, N),
    "retry_pdf":             (Y, Y, N, N, N),
    "answer_clearance":      (N, N, N, N, Y),
    "acknowledge_plan":      (N, N, N, N, Y),
    "manage_staff":          (Y, N, N, N, N),
    "is_client":             (N, N, N, Y, N),
}  # fmt: skip


def _user(role, **extra):
    return User(username=f"a-{role}", role=role, is_active=True, **extra)


@pytest.mark.parametrize(
    ("predicate", "role", "expected"),
    [(p, role, row[i]) for p, row in TABLE.items() for i, role in enumerate(ROLES)],
)
def test_every_predicate_for_every_role(predicate, role, expected):
    assert getattr(Can(_user(role)), predicate) is expected


def test_the_table_covers_every_predicate():
    predicates = {name for name, value in vars(Can).items() if isinstance(value, property)}
    assert predicates == set(TABLE)


@pytest.mark.parametrize("predicate", sorted(TABLE))
def test_nothing_for_anonymous_inactive_or_no_user(predicate):
    inactive = User(username="gone", role="admin", is_active=False)
    for user in (AnonymousUser(), inactive, None):
        assert getattr(Can(user), predicate) is False


@pytest.mark.parametrize(
    ("role", "own", "status", "expected"),
    [
        ("therapist", True, "booked", True),
        ("therapist", True, "checked_in", True),
        ("therapist", True, "completed", True),
        ("therapist", True, "cancelled", False),
        ("therapist", True, "no_show", False),
        ("therapist", False, "booked", False),  # another therapist's appointment
        ("admin", True, "booked", False),
        ("front_desk", True, "booked", False),
        ("client", True, "booked", False),
        ("physician", True, "booked", False),
    ],
)
def test_write_note_for(role, own, status, expected):
    user, other = _user(role), _user("therapist")
    therapist = Therapist(user=user if own else other)
    appointment = Appointment(therapist=therapist, status=status)
    assert Can(user).write_note_for(appointment) is expected
