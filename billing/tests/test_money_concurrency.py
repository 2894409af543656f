"""Clerks at the same moment, against real PostgreSQL: many allocations of one payment never
allocate more than it holds; many invoices issued at once get distinct numbers, and a client's
charges land on one invoice only."""

from __future__ import annotations

import threading
from importlib import import_module

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from billing.models import Charge, Invoice, PaymentAllocation
from billing.selectors.payments import payment_with_amounts
from billing.services.invoices import invoice_issue
from billing.services.payments import payment_allocate
from billing.tests.money_helpers import D, payment, posted_charge
from clinic.tests.factories import ClientFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
ATTEMPTS = 12


@pytest.fixture(autouse=True)
def _seeded(transactional_db):
    """Put back the codes and payment methods the migrations seed: the PostgreSQL run's other
    transactional tests empty every table before these run. (serialized_rollback restored
    them only while no earlier test had re-created the content types under new ids.)"""
    from django.apps import apps

    for migration in ("0002_codes", "0004_payment_methods"):
        import_module(f"billing.migrations.{migration}").seed(apps, None)


def _race(worker) -> list:
    """Run `worker(i)` in ATTEMPTS threads released at once; collect what each returned."""
    barrier = threading.Barrier(ATTEMPTS)
    results: list = [None] * ATTEMPTS

    def run(i):
        try:
            barrier.wait()
            results[i] = worker(i)
        except Exception as exc:  # anything unexpected is reported, not swallowed
            results[i] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_many_clerks_never_allocate_more_than_the_payment(cast):
    lines = [posted_charge(cast.client, "40.00")[1] for _ in range(ATTEMPTS)]
    money = payment(cast.client, "100.00")  # pays two lines and a half

    def allocate(i):
        try:
            payment_allocate(
                actor=cast.frontdesk, payment=money, amounts={f"line_{lines[i].pk.hex}": D("40.00")}
            )
            return "allocated"
        except ValidationError as refused:
            return "refused" if "left to allocate" in " ".join(refused.messages) else repr(refused)

    results = _race(allocate)
    assert results.count("allocated") == 2, results
    assert results.count("refused") == ATTEMPTS - 2, results
    assert payment_with_amounts(money.pk).unallocated == D("20.00")


def test_many_payments_never_pay_one_line_twice_over(cast):
    _, line = posted_charge(cast.client, "60.00")
    payments = [payment(cast.client, "60.00") for _ in range(ATTEMPTS)]

    def allocate(i):
        try:
            payment_allocate(
                actor=cast.frontdesk,
                payment=payments[i],
                amounts={f"line_{line.pk.hex}": D("45.00")},
            )
            return "allocated"
        except ValidationError:
            return "refused"

    results = _race(allocate)
    assert results.count("allocated") == 1, results
    assert sum(a.amount for a in PaymentAllocation.objects.all()) == D("45.00")


def test_invoices_issued_at_once_get_distinct_numbers(cast):
    clients = [ClientFactory(user=None) for _ in range(ATTEMPTS)]
    for client in clients:
        posted_charge(client, "60.00")

    def issue(i):
        return invoice_issue(actor=cast.biller, client=clients[i]).number

    numbers = _race(issue)
    assert all(str(n).startswith("INV-") for n in numbers), numbers
    assert len(set(numbers)) == ATTEMPTS


def test_one_clients_charges_land_on_one_invoice(cast):
    for _ in range(3):
        posted_charge(cast.client, "60.00")

    def issue(i):
        try:
            invoice_issue(actor=cast.biller, client=cast.client)
            return "issued"
        except ValidationError:
            return "nothing"

    results = _race(issue)
    assert results.count("issued") == 1, results
    assert Invoice.objects.count() == 1
    assert Charge.objects.filter(invoice__isnull=False).count() == 3
