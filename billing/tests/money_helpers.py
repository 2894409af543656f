"""Small makers for the money tests: posted charges of one line, packages, payments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from billing.tests.factories import ChargeFactory, ChargeLineFactory, PaymentFactory, method


def posted_charge(client, amount="60.00", *, days_ago=10, status="posted", **fields):
    """A charge of `client` with one line of `amount` (1 unit), `days_ago` days ago."""
    from scheduling.tests.factories import AppointmentFactory

    appointment = AppointmentFactory(
        client=client, starts_at=timezone.now() - dt.timedelta(days=days_ago)
    )
    if status == "void":
        fields.setdefault("void_reason", "entered twice")
    charge = ChargeFactory(appointment=appointment, status=status, **fields)
    line = ChargeLineFactory(charge=charge, units=1, unit_fee=Decimal(amount))
    return charge, line


def payment(client, amount="100.00", *, by="cash", **fields):
    return PaymentFactory(client=client, amount=Decimal(amount), method=method(by), **fields)


def D(text: str) -> Decimal:
    return Decimal(text)
