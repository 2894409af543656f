"""A client's coverage through its pages: each kind's fields, every refusal at its field with
what was typed kept, priority in order, ending, access and the audit trail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from billing.models import Coverage, PayerType
from billing.tests.factories import (
    AuthorizationFactory,
    CoverageFactory,
    PayerFactory,
)
from billing.views import coverage as coverage_views
from clinic.clinic_time import today
from clinic.models import AuditEntry
from clinic.permissions import Can

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client, cast):
    client.force_login(cast.frontdesk)
    return client


def _new(cast):
    return reverse("billing_coverage_new", args=[cast.client.pk])


def _post(desk, cast, **fields):
    data = {
        "payer_type": PayerType.SELF_PAY,
        "priority": "1",
        "starts_on": today().isoformat(),
        "ends_on": "",
        "subscriber_relation": "self",
        **fields,
    }
    return desk.post(_new(cast), {k: v for k, v in data.items() if v is not None})


def _errors(response, field):
    return response.context["form"].errors.get(field, [])


def test_self_pay_is_added_and_audited(desk, cast):
    response = _post(desk, cast)
    assert response.status_code == 302
    coverage = Coverage.objects.get(client=cast.client)
    assert coverage.payer_type == PayerType.SELF_PAY and coverage.payer is None
    entry = AuditEntry.objects.get(action="create", object_id=str(coverage.pk))
    assert entry.actor == cast.frontdesk and entry.client == cast.client


def test_self_pay_drops_a_payer_chosen_before_switching(desk, cast):
    payer = PayerFactory(kind=PayerType.COMMERCIAL)
    response = _post(desk, cast, payer=str(payer.pk), member_id="M1")
    assert response.status_code == 302
    coverage = Coverage.objects.get(client=cast.client)
    assert coverage.payer is None and coverage.member_id == ""


def test_commercial_keeps_its_fields_and_clears_the_others(desk, cast):
    payer = PayerFactory(kind=PayerType.COMMERCIAL, name="Blue Plan")
    response = _post(
        desk,
        cast,
        payer_type=PayerType.COMMERCIAL,
        payer=str(payer.pk),
        member_id="XJH1",
        group_number="G-1",
        subscriber_name="Ann Roe",
        subscriber_relation="spouse",
        subscriber_date_of_birth="1970-02-03",
        claim_number="C-9",  # an auto / PIP field: not kept on commercial insurance
    )
    assert response.status_code == 302
    coverage = Coverage.objects.get(client=cast.client)
    assert (coverage.payer, coverage.member_id, coverage.subscriber_relation) == (
        payer,
        "XJH1",
        "spouse",
    )
    assert coverage.subscriber_date_of_birth == dt.date(1970, 2, 3)
    assert coverage.claim_number == ""


@pytest.mark.parametrize(
    ("kind", "field", "message"),
    [
        (PayerType.COMMERCIAL, "payer", "Choose who pays for this coverage."),
        (PayerType.COMMERCIAL, "member_id", "The member id is required"),
        (PayerType.AUTO_PIP, "claim_number", "The claim number is required"),
        (PayerType.AUTO_PIP, "date_of_accident", "The date of accident is required"),
        (PayerType.WORKERS_COMP, "claim_number", "The claim number is required"),
        (PayerType.WORKERS_COMP, "date_of_injury", "The date of injury is required"),
    ],
)
def test_what_each_kind_requires_is_asked_at_its_field(desk, cast, kind, field, message):
    response = _post(desk, cast, payer_type=kind, employer="Acme Builders")
    assert response.status_code == 200
    assert any(message in error for error in _errors(response, field)), response.context[
        "form"
    ].errors
    assert b"Acme Builders" in response.content or kind != PayerType.WORKERS_COMP
    assert not Coverage.objects.exists()


def test_a_payer_of_another_kind_is_refused(desk, cast):
    auto = PayerFactory(kind=PayerType.AUTO_PIP, name="Road Mutual")
    response = _post(
        desk,
        cast,
        payer_type=PayerType.WORKERS_COMP,
        payer=str(auto.pk),
        claim_number="WC-1",
        date_of_injury="2026-03-01",
    )
    assert any("not workers' compensation" in e for e in _errors(response, "payer"))
    assert b"WC-1" in response.content  # what was typed is kept
    assert not Coverage.objects.exists()


@pytest.mark.parametrize(
    ("kind", "field", "message"),
    [
        (PayerType.AUTO_PIP, "date_of_accident", "The date of accident cannot be in the future."),
        (PayerType.WORKERS_COMP, "date_of_injury", "The date of injury cannot be in the future."),
    ],
)
def test_accident_and_injury_dates_cannot_be_in_the_future(desk, cast, kind, field, message):
    payer = PayerFactory(kind=kind)
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    response = _post(
        desk, cast, payer_type=kind, payer=str(payer.pk), claim_number="C-1", **{field: tomorrow}
    )
    assert _errors(response, field) == [message]


def test_coverage_cannot_end_before_it_starts(desk, cast):
    response = _post(desk, cast, starts_on="2026-05-02", ends_on="2026-05-01")
    assert _errors(response, "ends_on") == ["The coverage cannot end before it starts."]


def test_priority_is_unique_among_current_coverages(desk, cast):
    CoverageFactory(client=cast.client, priority=1, insured=True)
    response = _post(desk, cast, priority="1")
    assert response.status_code == 200
    assert "already" in " ".join(_errors(response, "priority"))
    assert Coverage.objects.count() == 1
    # An ended coverage frees its place.
    Coverage.objects.update(ends_on=today() - dt.timedelta(days=1))
    assert _post(desk, cast, priority="1").status_code == 302


def test_the_new_form_offers_the_first_free_place(desk, cast):
    CoverageFactory(client=cast.client, priority=1)
    response = desk.get(_new(cast))
    assert response.context["form"].initial["priority"] == 2


def test_edit_changes_and_audits(desk, cast):
    coverage = CoverageFactory(client=cast.client, insured=True)
    url = reverse("billing_coverage_edit", args=[coverage.pk])
    page = desk.get(url)
    assert page.status_code == 200 and b"XJH123456789" in page.content
    data = {
        "payer_type": PayerType.COMMERCIAL,
        "payer": str(coverage.payer_id),
        "priority": "2",
        "starts_on": "2026-01-01",
        "member_id": "NEW-1",
        "subscriber_relation": "self",
    }
    assert desk.post(url, data).status_code == 302
    coverage.refresh_from_db()
    assert (coverage.priority, coverage.member_id) == (2, "NEW-1")
    entry = AuditEntry.objects.filter(action="update", object_id=str(coverage.pk)).get()
    assert "member_id" in entry.detail and entry.client == cast.client


def test_end_sets_the_last_day(desk, cast):
    coverage = CoverageFactory(client=cast.client, starts_on=dt.date(2026, 1, 1))
    url = reverse("billing_coverage_end", args=[coverage.pk])
    assert desk.post(url, {"ends_on": "2026-06-30"}).status_code == 302
    coverage.refresh_from_db()
    assert coverage.ends_on == dt.date(2026, 6, 30)
    assert AuditEntry.objects.filter(action="update", object_id=str(coverage.pk)).exists()


def test_ending_before_the_start_is_refused_with_the_date_kept(desk, cast):
    coverage = CoverageFactory(client=cast.client, starts_on=dt.date(2026, 3, 1))
    url = reverse("billing_coverage_end", args=[coverage.pk])
    response = desk.post(url, {"ends_on": "2026-02-01"})
    assert response.status_code == 200
    assert b"cannot end before" in response.content
    assert b'value="2026-02-01"' in response.content
    coverage.refresh_from_db()
    assert coverage.ends_on is None


def test_a_malformed_end_date_is_a_message_not_a_500(desk, cast):
    coverage = CoverageFactory(client=cast.client)
    response = desk.post(reverse("billing_coverage_end", args=[coverage.pk]), {"ends_on": "x"})
    assert response.status_code == 200
    assert b"Enter a valid date" in response.content


def test_list_shows_current_then_ended_with_visits(desk, cast):
    current = CoverageFactory(client=cast.client, insured=True, priority=1)
    AuthorizationFactory(coverage=current, number="AUTH-1", visits_approved=12)
    CoverageFactory(client=cast.client, priority=2, ends_on=dt.date(2026, 2, 1))
    response = desk.get(reverse("billing_coverage_list", args=[cast.client.pk]))
    rows = response.context["rows"]
    assert [row.current for row in rows] == [True, False]
    assert b"AUTH-1" in response.content and b"0 of 12 visits used" in response.content
    assert AuditEntry.objects.filter(action="view", client=cast.client).exists()


def test_list_costs_the_same_queries_whatever_its_length(desk, cast, django_assert_max_num_queries):
    url = reverse("billing_coverage_list", args=[cast.client.pk])

    def add(priority):
        coverage = CoverageFactory(client=cast.client, insured=True, priority=priority)
        AuthorizationFactory(coverage=coverage)
        AuthorizationFactory(coverage=coverage)

    add(1)
    desk.get(url)  # warm up (session, content types)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        desk.get(url)
    for priority in range(2, 7):
        add(priority)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = desk.get(url)
    assert len(response.context["rows"]) == 6


def test_another_clients_coverage_cannot_be_reached_through_ids(client, cast):
    """A client reads nothing here (403); an unknown id is a 404, never a 500."""
    client.force_login(cast.biller)
    assert client.get("/billing/coverage/12345/edit/").status_code == 404
    missing = "00000000-0000-0000-0000-000000000000"
    assert client.get(f"/billing/coverage/{missing}/edit/").status_code == 404


def test_self_pay_takes_no_authorization(desk, cast):
    coverage = CoverageFactory(client=cast.client)
    response = desk.get(reverse("billing_authorization_new", args=[coverage.pk]))
    assert response.status_code == 302


@pytest.mark.parametrize(
    "view",
    [
        coverage_views.coverage_list,
        coverage_views.coverage_new,
        coverage_views.coverage_edit,
        coverage_views.coverage_end,
        coverage_views.authorization_new,
        coverage_views.authorization_edit,
    ],
)
def test_pages_admit_exactly_the_roles_of_edit_coverage(view):
    assert view.allowed_roles == Can.edit_coverage.fget.roles


def test_services_refuse_other_roles(cast):
    from django.core.exceptions import PermissionDenied

    from billing.services.coverage import coverage_add

    with pytest.raises(PermissionDenied):
        coverage_add(
            actor=cast.therapist,
            client=cast.client,
            data={"payer_type": PayerType.SELF_PAY, "starts_on": today()},
        )


# --- the client's record -------------------------------------------------------------------


def test_client_record_shows_the_coverage_card_to_coverage_editors(client, cast):
    coverage = CoverageFactory(client=cast.client, insured=True)
    AuthorizationFactory(coverage=coverage, number="AUTH-77", visits_approved=12)
    url = reverse("client_detail", args=[cast.client.pk])
    for user, shown in (
        (cast.frontdesk, True),
        (cast.admin, True),
        (cast.therapist, False),
        (cast.physician_user, False),
    ):
        client.force_login(user)
        content = client.get(url).content
        assert (b"AUTH-77" in content) is shown, user
        assert (b'id="coverage-card"' in content) is shown, user
    client.force_login(cast.frontdesk)
    assert b"12 left" in client.get(url).content


@pytest.mark.parametrize("coverages", [1, 5])
def test_the_coverage_card_costs_the_same_queries_whatever_its_rows(
    desk, cast, coverages, django_assert_max_num_queries
):
    for priority in range(1, coverages + 1):
        coverage = CoverageFactory(client=cast.client, insured=True, priority=priority)
        AuthorizationFactory(coverage=coverage)
        AuthorizationFactory(coverage=coverage)
    # The client page's 11 (scheduling/tests/test_booking.py) and the card's three more.
    with django_assert_max_num_queries(14):
        response = desk.get(reverse("client_detail", args=[cast.client.pk]))
    assert len(response.context["coverage_rows"]) == coverages
