"""Invoices for clients who pay themselves (issue 18): issuing one for everything not yet
invoiced, and voiding one (its charges and packages can then be invoiced again). An issued
invoice never changes otherwise: what it bills is fixed by the rows pointing to it, and what
is still due on it comes from the payments allocated to those rows."""

from __future__ import annotations

import zlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models.functions import Length

from billing.models import Charge, Invoice, Package, PayerType
from clinic import audit
from clinic.clinic_time import today
from clinic.models import Client
from clinic.permissions import Can

NUMBER_ATTEMPTS = 5


def _require_biller(actor) -> None:
    if not Can(actor).bill:
        raise PermissionDenied("Only billing staff issue and void invoices.")


def invoiceable_charges(client):
    """The client's posted self-pay charges, not paid from a package, on no invoice yet."""
    return Charge.objects.filter(
        client=client,
        status=Charge.Status.POSTED,
        payer_type=PayerType.SELF_PAY,
        package__isnull=True,
        invoice__isnull=True,
    )


def invoiceable_packages(client):
    return Package.objects.filter(client=client, invoice__isnull=True)


def next_invoice_number(year: int) -> str:
    """INV-YYYY-NNNN, one more than the year's highest (a voided number is never reused)."""
    prefix = f"INV-{year}-"
    last = (
        Invoice.objects.filter(number__startswith=prefix)
        .order_by(Length("number").desc(), "-number")  # INV-2026-10000 after INV-2026-9999
        .values_list("number", flat=True)
        .first()
    )
    return f"{prefix}{int(last.removeprefix(prefix)) + 1 if last else 1:04d}"


@transaction.atomic
def invoice_issue(*, actor, client: Client) -> Invoice:
    """One invoice, numbered and issued today (clinic time), for the client's charges and
    packages not yet invoiced. Refused when there is nothing to invoice."""
    _require_biller(actor)
    # One clerk at a time invoices a client: a second waits here and then finds nothing left.
    client = Client.objects.select_for_update().get(pk=client.pk)
    charges, packages = invoiceable_charges(client), invoiceable_packages(client)
    charge_ids = list(charges.values_list("pk", flat=True))
    package_ids = list(packages.values_list("pk", flat=True))
    if not charge_ids and not package_ids:
        raise ValidationError(
            "Nothing to invoice: every posted self-pay charge and package of this client is "
            "on an invoice already."
        )
    issued_on = today()
    invoice = _numbered(client=client, issued_on=issued_on, issued_by=actor)
    Charge.objects.filter(pk__in=charge_ids).update(invoice=invoice)
    Package.objects.filter(pk__in=package_ids).update(invoice=invoice)
    audit.record(
        actor=actor,
        action="create",
        client=client,
        target=invoice,
        detail=f"invoice {invoice.number}: {len(charge_ids)} charges, {len(package_ids)} packages",
    )
    return invoice


def _numbered(**fields) -> Invoice:
    """Insert the invoice with the next free number. Clerks issuing at the same moment take
    numbers one at a time (a transaction-long lock on the year's numbering, on PostgreSQL; on
    SQLite one transaction writes at a time anyway). The unique index stays the final guard: a
    number taken after all is skipped and the next one tried."""
    _lock_numbering(fields["issued_on"].year)
    for _attempt in range(NUMBER_ATTEMPTS):
        number = next_invoice_number(fields["issued_on"].year)
        try:
            with transaction.atomic():  # a savepoint: a refused insert leaves ours usable
                return Invoice.objects.create(number=number, **fields)
        except IntegrityError:
            continue
    raise ValidationError("Could not number the invoice just now; please try again.")


def _lock_numbering(year: int) -> None:
    if connection.vendor == "postgresql":
        key = zlib.crc32(f"billing.invoice.number.{year}".encode())
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


@transaction.atomic
def invoice_void(*, actor, invoice: Invoice, reason: str) -> Invoice:
    """Void the invoice with a reason: its charges and packages are on no invoice again."""
    _require_biller(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the invoice is voided."})
    invoice = Invoice.objects.select_for_update().select_related("client").get(pk=invoice.pk)
    if invoice.status == Invoice.Status.VOID:
        raise ValidationError("This invoice is void already.")
    charges = Charge.objects.filter(invoice=invoice).update(invoice=None)
    packages = Package.objects.filter(invoice=invoice).update(invoice=None)
    invoice.status = Invoice.Status.VOID
    invoice.void_reason = reason[:300]
    invoice.save(update_fields=["status", "void_reason"])
    audit.record(
        actor=actor,
        action="update",
        client=invoice.client,
        target=invoice,
        detail=f"invoice {invoice.number} voided ({charges} charges, {packages} packages "
        f"released): {reason}",
    )
    return invoice
