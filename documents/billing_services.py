"""Billing documents (superbills, invoices / receipts): requesting, rendering, retrying,
sweeping. The same pipeline as plan PDFs (documents/pipeline.py), on its own table:

- a request writes a `BillingDocument` row (pending) and its audit entry in one transaction;
  the Celery message, sent after commit, only wakes a worker (a broker outage is shrugged
  off: the sweep wakes one later);
- a render claims the row with a conditional UPDATE (status "rendering", `started_at` as the
  claim's token, a lease renewed by a heartbeat thread); only the holder of the token marks it
  ready or failed, so a duplicate delivery renders at most once;
- a worker killed mid-render stops renewing its lease; the sweep (every 15 s, beat) wakes a
  worker for it, and gives it up as failed after MAX_ATTEMPTS claims;
- a failed document goes back in the queue when someone allowed to ask for it retries.

Who may ask: billing staff and the admin, any document; the front desk, invoices / receipts
only (a superbill holds diagnosis codes); a client, superbills of their own dates. Therapists
and physicians never.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from billing.models import Invoice
from billing.selectors.superbill import posted_charge_count
from clinic import audit
from clinic.clinic_time import today
from clinic.models import Client
from clinic.roles import BILLING_ROLES, Role, role_of
from clinic.wakeups import wake
from documents.models import BillingDocument
from documents.pipeline import UNCLAIMED_AFTER, Pipeline, render_failure

logger = logging.getLogger(__name__)
Kind = BillingDocument.Kind
Status = BillingDocument.Status

# A superbill covers at most a year of dates of service (a leap year's 366 days).
MAX_RANGE_DAYS = 366
NOTHING_TO_BILL = "No posted charge between these dates: there is nothing to put on a superbill."


# --- who may ask ---------------------------------------------------------------------------


def may_request(user, *, kind: str, client: Client) -> bool:
    """Whether `user` may ask for (or retry) a document of this kind about `client`."""
    role = role_of(user)
    if role in BILLING_ROLES:
        return True
    if role == Role.FRONT_DESK:
        return kind == Kind.INVOICE
    if role == Role.CLIENT:
        return kind == Kind.SUPERBILL and client.user_id == user.pk
    return False


def superbill_range_errors(date_from, date_to) -> dict[str, str]:
    """What is wrong with a superbill's date range, by field (empty: nothing)."""
    errors: dict[str, str] = {}
    now = today()
    if date_from and date_from > now:
        errors["date_from"] = "This date is in the future: a superbill lists services given."
    if date_to and date_to > now:
        errors["date_to"] = "This date is in the future: a superbill lists services given."
    if date_from and date_to and "date_to" not in errors:
        if date_to < date_from:
            errors["date_to"] = "The last date comes before the first date."
        elif (date_to - date_from).days + 1 > MAX_RANGE_DAYS:
            errors["date_to"] = (
                f"A superbill covers at most {MAX_RANGE_DAYS} days: choose a shorter range."
            )
    return errors


# --- requesting ------------------------------------------------------------------------------


def billing_document_request(
    *,
    actor,
    client: Client,
    kind: str,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    invoice: Invoice | None = None,
) -> BillingDocument:
    """Owe a billing document: a superbill of `client`'s dates of service [from, to], or the
    invoice / receipt of `invoice`. A request equal to one still being prepared returns that
    one rather than rendering twice; a ready document is a snapshot, so asking again after
    new payments makes a new one."""
    if kind == Kind.INVOICE:
        if invoice is None or invoice.client_id != client.pk:
            raise ValueError("An invoice document needs an invoice of this client.")
        date_from = date_to = None
    elif kind == Kind.SUPERBILL:
        if date_from is None or date_to is None:
            raise ValueError("A superbill needs a first and a last date of service.")
        errors = superbill_range_errors(date_from, date_to)
        if errors:
            raise ValueError(" ".join(errors.values()))
        if not posted_charge_count(client, date_from, date_to):
            raise ValueError(NOTHING_TO_BILL)
        invoice = None
    else:
        raise ValueError(f"Unknown billing document kind: {kind}")
    if not may_request(actor, kind=kind, client=client):
        raise PermissionDenied("You may not ask for this billing document.")
    with transaction.atomic():
        same = BillingDocument.objects.select_for_update().filter(
            client=client,
            kind=kind,
            date_from=date_from,
            date_to=date_to,
            invoice=invoice,
            status__in=[Status.PENDING, Status.RENDERING],
        )
        existing = same.first()
        if existing is not None:
            return existing
        document = BillingDocument.objects.create(
            client=client,
            kind=kind,
            date_from=date_from,
            date_to=date_to,
            invoice=invoice,
            requested_by=actor,
        )
        audit.record(
            actor=actor,
            action="create",
            client=client,
            target=document,
            detail=_describe(document) + " requested",
        )
        _enqueue(document)
    return document


def billing_document_retry(*, actor, document: BillingDocument) -> BillingDocument:
    """Put a failed document back in the queue."""
    if not may_request(actor, kind=document.kind, client=document.client):
        raise PermissionDenied("You may not ask for this billing document.")
    with transaction.atomic():
        revived = BillingDocument.objects.filter(pk=document.pk, status=Status.FAILED).update(
            status=Status.PENDING,
            started_at=None,
            lease_until=None,
            woken_at=None,
            attempts=0,
            error="",
            finished_at=None,
        )
        if revived != 1:
            raise ValueError("Only a document that failed can be retried.")
        audit.record(
            actor=actor,
            action="update",
            client=document.client,
            target=document,
            detail=_describe(document) + " retried",
        )
        _enqueue(document)
    document.refresh_from_db()
    return document


def _describe(document: BillingDocument) -> str:
    if document.kind == Kind.INVOICE:
        return f"invoice {document.invoice.number} PDF"
    return f"superbill {document.date_from.isoformat()} to {document.date_to.isoformat()}"


def _enqueue(document: BillingDocument) -> None:
    doc_id = str(document.pk)
    transaction.on_commit(lambda: _wake_render(doc_id))


def _wake_render(doc_id, *, now: dt.datetime | None = None) -> bool:
    from documents.tasks import render_billing_document

    if not wake(render_billing_document, str(doc_id)):
        return False
    BillingDocument.objects.filter(pk=doc_id).update(woken_at=now or timezone.now())
    return True


# --- rendering (called by the task) ----------------------------------------------------------


def billing_document_render(*, doc_id: str) -> bool:
    """Render and store the document if this call wins the claim; True when it did."""
    done = PIPELINE.run(
        doc_id, lambda token: _render_and_store(doc_id, token), reason_for=render_failure
    )
    if done:
        logger.info("billing document %s ready", doc_id)
    return done


PIPELINE = Pipeline(
    model=BillingDocument,
    label="billing document",
    wake=lambda doc_id, now: _wake_render(doc_id, now=now),
    working=Status.RENDERING,
)


def _render_and_store(doc_id, token) -> bool:
    from documents.billing_pdf import billing_document_pdf

    document = BillingDocument.objects.select_related("client", "invoice__client").get(pk=doc_id)
    content = billing_document_pdf(document)
    # A random name: the path tells nothing about the client and cannot be guessed.
    name = document.file.storage.save(f"billing/{secrets.token_hex(16)}.pdf", ContentFile(content))
    marked = PIPELINE.mine(doc_id, token).update(
        status=Status.READY,
        file=name,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        finished_at=timezone.now(),
        lease_until=None,
        error="",
    )
    if marked != 1:
        document.file.storage.delete(name)
        logger.warning("billing document %s: claim lost during render, file discarded", doc_id)
        return False
    return True


# --- sweeping (periodic) -----------------------------------------------------------------------


def billing_document_sweep(
    *, now: dt.datetime | None = None, unclaimed_after=UNCLAIMED_AFTER
) -> int:
    """Wake a worker for documents still owed: never woken (the broker was down), woken but
    unclaimed for `unclaimed_after` (a lost message), or claimed by a worker whose lease
    lapsed (it died). Gives up on those claimed MAX_ATTEMPTS times. Returns how many woke."""
    return PIPELINE.sweep(now=now or timezone.now(), unclaimed_after=unclaimed_after)
