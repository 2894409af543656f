"""Reads about money received: what a payment may still be allocated to, a payment with its
amounts, and the payments received on one day. Amounts come from `with_amounts()` only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Sum

from billing.models import ChargeLine, Package, Payment
from billing.models.money import ZERO, cents


@dataclass(frozen=True)
class Target:
    """Something a payment can be allocated to: a charge line or a package, still owing."""

    key: str  # "line_<hex>" or "package_<hex>": also the allocation form's field name
    kind: str  # "line" or "package"
    pk: object
    on: dt.date  # date of service, or the day the package was bought
    label: str
    outstanding: Decimal


def target_key(kind: str, pk) -> str:
    return f"{kind}_{pk.hex}"


def allocation_targets(payment: Payment, *, user=None) -> list[Target]:
    """The client's charge lines and packages that still owe something, oldest first
    (2 queries). Lines are those of posted charges not paid from a package."""
    lines = ChargeLine.objects.visible_to(user) if user is not None else ChargeLine.objects
    packages = Package.objects.visible_to(user) if user is not None else Package.objects
    targets = [
        Target(
            key=target_key("line", line.pk),
            kind="line",
            pk=line.pk,
            on=line.charge.date_of_service,
            label=_line_label(line),
            outstanding=cents(line.outstanding),
        )
        for line in lines.filter(charge__client_id=payment.client_id, charge__status="posted")
        .with_amounts()
        .filter(outstanding__gt=0)
        .select_related("charge", "billing_code")
        .order_by("charge__date_of_service", "charge__created_at", "position")
    ]
    targets += [
        Target(
            key=target_key("package", package.pk),
            kind="package",
            pk=package.pk,
            on=package.purchased_on,
            label=f"Package: {package.name} ({package.visits} visits)",
            outstanding=cents(package.outstanding),
        )
        for package in packages.filter(client_id=payment.client_id)
        .with_amounts()
        .filter(outstanding__gt=0)
        .order_by("purchased_on", "created_at")
    ]
    # Stable: lines keep their order among themselves, a package goes by its purchase day.
    return sorted(targets, key=lambda target: target.on)


def _line_label(line: ChargeLine) -> str:
    code = line.cpt or line.charge.get_kind_display()
    return f"{code} {line.description}".strip() if line.cpt else line.description or code


def payment_with_amounts(payment_id, *, user=None) -> Payment:
    """The payment (allocated, refunded, unallocated on it, to the cent) with its method and
    client, or DoesNotExist."""
    payments = Payment.objects.visible_to(user) if user is not None else Payment.objects
    payment = payments.with_amounts().select_related("method", "payer", "client").get(pk=payment_id)
    return to_the_cent(payment, "allocated", "refunded", "unallocated")


def to_the_cent(row, *names: str):
    """Round the row's annotated amounts to the cent: SQLite sums and differences come back
    as 60 or 59.99999999999999, and a comparison with what a user typed must not see that."""
    for name in names:
        setattr(row, name, cents(getattr(row, name)))
    return row


@dataclass(frozen=True)
class DayTakings:
    count: int
    total: Decimal
    currency: str


def payments_received(user, day: dt.date) -> DayTakings:
    """How many payments were received on `day` and their total (1 query)."""
    totals = (
        Payment.objects.visible_to(user)
        .filter(received_on=day)
        .aggregate(count=Count("pk"), total=Sum("amount"))
    )
    return DayTakings(
        count=totals["count"],
        total=cents(totals["total"] or ZERO),
        currency=settings.CLINIC_CURRENCY,
    )
