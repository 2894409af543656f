"""Audit completeness: every page that shows a client's data, and the key writes, leave an
AuditEntry with the acting user, the client concerned and the request's IP address.

The walk is every MATRIX cell where a role that legitimately works with `client` (the clinic
staff, `client` themselves, the consented physician) gets 200. Pages that show no client data
are exempt, each with its reason, in EXEMPT."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from clinic.models import AuditEntry
from clinic.tests.test_roles_and_urls import MATRIX, _url

IP = "203.0.113.77"
ROLES = ("admin", "therapist", "frontdesk", "client_user", "physician_user")

# Pages that show no client's data: nothing to audit. Each with the reason.
EXEMPT = {
    "home": "a redirect to the role's dashboard",
    "dashboard_admin": "staff accounts and clinic settings, no client records",
    "dashboard_billing": "counts and totals of charges, no client named",
    "client_new": "an empty registration form",
    "import_upload": "an empty upload form; the preview and the import are audited "
    "(portals/tests/test_import_clinic.py)",
    "appointment_new": "an empty booking form (client picker only)",
    "free_slot_finder": "free time slots of therapists, no client shown",
    "therapist_hours": "a therapist's working hours and time off",
    "physician_invite": "about a physician's account, not a client",
    "online_booking_rules": "the clinic's online booking rules, no client data (saving is audited)",
    "audit_log": "the audit log itself (reading it is the admin's job, not client data)",
    "portal_contacts": "the signed-in client's own contact form: updates are audited",
    "portal_health_history_edit": "the signed-in client's own form: saving is audited",
    "assessment_new": "an empty assessment form (saving is audited)",
    "waitlist_new": "an empty waitlist form (saving is audited)",
    "consent_revoke": "a confirmation page; the consent is read (and audited) at consent_detail",
    "care_team_sharing_stop": "a confirmation page naming the physician; stopping is audited",
    "client_invite": "an invitation form (name and e-mail only); sending is audited",
    "note_edit": "here the note is signed, so the editor only redirects to the (audited) note "
    "page; the draft editor's read is audited (sessions_log/tests/test_notes.py)",
    "note_screen": "the note form's screening of one row as it is filled in, asked by the "
    "treating therapist from the note editor, whose read is audited; an entry per keystroke "
    "would bury the trail",
    "mfa_setup": "the user's own second factor",
    "mfa_manage": "the user's own second factor",
    "mfa_verify": "the user's own second factor",
    "mfa_regenerate": "the user's own second factor",
    "mfa_disable": "the user's own second factor",
    # billing: charges
    #
    # billing: coverage, identity, diagnoses
    "billing_coverage_new": "an empty coverage form (saving is audited)",
    "billing_authorization_new": "an empty authorization form (saving is audited)",
    "billing_identity": "the clinic's and therapists' billing identity, no client data",
    #
    # billing: payments, invoices, packages, the client's billing page
    #
    # billing: documents, export, reports
    #
    # export and reports (the export and the reports page are audited, with no one client)
    "billing_export_form": "an empty form of two dates; the export it asks for is audited",
}


# Pages with an id that is not a client's (a therapist's calendar): the entry names no client.
NOT_ABOUT_ONE_CLIENT = {"schedule_week", "therapist_hours", "physician_invite"}


# Pages that show client data but write no audit entry today (reported in the issue). Strict
# xfail: once a view records its read, the test passes and this list must shrink.
KNOWN_GAPS: dict[str, str] = {}


def _cells():
    cells = []
    for name, (_, codes) in sorted(MATRIX.items()):
        for role in ROLES:
            if codes[role] != 200 or name in EXEMPT:
                continue
            marks = []
            if name in KNOWN_GAPS:
                marks = [pytest.mark.xfail(strict=True, reason=KNOWN_GAPS[name])]
            cells.append(pytest.param(name, role, marks=marks, id=f"{name}-{role}"))
    return cells


def _new_entries(since: int):
    return list(AuditEntry.objects.filter(id__gt=since))


def _last_id() -> int:
    return AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


@pytest.mark.parametrize(("name", "role"), _cells())
def test_every_page_with_client_data_is_audited(client, cast, name, role):
    maker = MATRIX[name][0]
    urls = {other: _url(other, cast) for other in MATRIX}  # all of `client`'s objects exist
    url = urls[name]
    user = getattr(cast, role)
    client.force_login(user)
    since = _last_id()
    response = client.get(url, REMOTE_ADDR=IP)
    assert response.status_code == 200
    entries = [e for e in _new_entries(since) if e.actor_id == user.pk]
    assert entries, f"{name} as {role}: no audit entry"
    assert all(e.ip_address == IP for e in entries), name
    if (
        maker is not None and name not in NOT_ABOUT_ONE_CLIENT
    ):  # a page about one client: the entry names them
        assert any(e.client_id == cast.client.pk for e in entries), (name, role)


def test_exemptions_are_real_url_names():
    from clinic.tests.test_roles_and_urls import _named_patterns

    names = {pattern.name for pattern in _named_patterns()}
    assert set(EXEMPT) - names <= {n for n in EXEMPT if n.startswith("mfa_")}


# --- key writes -----------------------------------------------------------------------------


def _assert_write_audited(since, user, client_obj, response):
    assert response.status_code in (200, 302), response.status_code
    entries = [
        e
        for e in _new_entries(since)
        if e.actor_id == user.pk and e.action in ("create", "update", "sign")
    ]
    assert entries, "no audit entry for the write"
    assert all(e.ip_address == IP for e in entries)
    assert any(e.client_id == client_obj.pk for e in entries)


def test_booking_an_appointment_is_audited(client, cast):
    from clinic.clinic_time import today
    from scheduling.models import Appointment, AppointmentType
    from scheduling.tests.factories import WorkingHoursFactory
    from scheduling.tests.test_booking import _form

    for weekday in range(7):
        WorkingHoursFactory(therapist=cast.therapist.therapist_profile, weekday=weekday)
    cast.treatment, _ = AppointmentType.objects.get_or_create(
        name="Treatment", defaults={"duration_minutes": 60}
    )
    cast.next_week = today() + dt.timedelta(days=7)
    client.force_login(cast.frontdesk)
    since = _last_id()
    response = client.post(reverse("appointment_new"), _form(cast), REMOTE_ADDR=IP)
    assert Appointment.objects.filter(client=cast.client).exists()
    _assert_write_audited(since, cast.frontdesk, cast.client, response)


def test_saving_a_health_history_is_audited(client, cast):
    from intake.models import HealthHistory
    from intake.tests.test_history import _answers

    client.force_login(cast.therapist)
    since = _last_id()
    url = reverse("health_history_edit", args=[cast.client.pk])
    response = client.post(url, _answers(), REMOTE_ADDR=IP)
    assert HealthHistory.objects.filter(client=cast.client).exists()
    _assert_write_audited(since, cast.therapist, cast.client, response)


def test_signing_a_consent_is_audited(client, cast):
    from intake.models import Consent

    cast.client.first_name, cast.client.last_name = "Maria", "Lopez"
    cast.client.save()
    client.force_login(cast.client_user)
    since = _last_id()
    data = {"slot": "treatment", "treatment-signed_name": "Maria Lopez", "treatment-agree": "on"}
    response = client.post(reverse("portal_consents"), data, REMOTE_ADDR=IP)
    assert Consent.objects.filter(client=cast.client).exists()
    _assert_write_audited(since, cast.client_user, cast.client, response)


def test_creating_a_plan_is_audited(client, cast):
    from intake.tests.factories import HealthHistoryFactory, TreatmentConsentFactory
    from treatment_plans.models import TreatmentPlan
    from treatment_plans.tests.test_plans import _form

    HealthHistoryFactory(client=cast.client, conditions=[])
    TreatmentConsentFactory(client=cast.client)
    client.force_login(cast.therapist)
    since = _last_id()
    url = reverse("plan_new", args=[cast.client.pk])
    response = client.post(url, _form("swedish"), REMOTE_ADDR=IP)
    assert TreatmentPlan.objects.filter(client=cast.client).exists()
    _assert_write_audited(since, cast.therapist, cast.client, response)


def test_signing_a_session_note_is_audited(client, cast):
    from clinic.clinic_time import at_local, today
    from intake.tests.factories import (
        AssessmentFactory,
        HealthHistoryFactory,
        TreatmentConsentFactory,
    )
    from scheduling.tests.factories import AppointmentFactory
    from sessions_log.models import SessionNote
    from sessions_log.tests.test_notes import _note

    HealthHistoryFactory(client=cast.client, conditions=[])
    TreatmentConsentFactory(client=cast.client)
    AssessmentFactory(client=cast.client, assessed_on=today())  # the initial assessment
    visit = AppointmentFactory(
        client=cast.client,
        therapist=cast.therapist.therapist_profile,
        starts_at=at_local(today(), dt.time(10)),
    )
    client.force_login(cast.therapist)
    since = _last_id()
    response = client.post(reverse("note_edit", args=[visit.pk]), _note(sign="1"), REMOTE_ADDR=IP)
    assert SessionNote.objects.get(appointment=visit).is_signed
    _assert_write_audited(since, cast.therapist, cast.client, response)
    assert any(e.action == "sign" for e in _new_entries(since))
