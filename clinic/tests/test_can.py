"""`Can`, the one permission object: every predicate for each of the six roles, as a table
that mirrors DESIGN.md's access table (a row per predicate, a column per role)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from clinic.models import Therapist, User
from clinic.permissions import Can
from scheduling.models import Appointment

ROLES = ("admin", "therapist", "front_desk", "client", "physician", "billing")
Y, N = True, False

# predicate:            admin therapist front_desk client physician billing
TABLE = {
    "see_clinical": (Y, Y, N, Y, Y, N),
    "see_clinical_detail": (Y, Y, N, N, N, N),
    "see_full_health_history": (Y, Y, N, Y, N, N),
    "see_home_care": (Y, Y, N, Y, N, N),
    "see_contacts": (Y, Y, Y, Y, N, Y),
    "see_appointments": (Y, Y, Y, Y, N, N),
    "see_consents": (Y, Y, Y, Y, N, N),
    "see_care_readiness": (Y, Y, Y, N, N, N),
    "see_pdf_error": (Y, Y, N, N, N, N),
    "view_audit": (Y, N, N, N, N, N),
    "chart": (N, Y, N, N, N, N),
    "book": (Y, Y, Y, N, N, N),
    "sign_consents": (N, Y, N, Y, N, N),
    "add_referral_letter": (N, Y, N, Y, N, N),
    "invite_client": (N, Y, Y, N, N, N),
    "invite_physician": (Y, Y, N, N, N, N),
    "see_booking_requests": (Y, N, Y, N, N, N),
    "handle_booking_requests": (N, N, Y, N, N, N),
    "retry_pdf": (Y, Y, N, N, N, N),
    "download_fhir": (Y, Y, N, Y, Y, N),
    "export_record": (Y, Y, N, Y, N, N),
    "answer_clearance": (N, N, N, N, Y, N),
    "acknowledge_plan": (N, N, N, N, Y, N),
    "manage_staff": (Y, N, N, N, N, N),
    "set_online_booking": (Y, N, N, N, N, N),
    "is_client": (N, N, N, Y, N, N),
    "see_billing": (Y, Y, Y, Y, N, Y),
    "see_balances": (Y, N, Y, Y, N, Y),
    "see_claim_codes": (Y, Y, N, Y, N, Y),
    "see_authorizations": (Y, Y, Y, N, N, Y),
    "see_billing_reports": (Y, N, N, N, N, Y),
    "bill": (Y, N, N, N, N, Y),
    "edit_coverage": (Y, N, Y, N, N, Y),
    "take_payments": (Y, N, Y, N, N, Y),
}


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


# A predicate that offers a page agrees with the role check of the view behind it, so a page
# never shows a link or button that answers 403 (and never hides one the role may use).
OFFERS = {
    "book": ["appointment_new", "client_edit", "waitlist_new", "free_slot_finder"],
    "chart": [
        "health_history_edit",
        "health_history_review",
        "assessment_new",
        "note_addendum",
        "plan_new",
    ],
    "invite_client": ["client_invite"],
    "invite_physician": ["physician_invite"],
    "see_booking_requests": ["booking_requests", "booking_request_detail"],
    "handle_booking_requests": [
        "booking_request_approve",
        "booking_request_link",
        "booking_request_decline",
    ],
    "add_referral_letter": ["referral_letter_new"],
    "sign_consents": ["consent_revoke"],
    "retry_pdf": ["plan_pdf_retry"],
    "download_fhir": ["fhir_client_bundle"],
    "acknowledge_plan": ["plan_version_acknowledge"],
    "view_audit": ["audit_log"],
    "see_consents": ["client_consents", "portal_consents"],
}


@pytest.mark.parametrize(
    ("predicate", "url_name"), [(p, u) for p, names in OFFERS.items() for u in names]
)
def test_what_can_offers_the_view_allows(predicate, url_name):
    from django.urls import get_resolver

    view = next(p.callback for p in _patterns(get_resolver()) if p.name == url_name)
    allowed, granted = set(view.allowed_roles), set(getattr(Can, predicate).fget.roles)
    if predicate == "see_consents":
        # Each consents page is for some of those who see consents (staff in the clinic, the
        # client on the portal).
        assert allowed <= granted, (url_name, sorted(allowed), sorted(granted))
    else:
        assert allowed == granted, (predicate, url_name, sorted(allowed), sorted(granted))


def _patterns(resolver):
    from django.urls import URLResolver

    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry)
        else:
            yield entry
