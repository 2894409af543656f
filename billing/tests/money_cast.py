"""Billing's money objects of the test cast's `client` (for the URL x role matrix and the
money tests): a posted self-pay charge with one line (60.00) of `therapist`, a package
(950.00), a cash payment of 60.00 with 20.00 of it allocated to the line, and an invoice for
the charge and the package."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone

from billing.models import Invoice, PaymentAllocation
from billing.tests.factories import (
    ChargeFactory,
    ChargeLineFactory,
    PackageFactory,
    PaymentFactory,
    dx,
)


def money_cast(cast) -> SimpleNamespace:
    if hasattr(cast, "money"):
        return cast.money
    from scheduling.tests.factories import AppointmentFactory

    # A week ago: never overlapping the matrix's own appointment of `therapist` (tomorrow),
    # which PostgreSQL's exclusion constraint would refuse.
    appointment = AppointmentFactory(
        client=cast.client,
        therapist=cast.therapist.therapist_profile,
        starts_at=timezone.now() - dt.timedelta(days=7),
    )
    charge = ChargeFactory(appointment=appointment, status="posted", diagnoses=dx("M54.2"))
    line = ChargeLineFactory(charge=charge)  # 2 x 30.00
    package = PackageFactory(client=cast.client, sold_by=cast.frontdesk)
    payment = PaymentFactory(
        client=cast.client, amount=Decimal("60.00"), recorded_by=cast.frontdesk
    )
    allocation = PaymentAllocation.objects.create(
        payment=payment, line=line, amount=Decimal("20.00"), allocated_by=cast.frontdesk
    )
    invoice = Invoice.objects.create(
        number="INV-2026-0001",
        client=cast.client,
        issued_on=dt.date(2026, 3, 1),
        issued_by=cast.biller,
    )
    charge.invoice = invoice
    charge.save(update_fields=["invoice"])
    package.invoice = invoice
    package.save(update_fields=["invoice"])
    cast.money = SimpleNamespace(
        charge=charge,
        line=line,
        package=package,
        payment=payment,
        allocation=allocation,
        invoice=invoice,
    )
    return cast.money
