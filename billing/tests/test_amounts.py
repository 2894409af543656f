"""What is owed: one definition of credited, paid and outstanding (billing/querysets.py),
summed without counting a line twice when it has several payments and credits."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.models import Charge, ChargeLine, CreditNote, Package, Payment, PaymentAllocation
from billing.tests.factories import (
    ChargeFactory,
    ChargeLineFactory,
    PackageFactory,
    PaymentFactory,
    method,
)
from clinic.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _posted_charge_with_two_lines():
    charge = ChargeFactory(status="posted")
    first = ChargeLineFactory(charge=charge, units=2, unit_fee=Decimal("30.00"))  # 60.00
    second = ChargeLineFactory(charge=charge, units=1, unit_fee=Decimal("35.00"), position=2)
    return charge, first, second


def test_two_payments_and_a_credit_on_one_line_are_each_counted_once():
    charge, first, second = _posted_charge_with_two_lines()
    biller = UserFactory(role="billing")
    for amount in ("20.00", "15.00"):
        payment = PaymentFactory(client=charge.client, amount=Decimal(amount))
        PaymentAllocation.objects.create(
            payment=payment, line=first, amount=Decimal(amount), allocated_by=biller
        )
    CreditNote.objects.create(
        number="CN-1", charge=charge, line=first, amount=Decimal("5.00"), reason="courtesy",
        created_by=biller,
    )  # fmt: skip

    line = ChargeLine.objects.with_amounts().get(pk=first.pk)
    assert (line.paid, line.credited, line.outstanding) == (
        Decimal("35.00"), Decimal("5.00"), Decimal("20.00"),
    )  # fmt: skip
    whole = Charge.objects.with_amounts().get(pk=charge.pk)
    assert (whole.total, whole.paid, whole.credited, whole.outstanding) == (
        Decimal("95.00"), Decimal("35.00"), Decimal("5.00"), Decimal("55.00"),
    )  # fmt: skip


@pytest.mark.parametrize("status", ["draft", "void"])
def test_a_draft_or_void_charge_owes_nothing(status):
    charge = ChargeFactory(status=status, void_reason="entered twice" if status == "void" else "")
    ChargeLineFactory(charge=charge)
    assert Charge.objects.with_amounts().get(pk=charge.pk).outstanding == Decimal("0.00")


def test_a_visit_paid_from_a_package_owes_nothing_but_the_package_owes_its_price():
    charge, *_ = _posted_charge_with_two_lines()
    package = PackageFactory(client=charge.client, price=Decimal("500.00"))
    Charge.objects.filter(pk=charge.pk).update(package=package)
    payment = PaymentFactory(client=charge.client, amount=Decimal("300.00"), method=method("card"))
    PaymentAllocation.objects.create(
        payment=payment, package=package, amount=Decimal("200.00"), allocated_by=payment.recorded_by
    )
    assert Charge.objects.with_amounts().get(pk=charge.pk).outstanding == Decimal("0.00")
    package = Package.objects.with_amounts().get(pk=package.pk)
    assert (package.paid, package.outstanding) == (Decimal("200.00"), Decimal("300.00"))
    payment = Payment.objects.with_amounts().get(pk=payment.pk)
    assert (payment.allocated, payment.unallocated) == (Decimal("200.00"), Decimal("100.00"))


def test_amounts_come_back_to_the_cent_even_where_the_database_adds_floats():
    """SQLite adds decimals as floating point: 60.00 - 59.99 - 0.01 is not 0 there."""
    charge = ChargeFactory(status="posted")
    line = ChargeLineFactory(charge=charge, units=2, unit_fee=Decimal("30.00"))
    biller = UserFactory(role="billing")
    payment = PaymentFactory(client=charge.client, amount=Decimal("0.30"))
    for amount in ("0.10", "0.20"):
        PaymentAllocation.objects.create(
            payment=payment, line=line, amount=Decimal(amount), allocated_by=biller
        )
    CreditNote.objects.create(
        number="CN-2", charge=charge, line=line, amount=Decimal("59.70"), reason="goodwill",
        created_by=biller,
    )  # fmt: skip
    assert ChargeLine.objects.with_amounts().get(pk=line.pk).outstanding == 0
    assert Charge.objects.with_amounts().filter(outstanding__gt=0).count() == 0
    assert Payment.objects.with_amounts().get(pk=payment.pk).unallocated == 0
