"""A client's balance (billing/selectors/balances.py): posted self-pay charges still owed, plus
packages still owed, less the client's credit; insurance apart; many clients in 3 queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from billing.models import Charge, PaymentAllocation
from billing.selectors.balances import Balance, client_balance, client_balances
from billing.services.payments import allocation_remove, payment_allocate, refund_record
from billing.tests.factories import PackageFactory, PayerFactory, method
from billing.tests.money_helpers import D, payment, posted_charge
from clinic.tests.factories import ClientFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_client_with_nothing_owes_nothing():
    balance = client_balance(ClientFactory())
    assert balance == Balance()
    assert balance.owed == D("0.00") and not balance.in_credit


def test_only_posted_self_pay_charges_not_from_a_package_are_owed():
    client = ClientFactory()
    posted_charge(client, "60.00")
    posted_charge(client, "70.00", status="draft")
    posted_charge(client, "80.00", status="void")
    posted_charge(client, "90.00", payer_type="commercial")
    package = PackageFactory(client=client, price=D("500.00"))
    posted_charge(client, "65.00", package=package)
    balance = client_balance(client)
    assert balance.charges_due == D("60.00")
    assert balance.packages_due == D("500.00")
    assert balance.insurance_outstanding == D("90.00")
    assert balance.owed == D("560.00")


def test_allocating_moves_credit_onto_the_debt_and_a_refund_takes_credit_away():
    client = ClientFactory()
    _, line = posted_charge(client, "60.00")
    cashier = UserFactory(role="front_desk")
    money = payment(client, "100.00")
    assert client_balance(client).credit == D("100.00")
    assert client_balance(client).owed == D("-40.00")
    assert client_balance(client).credit_left == D("40.00")

    payment_allocate(actor=cashier, payment=money, amounts={f"line_{line.pk.hex}": D("60.00")})
    after = client_balance(client)
    assert (after.charges_due, after.credit, after.owed) == (D("0.00"), D("40.00"), D("-40.00"))

    refund_record(actor=cashier, payment=money, amount=D("40.00"), method=method("cash"),
                  reason="moved away")  # fmt: skip
    assert client_balance(client) == Balance()

    allocation = PaymentAllocation.objects.get(payment=money)
    allocation_remove(actor=cashier, allocation=allocation, reason="wrong client")
    taken_back = client_balance(client)
    assert (taken_back.charges_due, taken_back.credit) == (D("60.00"), D("60.00"))
    assert taken_back.owed == D("0.00")


def test_an_insurers_unallocated_payment_is_not_the_clients_credit():
    client = ClientFactory()
    posted_charge(client, "60.00")
    payment(client, "100.00", by="insurance", payer=PayerFactory(), reference="EOB-1")
    assert client_balance(client).credit == D("0.00")
    assert client_balance(client).owed == D("60.00")


def test_a_credit_note_lowers_what_is_owed():
    from billing.models import CreditNote

    client = ClientFactory()
    charge, line = posted_charge(client, "60.00")
    biller = UserFactory(role="billing")
    CreditNote.objects.create(
        number="CN-9", charge=charge, line=line, amount=D("15.00"), reason="x", created_by=biller
    )
    assert client_balance(client).charges_due == D("45.00")


def test_the_balance_reads_only_what_the_viewer_may_see():
    client = ClientFactory()
    posted_charge(client, "60.00")
    physician = UserFactory(role="physician")
    assert client_balance(client, user=physician) == Balance()
    assert client_balance(client, user=UserFactory(role="front_desk")).owed == D("60.00")


def _clients_with_debts(n):
    clients = [ClientFactory() for _ in range(n)]
    for client in clients:
        posted_charge(client, "60.00")
        PackageFactory(client=client, price=D("100.00"))
        payment(client, "30.00")
    return clients


@pytest.mark.parametrize("n", [3, 30])
def test_many_balances_cost_three_queries_whatever_the_number(n, django_assert_num_queries):
    clients = _clients_with_debts(n)
    with django_assert_num_queries(3):  # charges, packages, payments: grouped by client
        balances = client_balances(clients)
    assert len(balances) == n
    assert all(b.owed == D("130.00") for b in balances.values())


def test_many_balances_agree_with_one_at_a_time():
    clients = _clients_with_debts(3)
    Charge.objects.filter(client=clients[0]).update(status="void", void_reason="test")
    many = client_balances(clients)
    assert all(many[c.pk] == client_balance(c) for c in clients)
    assert many[clients[0].pk].charges_due == D("0.00")


def test_cents_stay_cents_when_the_database_sums_in_floating_point(cast):
    """60.10 less 0.10 paid is 60.00 owed, which a payment of 60.00 then pays in full."""
    _, line = posted_charge(cast.client, "60.10")
    key = f"line_{line.pk.hex}"
    payment_allocate(actor=cast.frontdesk, payment=payment(cast.client, "0.10"),
                     amounts={key: D("0.10")})  # fmt: skip
    assert client_balance(cast.client).charges_due == D("60.00")
    payment_allocate(actor=cast.frontdesk, payment=payment(cast.client, "60.00"),
                     amounts={key: D("60.00")})  # fmt: skip
    assert client_balance(cast.client) == Balance()


def test_the_client_page_shows_the_balance(client, cast):
    posted_charge(cast.client, "60.00")
    payment(cast.client, "25.00")
    client.force_login(cast.frontdesk)
    response = client.get(reverse("billing_client", args=[cast.client.pk]))
    assert response.context["balance"].owed == D("35.00")
    assert b"35.00" in response.content
