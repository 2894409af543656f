"""The billing clients list (billing staff's way into a client's billing): who pays first today
and what each client owes, searchable, in a fixed number of queries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from billing.tests.factories import ChargeFactory, ChargeLineFactory, CoverageFactory
from clinic.models import AuditEntry
from clinic.tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def _owing(client, amount: str):
    charge = ChargeFactory(appointment__client=client, status="posted")
    ChargeLineFactory(charge=charge, units=1, unit_fee=Decimal(amount))


def test_each_client_with_who_pays_first_and_what_they_owe(client, cast):
    CoverageFactory(client=cast.client, insured=True, payer__name="Blue Harbor Health")
    _owing(cast.client2, "95.00")
    client.force_login(cast.biller)
    page = client.get(reverse("billing_clients")).content.decode()
    assert "Commercial insurance: Blue Harbor Health" in page
    assert "95.00" in page
    assert reverse("billing_client", args=[cast.client2.pk]) in page
    assert AuditEntry.objects.filter(actor=cast.biller, action="list").exists()


def test_a_search_finds_by_name_and_keeps_it_out_of_the_url(client, cast):
    client.force_login(cast.admin)
    response = client.post(reverse("billing_clients"), {"q": "Quillfeather"})
    page = response.content.decode()
    assert "Quillfeather" in page and "Wrenhollow" not in page
    assert "1 client found" in page


def test_the_list_costs_the_same_queries_for_3_or_30_clients(
    client, cast, django_assert_num_queries
):
    client.force_login(cast.biller)

    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("billing_clients")).status_code == 200
        return len(queries)

    few = count()
    for _ in range(20):
        other = ClientFactory()
        CoverageFactory(client=other, insured=True)
        _owing(other, "10.00")
    assert count() == few
