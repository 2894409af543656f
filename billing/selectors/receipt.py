"""An invoice / receipt's content (issue 18, item 7): what a self-pay client was billed on one
invoice (its posted charges' lines and its packages), the credit notes taken off, the payments
allocated to it, and the balance due ("Paid in full" at 0). No diagnosis code is on it: the
front desk hands it out. Amounts come from the `with_amounts()` querysets, the one definition
of what is owed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, Q

from billing.models import (
    Charge,
    ChargeLine,
    ClinicBilling,
    CreditNote,
    Invoice,
    Package,
    PaymentAllocation,
)
from billing.models.money import ZERO
from billing.selectors.superbill import BillingProvider, billing_provider_of


@dataclass(frozen=True)
class InvoiceLine:
    date: dt.date
    code: str  # CPT, empty for a package or a fee
    description: str
    modifiers: str
    units: int
    amount: Decimal


@dataclass(frozen=True)
class Credit:
    number: str
    date: dt.date
    amount: Decimal


@dataclass(frozen=True)
class PaymentRow:
    received_on: dt.date
    method: str
    reference: str
    amount: Decimal  # the part of the payment allocated to this invoice


@dataclass(frozen=True)
class InvoiceData:
    number: str
    issued_on: dt.date
    is_void: bool
    client_name: str
    client_address: str
    lines: list[InvoiceLine]
    credits: list[Credit]
    payments: list[PaymentRow]
    total: Decimal
    credited: Decimal
    paid: Decimal
    balance_due: Decimal
    billing_provider: BillingProvider | None

    @property
    def paid_in_full(self) -> bool:
        return not self.is_void and self.balance_due == ZERO


def invoice_data(invoice: Invoice) -> InvoiceData:
    """The invoice's content; a fixed number of queries whatever its length."""
    charges = list(
        Charge.objects.filter(invoice=invoice, status=Charge.Status.POSTED)
        .with_amounts()
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=ChargeLine.objects.select_related("billing_code").order_by("position"),
            )
        )
        .order_by("date_of_service", "created_at")
    )
    packages = list(
        Package.objects.filter(invoice=invoice).with_amounts().order_by("purchased_on", "name")
    )
    lines = [
        InvoiceLine(
            date=charge.date_of_service,
            code=line.cpt,
            description=line.description,
            modifiers=line.modifiers,
            units=line.units,
            amount=line.amount,
        )
        for charge in charges
        for line in charge.lines.all()
    ] + [
        InvoiceLine(
            date=package.purchased_on,
            code="",
            description=package.name,
            modifiers="",
            units=1,
            amount=package.price,
        )
        for package in packages
    ]
    charge_ids = [charge.pk for charge in charges]
    credits = [
        Credit(number=note.number, date=note.created_at.date(), amount=note.amount)
        for note in CreditNote.objects.filter(charge_id__in=charge_ids).order_by("created_at")
    ]
    allocations = (
        PaymentAllocation.objects.filter(
            Q(line__charge_id__in=charge_ids) | Q(package__in=packages)
        )
        .select_related("payment__method")
        .order_by("payment__received_on", "payment__recorded_at", "allocated_at")
    )
    return InvoiceData(
        number=invoice.number,
        issued_on=invoice.issued_on,
        is_void=invoice.status == Invoice.Status.VOID,
        client_name=f"{invoice.client.first_name} {invoice.client.last_name}",
        client_address=invoice.client.address,
        lines=lines,
        credits=credits,
        payments=_payments(allocations),
        total=_sum(charges, "total") + _sum(packages, "price"),
        credited=_sum(charges, "credited"),
        paid=_sum(charges, "paid") + _sum(packages, "paid"),
        balance_due=_sum(charges, "outstanding") + _sum(packages, "outstanding"),
        billing_provider=billing_provider_of(ClinicBilling.current()),
    )


def _payments(allocations) -> list[PaymentRow]:
    """One row per payment: what of it went to this invoice's lines and packages."""
    rows: dict = {}
    for allocation in allocations:
        payment = allocation.payment
        row = rows.get(payment.pk)
        amount = allocation.amount + (row.amount if row else ZERO)
        rows[payment.pk] = PaymentRow(
            received_on=payment.received_on,
            method=payment.method.name,
            reference=payment.reference,
            amount=amount,
        )
    return list(rows.values())


def _sum(rows, name: str) -> Decimal:
    return sum((getattr(row, name) for row in rows), ZERO)
