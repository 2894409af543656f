"""Authorizations: their pages, the visits used / booked ahead / left, the current one on a day,
the booking warning (the booking still saves) and the plan page's part."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import Authorization, Charge, Payer, PayerType
from billing.selectors.authorizations import (
    authorization_usage,
    booking_warnings,
    current_authorization,
)
from billing.tests.factories import AuthorizationFactory, ChargeFactory, CoverageFactory
from clinic.clinic_time import at_local, today
from clinic.models import AuditEntry
from scheduling import booking_checks
from scheduling.models import Appointment, AppointmentType
from scheduling.tests.factories import AppointmentFactory, WorkingHoursFactory

pytestmark = pytest.mark.django_db


def _workers_comp(cast, *, approved=12, starts=None, ends=None, number="AUTH-1", priority=1):
    coverage = CoverageFactory(
        client=cast.client,
        insured=True,
        priority=priority,
        payer_type=PayerType.WORKERS_COMP,
        payer=Payer.objects.get_or_create(name="State Fund", kind=PayerType.WORKERS_COMP)[0],
        claim_number="WC-1",
        date_of_injury=dt.date(2026, 1, 10),
        starts_on=today() - dt.timedelta(days=60),
    )
    return AuthorizationFactory(
        coverage=coverage,
        number=number,
        visits_approved=approved,
        starts_on=starts or today() - dt.timedelta(days=30),
        ends_on=ends or today() + dt.timedelta(days=60),
    )


def _charges(cast, authorization, count, *, status=Charge.Status.DRAFT):
    """`count` charges of visits at 10:00 on the days before today, each on a day of its own
    (after the days earlier calls took: PostgreSQL refuses overlapping visits)."""
    therapist = cast.therapist.therapist_profile
    taken = Appointment.objects.filter(therapist=therapist, starts_at__lt=timezone.now()).count()
    for days in range(taken, taken + count):
        visit = AppointmentFactory(
            client=cast.client,
            therapist=therapist,
            starts_at=at_local(today() - dt.timedelta(days=days + 1), dt.time(10)),
            status=Appointment.Status.COMPLETED,
        )
        reason = "Entered twice" if status == Charge.Status.VOID else ""
        ChargeFactory(
            appointment=visit, authorization=authorization, status=status, void_reason=reason
        )


def _ahead(cast, days, status=Appointment.Status.BOOKED):
    return AppointmentFactory(
        client=cast.client,
        therapist=cast.therapist.therapist_profile,
        starts_at=at_local(today() + dt.timedelta(days=days), dt.time(10)),
        status=status,
    )


# --- visits used, booked ahead, left ----------------------------------------------------------


def test_usage_counts_live_charges_and_visits_ahead_inside_the_dates(cast):
    authorization = _workers_comp(cast, approved=12, ends=today() + dt.timedelta(days=20))
    _charges(cast, authorization, 3)
    _charges(cast, authorization, 1, status=Charge.Status.VOID)  # a void is not a visit used
    ChargeFactory(client=cast.client2, appointment__client=cast.client2)  # not under it
    _ahead(cast, 2)
    _ahead(cast, 3, status=Appointment.Status.CHECKED_IN)
    _ahead(cast, 4, status=Appointment.Status.CANCELLED)  # not coming
    _ahead(cast, 30)  # after the authorization's end
    [usage] = authorization_usage([authorization])
    assert (usage.approved, usage.used, usage.booked_ahead, usage.left) == (12, 3, 2, 9)


def test_usage_may_go_below_zero_when_billed_beyond(cast):
    authorization = _workers_comp(cast, approved=2)
    _charges(cast, authorization, 3)
    [usage] = authorization_usage([authorization])
    assert usage.left == -1 and usage.is_exhausted


def test_usage_costs_the_same_queries_for_one_or_many(cast, django_assert_num_queries):
    first = _workers_comp(cast, number="A-0")
    one = list(Authorization.objects.filter(pk=first.pk))
    with django_assert_num_queries(3):  # coverages' clients, charges, appointments
        authorization_usage(one)
    for n in range(1, 6):
        authorization = _workers_comp(cast, number=f"A-{n}", priority=n + 1)
        _charges(cast, authorization, 1)
    rows = list(Authorization.objects.select_related("coverage"))
    with django_assert_num_queries(2):  # coverages already loaded
        usages = authorization_usage(rows)
    assert len(usages) == 6
    assert authorization_usage([]) == []


def test_current_authorization_is_the_top_priority_coverages(cast):
    authorization = _workers_comp(cast)
    assert current_authorization(cast.client, today()) == authorization
    assert current_authorization(cast.client, today() + dt.timedelta(days=61)) is None
    assert current_authorization(cast.client2, today()) is None
    # A self-pay coverage billed first: no authorization applies.
    authorization.coverage.priority = 2
    authorization.coverage.save()
    CoverageFactory(client=cast.client, priority=1, starts_on=today() - dt.timedelta(days=5))
    assert current_authorization(cast.client, today()) is None


# --- the booking warning ----------------------------------------------------------------------


def test_no_coverage_or_no_authorization_no_warning(cast):
    assert booking_warnings(cast.client, None) == []
    CoverageFactory(client=cast.client, insured=True, starts_on=today())
    assert booking_warnings(cast.client, at_local(today(), dt.time(15))) == []


def test_warning_when_no_visit_is_left(cast):
    authorization = _workers_comp(cast, approved=12)
    _charges(cast, authorization, 12)
    [warning] = booking_warnings(cast.client, at_local(today() + dt.timedelta(days=2), dt.time(9)))
    assert warning.startswith(
        "Authorization AUTH-1 for Workers' compensation (State Fund) has 0 of 12 visits left"
    )


def test_visits_booked_before_count_against_the_last_ones(cast):
    authorization = _workers_comp(cast, approved=3)
    _charges(cast, authorization, 1)
    _ahead(cast, 1)
    second = at_local(today() + dt.timedelta(days=2), dt.time(10))
    assert booking_warnings(cast.client, second) == []  # the third visit: still approved
    _ahead(cast, 2)
    [warning] = booking_warnings(cast.client, at_local(today() + dt.timedelta(days=5), dt.time(9)))
    assert "has 2 of 3 visits left, and 2 visits are booked before this one" in warning
    # An earlier date is still inside what was approved.
    assert booking_warnings(cast.client, at_local(today(), dt.time(23))) == []


def test_warning_outside_the_authorizations_dates(cast):
    _workers_comp(cast, ends=today() + dt.timedelta(days=10))
    later = at_local(today() + dt.timedelta(days=20), dt.time(9))
    [warning] = booking_warnings(cast.client, later)
    assert "is outside authorization AUTH-1's dates (from" in warning


def test_the_registry_holds_billings_check(cast):
    authorization = _workers_comp(cast, approved=1)
    _charges(cast, authorization, 1)
    assert booking_checks.warnings_for(cast.client, None)
    assert booking_checks.warnings_for(None, None) == []


@pytest.fixture
def desk(client, cast):
    therapist = cast.therapist.therapist_profile
    for weekday in range(7):
        WorkingHoursFactory(therapist=therapist, weekday=weekday)
    client.force_login(cast.frontdesk)
    cast.treatment, _ = AppointmentType.objects.get_or_create(
        name="Treatment", defaults={"duration_minutes": 60}
    )
    return client


def _booking(cast, day, **extra):
    return {
        "client": str(cast.client.pk),
        "therapist": str(cast.therapist.therapist_profile.pk),
        "appointment_type": str(cast.treatment.pk),
        "date": day.isoformat(),
        "time": "10:00",
        "room": "",
        "front_desk_note": "",
        "interval_weeks": "1",
        **extra,
    }


def test_booking_beyond_the_authorization_warns_and_still_saves(desk, cast):
    authorization = _workers_comp(cast, approved=12)
    _charges(cast, authorization, 12)
    page = desk.get(reverse("appointment_new") + f"?client={cast.client.pk}")
    assert b"has 0 of 12 visits left" in page.content and b"data-booking-warnings" in page.content
    response = desk.post(
        reverse("appointment_new"), _booking(cast, today() + dt.timedelta(days=3)), follow=True
    )
    assert response.status_code == 200
    assert Appointment.objects.filter(client=cast.client, status=Appointment.Status.BOOKED).exists()
    shown = [str(m) for m in response.context["messages"]]
    assert any("has 0 of 12 visits left" in m for m in shown), shown
    assert b"has 0 of 12 visits left" in response.content


def test_a_series_names_the_dates_beyond(desk, cast):
    _workers_comp(cast, approved=2)
    start = today() + dt.timedelta(days=3)
    response = desk.post(
        reverse("appointment_new"),
        _booking(cast, start, repeat="on", repeat_count="3"),
        follow=True,
    )
    assert Appointment.objects.filter(client=cast.client).count() == 3
    shown = [str(m) for m in response.context["messages"]]
    beyond = [m for m in shown if "visits left" in m]
    assert len(beyond) == 1, shown  # the third visit only


def test_booking_within_the_authorization_says_nothing(desk, cast):
    _workers_comp(cast, approved=12)
    response = desk.post(
        reverse("appointment_new"), _booking(cast, today() + dt.timedelta(days=3)), follow=True
    )
    assert not [m for m in response.context["messages"] if "authorization" in str(m).lower()]


# --- the authorization pages ------------------------------------------------------------------


def test_add_and_edit_an_authorization(client, cast):
    coverage = _workers_comp(cast).coverage
    client.force_login(cast.biller)
    url = reverse("billing_authorization_new", args=[coverage.pk])
    data = {
        "number": "AUTH-2",
        "visits_approved": "8",
        "starts_on": "2026-02-01",
        "ends_on": "2026-08-01",
        "note": "Per adjuster call",
    }
    assert client.post(url, data).status_code == 302
    added = Authorization.objects.get(number="AUTH-2")
    assert added.visits_approved == 8 and added.created_by == cast.biller
    assert AuditEntry.objects.filter(action="create", object_id=str(added.pk)).exists()
    edit = reverse("billing_authorization_edit", args=[added.pk])
    assert client.get(edit).status_code == 200
    assert client.post(edit, {**data, "visits_approved": "10"}).status_code == 302
    added.refresh_from_db()
    assert added.visits_approved == 10


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"ends_on": "2026-01-01"}, "ends_on", "The authorization cannot end before it starts."),
        ({"number": "AUTH-1"}, "number", "This coverage already has authorization AUTH-1."),
        ({"visits_approved": "0"}, "visits_approved", "greater than or equal to 1"),
        ({"number": ""}, "number", "This field is required."),
        ({"starts_on": "nonsense"}, "starts_on", "Enter a valid date."),
    ],
)
def test_authorization_refusals_are_at_the_field(client, cast, change, field, message):
    coverage = _workers_comp(cast).coverage
    client.force_login(cast.frontdesk)
    data = {
        "number": "AUTH-9",
        "visits_approved": "8",
        "starts_on": "2026-02-01",
        "ends_on": "2026-08-01",
        "note": "kept note",
        **change,
    }
    response = client.post(reverse("billing_authorization_new", args=[coverage.pk]), data)
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert any(message in e for e in errors), errors
    assert b"kept note" in response.content
    assert Authorization.objects.count() == 1


# --- the plan page's part -----------------------------------------------------------------------


def test_plan_page_shows_visits_to_staff_never_to_the_client_or_physician(client, cast):
    from treatment_plans.tests.factories import PlanVersionFactory

    authorization = _workers_comp(cast, approved=12, number="AUTH-PLAN")
    _charges(cast, authorization, 4)
    version = PlanVersionFactory(
        plan__client=cast.client, plan__therapist=cast.therapist, activated_at=timezone.now()
    )
    url = reverse("plan_detail", args=[version.plan.pk])
    for user, shown in (
        (cast.therapist, True),
        (cast.admin, True),
        (cast.client_user, False),
        (cast.physician_user, False),
    ):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, user
        assert (b"AUTH-PLAN" in response.content) is shown, user
        if shown:
            assert b"4 of 12 visits used" in response.content
            assert b"8 left" in response.content
        else:
            assert not response.context.get("authorizations"), user
