"""A client's billing as their viewer may see it (issue 18): the staff page about one client,
the client's own page in the portal, and one invoice. Each read starts from `visible_to`, every
amount comes from `with_amounts()`, and what is clinical (diagnosis codes) is left out for a
viewer who may not see it (`Can.see_claim_codes`: not the front desk). A page costs the same
number of queries whatever the number of rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import F, Prefetch, Q

from billing.models import (
    Charge,
    ChargeLine,
    Coverage,
    CreditNote,
    Invoice,
    Package,
    PayerType,
    Payment,
    PaymentAllocation,
)
from billing.models.money import ZERO
from billing.querysets import sum_of
from billing.selectors.balances import client_balance
from clinic.clinic_time import today
from clinic.permissions import Can


@dataclass(frozen=True)
class ChargeRow:
    charge: Charge
    codes: str  # the lines' CPT codes (or the fee's description), e.g. "97124 x2, 97140"
    diagnoses: list = field(default_factory=list)  # empty for who may not see them
    invoiceable: bool = False  # self-pay, posted, not from a package, on no invoice


def _charge_rows(user, client) -> list[ChargeRow]:
    shows_codes = Can(user).see_claim_codes
    charges = (
        Charge.objects.visible_to(user)
        .filter(client=client, status__in=[Charge.Status.POSTED, Charge.Status.VOID])
        .with_amounts()
        .select_related("invoice", "package")
        .prefetch_related(
            Prefetch("lines", queryset=ChargeLine.objects.select_related("billing_code"))
        )
    )
    return [
        ChargeRow(
            charge=charge,
            codes=", ".join(
                f"{line.cpt or line.description} x{line.units}" for line in charge.lines.all()
            ),
            diagnoses=charge.diagnosis_codes if shows_codes else [],
            invoiceable=charge.status == Charge.Status.POSTED
            and charge.payer_type == PayerType.SELF_PAY
            and charge.package_id is None
            and charge.invoice_id is None,
        )
        for charge in charges
    ]


def _invoices(user, client):
    """The client's invoices, each with `due`: what its charges and packages still owe."""
    return (
        Invoice.objects.visible_to(user)
        .filter(client=client)
        .annotate(
            charges_due=sum_of(Charge.objects.with_amounts(), "invoice", "outstanding"),
            packages_due=sum_of(Package.objects.with_amounts(), "invoice", "outstanding"),
        )
        .annotate(due=F("charges_due") + F("packages_due"))
        .order_by("-issued_on", "-number")
    )


def _payments(user, client):
    return (
        Payment.objects.visible_to(user)
        .filter(client=client)
        .with_amounts()
        .select_related("method", "payer")
    )


def _packages(user, client):
    packages = list(
        Package.objects.visible_to(user)
        .filter(client=client)
        .with_amounts()
        .select_related("appointment_type", "invoice")
    )
    on = today()
    for package in packages:
        package.visits_left = max(package.visits - package.visits_used, 0)
        package.expired = package.expires_on is not None and package.expires_on < on
    return packages


def client_billing(user, client) -> dict:
    """Everything of the staff page about `client`'s billing (11 queries, whatever the rows)."""
    charges = _charge_rows(user, client)
    packages = _packages(user, client)
    return {
        "balance": client_balance(client, user=user),
        "charges": charges,
        "invoices": _invoices(user, client),
        "payments": _payments(user, client),
        "packages": packages,
        "coverages": Coverage.objects.visible_to(user)
        .filter(client=client)
        .select_related("payer"),
        "to_invoice": sum(row.invoiceable for row in charges)
        + sum(package.invoice_id is None for package in packages),
        "currency": settings.CLINIC_CURRENCY,
    }


def portal_billing(user, client) -> dict:
    """The client's own billing page: balance, invoices, payments, packages."""
    return {
        "balance": client_balance(client, user=user),
        "invoices": _invoices(user, client),
        "payments": _payments(user, client),
        "packages": _packages(user, client),
        "currency": settings.CLINIC_CURRENCY,
    }


# --- one invoice -----------------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceShown:
    invoice: Invoice
    lines: list
    packages: list
    credits: list
    allocations: list
    charges_total: Decimal
    packages_total: Decimal
    credited: Decimal
    paid: Decimal
    due: Decimal
    currency: str


def invoice_shown(user, invoice: Invoice) -> InvoiceShown:
    """The invoice page: its lines (date of service, CPT code and description, units,
    amount), packages, credits, payments allocated and what is still due (6 queries)."""
    lines = list(
        ChargeLine.objects.visible_to(user)
        .filter(charge__invoice=invoice)
        .select_related("charge", "billing_code")
        .order_by("charge__date_of_service", "charge__created_at", "position")
    )
    charges = list(Charge.objects.visible_to(user).filter(invoice=invoice).with_amounts())
    packages = list(
        Package.objects.visible_to(user)
        .filter(invoice=invoice)
        .with_amounts()
        .select_related("appointment_type")
    )
    credits = list(
        CreditNote.objects.visible_to(user)
        .filter(charge__invoice=invoice)
        .select_related("charge", "line")
    )
    allocations = list(
        PaymentAllocation.objects.visible_to(user)
        .filter(Q(line__charge__invoice=invoice) | Q(package__invoice=invoice))
        .select_related("payment__method")
        .order_by("payment__received_on", "allocated_at")
    )
    live = [c for c in charges if c.status != Charge.Status.VOID]
    return InvoiceShown(
        invoice=invoice,
        lines=lines,
        packages=packages,
        credits=credits,
        allocations=allocations,
        charges_total=sum((c.total for c in live), ZERO),
        packages_total=sum((p.price for p in packages), ZERO),
        credited=sum((c.credited for c in live), ZERO),
        paid=sum((a.amount for a in allocations), ZERO),
        due=sum((c.outstanding for c in charges), ZERO)
        + sum((p.outstanding for p in packages), ZERO),
        currency=settings.CLINIC_CURRENCY,
    )
