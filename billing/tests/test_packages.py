"""Packages (billing/services/packages.py and their page): selling one with every bad input
at its field; visits used and left on the client's page; and the query counts of the client's
billing page and the portal page, the same with 3 rows of each kind as with 30."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from billing.models import Package, PackageUse, PaymentAllocation
from billing.tests.factories import PackageFactory, dx
from billing.tests.money_helpers import D, payment, posted_charge
from clinic.clinic_time import today
from clinic.models import AuditEntry

pytestmark = pytest.mark.django_db


def _package_form(**overrides):
    data = {
        "name": "10 x 60-minute treatment",
        "appointment_type": "",
        "visits": "10",
        "price": "950.00",
        "purchased_on": today().isoformat(),
        "expires_on": "",
    }
    return {**data, **overrides}


def _sell(client, cast, **overrides):
    client.force_login(cast.frontdesk)
    url = reverse("billing_package_new", args=[cast.client.pk])
    return client.post(url, _package_form(**overrides))


def test_a_package_is_sold_audited_and_owed(client, cast):
    expires = (today() + dt.timedelta(days=365)).isoformat()
    response = _sell(client, cast, expires_on=expires)
    assert response["Location"] == reverse("billing_client", args=[cast.client.pk])
    package = Package.objects.get()
    assert (package.client, package.visits, package.price, package.sold_by) == (
        cast.client, 10, D("950.00"), cast.frontdesk,
    )  # fmt: skip
    assert package.expires_on.isoformat() == expires
    assert AuditEntry.objects.filter(action="create", object_id=str(package.pk)).exists()
    page = client.get(response["Location"])
    assert page.context["balance"].packages_due == D("950.00")


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("price", "0", "The amount must be more than 0."),
        ("price", "-10", "The amount cannot be negative."),
        ("price", "9.999", "no more than two decimal places"),
        ("price", "lots", "Enter an amount such as 60 or 60.00."),
        ("visits", "0", "A package has at least one visit."),
        ("visits", "two", "Enter a whole number of visits."),
        ("name", " ", "This field is required."),
        ("purchased_on", "2999-01-01", "The purchase date cannot be in the future."),
        ("expires_on", "2020-01-01", "The package must expire after the day it was bought."),
    ],
)
def test_a_bad_package_is_refused_at_its_field_and_kept(client, cast, field, typed, message):
    response = _sell(client, cast, **{"visits": "12", field: typed})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    if field != "visits":
        assert b'value="12"' in response.content
    assert not Package.objects.exists()


def test_visits_used_and_left_and_the_expiry_are_on_the_client_page(client, cast):
    from scheduling.tests.factories import AppointmentFactory

    package = PackageFactory(client=cast.client, visits=10, expires_on=today() - dt.timedelta(1))
    for _ in range(3):
        PackageUse.objects.create(
            package=package, appointment=AppointmentFactory(client=cast.client)
        )
    client.force_login(cast.frontdesk)
    response = client.get(reverse("billing_client", args=[cast.client.pk]))
    (shown,) = response.context["packages"]
    assert (shown.visits_used, shown.visits_left, shown.expired) == (3, 7, True)
    assert b"3 of 10" in response.content and b"expired" in response.content


# --- who sees what ------------------------------------------------------------------------


def test_the_front_desk_never_sees_diagnosis_codes_billing_staff_do(client, cast):
    posted_charge(cast.client, "60.00", diagnoses=dx("M54.2", "S16.1XXA"))
    url = reverse("billing_client", args=[cast.client.pk])
    client.force_login(cast.frontdesk)
    assert b"M54.2" not in client.get(url).content
    client.force_login(cast.biller)
    assert b"M54.2" in client.get(url).content


def test_the_client_page_is_audited(client, cast):
    client.force_login(cast.biller)
    client.get(reverse("billing_client", args=[cast.client.pk]))
    entry = AuditEntry.objects.get(action="view", actor=cast.biller)
    assert entry.client == cast.client


def test_the_portal_shows_only_the_clients_own_billing(client, cast):
    posted_charge(cast.client, "60.00")
    posted_charge(cast.client2, "77.00")
    payment(cast.client2, "33.00")
    client.force_login(cast.client_user)
    response = client.get(reverse("billing_portal"))
    assert response.context["balance"].owed == D("60.00")
    assert b"77.00" not in response.content and b"33.00" not in response.content
    assert AuditEntry.objects.filter(action="view", client=cast.client).exists()


def test_the_client_portal_links_to_billing(client, cast):
    client.force_login(cast.client_user)
    assert reverse("billing_portal").encode() in client.get(reverse("portal")).content


# --- query counts: the same with 3 rows of each kind as with 30 ---------------------------


def _rows(cast, n):
    """n posted charges (half invoiced), packages with a visit used, payments allocated."""
    from billing.services.invoices import invoice_issue
    from scheduling.tests.factories import AppointmentFactory

    for i in range(n):
        _, line = posted_charge(cast.client, "60.00", diagnoses=dx("M54.2"))
        package = PackageFactory(client=cast.client, price=D("100.00"))
        PackageUse.objects.create(
            package=package, appointment=AppointmentFactory(client=cast.client)
        )
        money = payment(cast.client, "50.00")
        PaymentAllocation.objects.create(payment=money, line=line, amount=D("50.00"),
                                         allocated_by=cast.frontdesk)  # fmt: skip
        if i % 2:
            invoice_issue(actor=cast.biller, client=cast.client)


def _count(client, url, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit) as counted:
        response = client.get(url)
    assert response.status_code == 200
    return len(counted)


@pytest.mark.parametrize("role", ["biller", "frontdesk"])
def test_the_client_page_costs_the_same_with_3_or_30_rows(
    client, cast, role, django_assert_max_num_queries
):
    url = reverse("billing_client", args=[cast.client.pk])
    client.force_login(getattr(cast, role))
    _rows(cast, 3)
    small = _count(client, url, django_assert_max_num_queries, 20)
    _rows(cast, 27)
    large = _count(client, url, django_assert_max_num_queries, 20)
    assert small == large


def test_the_portal_page_costs_the_same_with_3_or_30_rows(
    client, cast, django_assert_max_num_queries
):
    url = reverse("billing_portal")
    client.force_login(cast.client_user)
    _rows(cast, 3)
    small = _count(client, url, django_assert_max_num_queries, 15)
    _rows(cast, 27)
    large = _count(client, url, django_assert_max_num_queries, 15)
    assert small == large


def test_the_invoice_page_costs_the_same_with_3_or_30_lines(
    client, cast, django_assert_max_num_queries
):
    from billing.models import Invoice
    from billing.services.invoices import invoice_issue

    client.force_login(cast.biller)
    counts = []
    for n in (3, 30):
        for _ in range(n):
            _, line = posted_charge(cast.client, "60.00")
            money = payment(cast.client, "10.00")
            PaymentAllocation.objects.create(
                payment=money, line=line, amount=D("10.00"), allocated_by=cast.frontdesk
            )
        invoice = invoice_issue(actor=cast.biller, client=cast.client)
        url = reverse("billing_invoice", args=[invoice.pk])
        counts.append(_count(client, url, django_assert_max_num_queries, 15))
    assert counts[0] == counts[1]
    assert Invoice.objects.count() == 2
