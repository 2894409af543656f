"""Billing documents (issue 18, item 7): the superbill and the invoice / receipt read back from
the PDF with pypdf, the pipeline (request -> task -> ready, eager Celery) with its failure,
retry and sweep, who may ask and who may read, the pages and the download."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import re
from decimal import Decimal

import pypdf
import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from billing.tests.test_superbill_data import (
    FIRST_DAY,
    SECOND_DAY,
    make_invoice,
    superbill_case,
)
from clinic.clinic_time import today
from clinic.models import AuditEntry
from clinic.permissions import Can
from clinic.roles import Role
from clinic.storage import PRIVATE_CACHE_CONTROL
from clinic.tests.factories import UserFactory
from documents import billing_pdf, billing_views
from documents import pdf as pdf_module
from documents.billing_services import (
    MAX_RANGE_DAYS,
    NOTHING_TO_BILL,
    billing_document_render,
    billing_document_request,
    billing_document_sweep,
)
from documents.models import BillingDocument
from documents.pipeline import LEASE, MAX_ATTEMPTS, WAKE_GRACE

Kind = BillingDocument.Kind
Status = BillingDocument.Status


def pdf_text(document: BillingDocument) -> str:
    with document.file.open("rb") as handle:
        reader = pypdf.PdfReader(io.BytesIO(handle.read()))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture
def ask(django_capture_on_commit_callbacks):
    """billing_document_request with its on_commit wake-up run (eager: rendered inline)."""

    def run(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            document = billing_document_request(**kwargs)
        document.refresh_from_db()
        return document

    return run


@pytest.fixture
def case(cast):
    return superbill_case(client=cast.client)


def _superbill(ask, case, actor):
    return ask(
        actor=actor,
        client=case.client,
        kind=Kind.SUPERBILL,
        date_from=case.date_from,
        date_to=case.date_to,
    )


# --- content -----------------------------------------------------------------------------------


def test_the_superbill_pdf_holds_the_cms_1500_data_elements(cast, case, ask):
    document = _superbill(ask, case, cast.biller)

    assert document.status == Status.READY, document.error
    text = pdf_text(document)
    assert "Oriana Quillfeather" in text  # the patient
    assert "XJH123456789" in text  # insured's id
    assert "G-4471" in text  # group number
    assert "Evergreen Health Plan" in text
    # Diagnoses with their pointer letters, and each line's pointers.
    assert "A M54.2 Cervicalgia" in text
    assert "B M62.838" in text
    assert "C G44.209" in text
    # Date, place of service 11, CPT, modifiers, pointers, charge, units, rendering NPI.
    assert "Mon 2 Mar 2026 11 97140" in text
    assert "GP AB 90.00 2 " + case.identity.npi in text
    assert "97124" in text and "GP 59 B 40.00 1" in text
    assert "Mon 9 Mar 2026 11 97112" in text and "GP AC 50.00 1" in text
    assert "Total charges [28] 180.00" in text
    assert "Amount paid [29] 60.00" in text
    assert "Balance 120.00" in text
    assert case.provider.npi in text  # billing NPI
    assert "12-3456789" in text  # EIN
    assert "225700000X" in text
    assert "Signature on file" in text
    assert "Page 1 of" in text  # the stylesheet was fetched and applied


def test_the_superbill_prints_no_iso_dates(cast, case):
    document = BillingDocument(
        kind=Kind.SUPERBILL, client=case.client, date_from=case.date_from, date_to=case.date_to
    )
    html = billing_pdf.billing_document_html(document)
    text = re.sub(r"<[^>]+>", " ", html)
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", text)


def test_the_file_is_recorded_privately(cast, case, ask):
    document = _superbill(ask, case, cast.biller)

    with document.file.open("rb") as handle:
        content = handle.read()
    assert content.startswith(b"%PDF-")
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert (document.size, document.attempts) == (len(content), 1)
    assert cast.client.last_name not in document.file.name
    assert document.file.name.startswith("billing/")
    with pytest.raises(ValueError):
        _ = document.file.url


def test_the_invoice_pdf_and_the_receipt(cast, ask):
    owing = make_invoice(cast.client, issued_by=cast.biller, paid=Decimal("60.00"))
    document = ask(
        actor=cast.frontdesk, client=cast.client, kind=Kind.INVOICE, invoice=owing.invoice
    )
    assert document.status == Status.READY, document.error
    text = pdf_text(document)
    assert "Invoice INV-0042" in text
    assert "Oriana Quillfeather" in text
    assert "950.00" in text and "Total 1010.00" in text
    assert "Balance due (USD) 950.00" in text
    assert "Paid in full" not in text
    assert "M54.2" not in text  # no diagnosis on what the front desk hands out

    paid = make_invoice(
        cast.client, issued_by=cast.biller, number="INV-0043", paid=Decimal("1010.00")
    )
    receipt = ask(actor=cast.biller, client=cast.client, kind=Kind.INVOICE, invoice=paid.invoice)
    text = pdf_text(receipt)
    assert "Receipt for invoice INV-0043" in text
    assert "Balance due (USD) 0.00" in text
    assert "Paid in full" in text
    assert "R-77" in text  # the payment's reference


def test_billing_documents_render_without_warnings(cast, case, caplog):
    made = make_invoice(cast.client, issued_by=cast.biller)
    superbill = BillingDocument(
        kind=Kind.SUPERBILL, client=case.client, date_from=case.date_from, date_to=case.date_to
    )
    invoice = BillingDocument(kind=Kind.INVOICE, client=cast.client, invoice=made.invoice)
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        for document in (superbill, invoice):
            assert billing_pdf.billing_document_pdf(document).startswith(b"%PDF-")
    assert not caplog.records


# --- the pipeline ------------------------------------------------------------------------------


def test_a_request_is_audited_and_asking_again_while_pending_makes_no_second_row(
    cast, case, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():  # not woken yet
        first = billing_document_request(
            actor=cast.biller,
            client=case.client,
            kind=Kind.SUPERBILL,
            date_from=case.date_from,
            date_to=case.date_to,
        )
        again = billing_document_request(
            actor=cast.biller,
            client=case.client,
            kind=Kind.SUPERBILL,
            date_from=case.date_from,
            date_to=case.date_to,
        )
    assert again.pk == first.pk
    assert BillingDocument.objects.count() == 1
    entry = AuditEntry.objects.get(action="create", object_id=str(first.pk))
    assert (entry.actor, entry.client) == (cast.biller, cast.client)
    assert "superbill" in entry.detail


def test_a_second_delivery_does_nothing(cast, case, ask):
    document = _superbill(ask, case, cast.biller)
    assert billing_document_render(doc_id=str(document.pk)) is False
    document.refresh_from_db()
    assert document.attempts == 1


def test_failure_is_recorded_without_billing_data_then_retry_succeeds(
    cast, case, ask, client, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broken(html):
        raise RuntimeError("cannot lay out Oriana Quillfeather M54.2")

    monkeypatch.setattr(pdf_module, "html_to_pdf", broken)
    with caplog.at_level(logging.INFO):
        document = _superbill(ask, case, cast.biller)
    assert document.status == Status.FAILED
    assert document.error == "Rendering failed (RuntimeError)."
    assert "Quillfeather" not in caplog.text

    monkeypatch.undo()
    client.force_login(cast.biller)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("billing_document_retry", args=[document.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("billing_documents", args=[cast.client.pk])
    document.refresh_from_db()
    assert document.status == Status.READY
    assert AuditEntry.objects.filter(action="update", object_id=str(document.pk)).exists()


def test_retry_is_for_failed_documents_and_those_who_may_ask(cast, case, ask, client):
    document = _superbill(ask, case, cast.biller)
    url = reverse("billing_document_retry", args=[document.pk])
    client.force_login(cast.therapist)
    assert client.post(url).status_code == 403
    client.force_login(cast.frontdesk)
    assert client.post(url).status_code == 404  # a superbill: not theirs to see
    client.force_login(cast.biller)
    response = client.post(url, follow=True)
    assert b"Only a document that failed can be retried." in response.content


def test_a_transient_error_gives_the_claim_back(cast, case, monkeypatch):
    document = BillingDocument.objects.create(
        kind=Kind.SUPERBILL,
        client=case.client,
        date_from=case.date_from,
        date_to=case.date_to,
        requested_by=cast.biller,
    )
    monkeypatch.setattr(
        pdf_module, "html_to_pdf", lambda html: (_ for _ in ()).throw(OSError("disk full"))
    )
    with pytest.raises(OSError):
        billing_document_render(doc_id=str(document.pk))
    document.refresh_from_db()
    assert (document.status, document.started_at, document.attempts) == (Status.PENDING, None, 1)
    monkeypatch.undo()
    assert billing_document_render(doc_id=str(document.pk)) is True


def test_the_sweep_finishes_what_a_dead_worker_left_and_wakes_the_never_woken(cast, case):
    dead = BillingDocument.objects.create(
        kind=Kind.SUPERBILL,
        client=case.client,
        date_from=case.date_from,
        date_to=case.date_to,
        requested_by=cast.biller,
    )
    claimed = timezone.now() - LEASE - dt.timedelta(seconds=1)
    BillingDocument.objects.filter(pk=dead.pk).update(
        status=Status.RENDERING, started_at=claimed, lease_until=claimed + LEASE, attempts=1
    )
    made = make_invoice(cast.client, issued_by=cast.biller)
    never_woken = BillingDocument.objects.create(
        kind=Kind.INVOICE, client=cast.client, invoice=made.invoice, requested_by=cast.biller
    )
    assert billing_document_sweep() == 1  # the dead one; the new one's wake-up may be coming
    later = timezone.now() + WAKE_GRACE + dt.timedelta(seconds=1)
    assert billing_document_sweep(now=later) == 1  # eager: rendered as it was woken
    dead.refresh_from_db()
    never_woken.refresh_from_db()
    assert (dead.status, dead.attempts, dead.lease_until) == (Status.READY, 2, None)
    assert never_woken.status == Status.READY
    assert billing_document_sweep(now=later) == 0


def test_the_sweep_gives_up_on_a_document_that_always_kills_its_worker(cast, case):
    document = BillingDocument.objects.create(
        kind=Kind.SUPERBILL,
        client=case.client,
        date_from=case.date_from,
        date_to=case.date_to,
        requested_by=cast.biller,
    )
    long_ago = timezone.now() - dt.timedelta(minutes=10)
    BillingDocument.objects.filter(pk=document.pk).update(
        status=Status.RENDERING,
        started_at=long_ago,
        lease_until=long_ago + LEASE,
        attempts=MAX_ATTEMPTS,
    )
    assert billing_document_sweep() == 0
    document.refresh_from_db()
    assert document.status == Status.FAILED
    assert document.error


def test_beat_sweeps_billing_documents():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "documents.tasks.sweep_billing_documents" in tasks


# --- who may ask, who may read -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "kind", "allowed"),
    [
        ("admin", Kind.SUPERBILL, True),
        ("biller", Kind.SUPERBILL, True),
        ("frontdesk", Kind.SUPERBILL, False),  # a superbill holds diagnoses
        ("frontdesk", Kind.INVOICE, True),
        ("client_user", Kind.SUPERBILL, True),  # their own dates
        ("client_user", Kind.INVOICE, False),
        ("client2_user", Kind.SUPERBILL, False),
        ("therapist", Kind.SUPERBILL, False),
        ("therapist", Kind.INVOICE, False),
        ("physician_user", Kind.SUPERBILL, False),
        ("physician_user", Kind.INVOICE, False),
    ],
)
def test_who_may_ask(cast, role, kind, allowed, django_capture_on_commit_callbacks):
    made = make_invoice(cast.client, issued_by=cast.biller)
    extra = (
        {"invoice": made.invoice}
        if kind == Kind.INVOICE
        else {"date_from": FIRST_DAY, "date_to": SECOND_DAY}
    )
    with django_capture_on_commit_callbacks():
        if allowed:
            billing_document_request(
                actor=getattr(cast, role), client=cast.client, kind=kind, **extra
            )
        else:
            with pytest.raises(PermissionDenied):
                billing_document_request(
                    actor=getattr(cast, role), client=cast.client, kind=kind, **extra
                )
    assert BillingDocument.objects.exists() is allowed


@pytest.mark.parametrize(
    ("date_from", "date_to"),
    [
        (SECOND_DAY, FIRST_DAY),  # backwards
        (FIRST_DAY, None),
        (None, None),
    ],
)
def test_the_service_refuses_a_bad_range_or_a_stranger_invoice(cast, date_from, date_to):
    with pytest.raises(ValueError):
        billing_document_request(
            actor=cast.biller,
            client=cast.client,
            kind=Kind.SUPERBILL,
            date_from=date_from,
            date_to=date_to,
        )
    made = make_invoice(cast.client2, issued_by=cast.biller)
    with pytest.raises(ValueError):
        billing_document_request(
            actor=cast.biller, client=cast.client, kind=Kind.INVOICE, invoice=made.invoice
        )
    assert not BillingDocument.objects.exists()


def test_visible_to_each_role(cast):
    made = make_invoice(cast.client, issued_by=cast.biller)
    superbill = BillingDocument.objects.create(
        kind=Kind.SUPERBILL,
        client=cast.client,
        date_from=FIRST_DAY,
        date_to=SECOND_DAY,
        requested_by=cast.biller,
    )
    invoice = BillingDocument.objects.create(
        kind=Kind.INVOICE, client=cast.client, invoice=made.invoice, requested_by=cast.biller
    )
    other = BillingDocument.objects.create(
        kind=Kind.SUPERBILL,
        client=cast.client2,
        date_from=FIRST_DAY,
        date_to=SECOND_DAY,
        requested_by=cast.biller,
    )
    everything = {superbill, invoice, other}
    expected = {
        "admin": everything,
        "biller": everything,
        "frontdesk": {invoice},
        "client_user": {superbill, invoice},
        "client2_user": {other},
        "therapist": set(),
        "physician_user": set(),
    }
    for role, documents in expected.items():
        seen = set(BillingDocument.objects.visible_to(getattr(cast, role)))
        assert seen == documents, role


def test_the_pages_admit_exactly_the_roles_can_offers_them_to():
    readers = set(Can.take_payments.fget.roles)
    assert set(billing_views.billing_documents.allowed_roles) == readers
    assert set(billing_views.billing_invoice_pdf.allowed_roles) == readers
    assert set(billing_views.billing_document_download.allowed_roles) == readers | {Role.CLIENT}
    assert set(billing_views.billing_documents_mine.allowed_roles) == {Role.CLIENT}


# --- pages ---------------------------------------------------------------------------------------


def test_the_staff_page_lists_and_is_audited(
    cast, case, ask, client, django_assert_max_num_queries
):
    _superbill(ask, case, cast.biller)
    made = make_invoice(cast.client, issued_by=cast.biller)
    ask(actor=cast.biller, client=cast.client, kind=Kind.INVOICE, invoice=made.invoice)
    url = reverse("billing_documents", args=[cast.client.pk])

    client.force_login(cast.biller)
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Superbill, Sun 1 Mar 2026 to Tue 31 Mar 2026" in body
    assert "Invoice INV-0042" in body
    assert "Prepare the superbill" in body
    assert AuditEntry.objects.filter(action="view", actor=cast.biller, client=cast.client).exists()

    client.force_login(cast.frontdesk)  # invoices only, no superbill form
    body = client.get(url).content.decode()
    assert "Invoice INV-0042" in body
    assert "Superbill," not in body
    assert "Prepare the superbill" not in body
    assert "Prepare the PDF" in body

    client.force_login(cast.biller)
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for n in range(5):
        BillingDocument.objects.create(
            kind=Kind.SUPERBILL,
            client=cast.client,
            date_from=FIRST_DAY,
            date_to=FIRST_DAY + dt.timedelta(days=n),
            requested_by=cast.biller,
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_a_superbill_is_asked_for_from_the_staff_page(
    cast, case, client, django_capture_on_commit_callbacks
):
    client.force_login(cast.biller)
    url = reverse("billing_documents", args=[cast.client.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"date_from": "2026-03-01", "date_to": "2026-03-31"})
    assert response.status_code == 302 and response["Location"] == url
    document = BillingDocument.objects.get()
    assert (document.kind, document.status) == (Kind.SUPERBILL, Status.READY)
    assert (document.date_from, document.date_to) == (case.date_from, case.date_to)
    assert document.requested_by == cast.biller


@pytest.mark.parametrize(
    ("date_from", "date_to", "field", "message"),
    [
        ("2026-03-31", "2026-03-01", "date_to", "The last date comes before the first date."),
        ("", "2026-03-01", "date_from", "Enter the first date of service."),
        ("2026-03-01", "31 March", "date_to", "Enter a valid date."),
        ("future", "future", "date_from", "This date is in the future"),
        ("long", "2026-03-01", "date_to", f"at most {MAX_RANGE_DAYS} days"),
    ],
)
def test_a_bad_range_is_refused_at_its_field_keeping_what_was_typed(
    cast, client, date_from, date_to, field, message
):
    if date_from == "future":
        date_from = date_to = (today() + dt.timedelta(days=1)).isoformat()
    if date_from == "long":
        date_from, date_to = "2025-02-28", "2026-03-01"  # 367 days
    client.force_login(cast.biller)
    response = client.post(
        reverse("billing_documents", args=[cast.client.pk]),
        {"date_from": date_from, "date_to": date_to},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    assert f'value="{date_to}"' in response.content.decode()
    assert not BillingDocument.objects.exists()


def test_366_days_are_accepted(cast, case, client, django_capture_on_commit_callbacks):
    client.force_login(cast.biller)
    with django_capture_on_commit_callbacks():
        response = client.post(
            reverse("billing_documents", args=[cast.client.pk]),
            {"date_from": "2025-03-10", "date_to": "2026-03-10"},  # 366 days
        )
    assert response.status_code == 302
    assert BillingDocument.objects.count() == 1


def test_a_range_without_posted_charges_is_refused(cast, case, client):
    client.force_login(cast.client_user)
    response = client.post(
        reverse("billing_documents_mine"), {"date_from": "2026-02-01", "date_to": "2026-02-28"}
    )
    assert response.status_code == 200
    assert NOTHING_TO_BILL in response.context["form"].errors["date_from"]
    with pytest.raises(ValueError, match="No posted charge"):
        billing_document_request(
            actor=cast.biller,
            client=cast.client,
            kind=Kind.SUPERBILL,
            date_from=dt.date(2026, 2, 1),
            date_to=dt.date(2026, 2, 28),
        )
    assert not BillingDocument.objects.exists()


def test_the_front_desk_may_not_ask_for_a_superbill(cast, client):
    client.force_login(cast.frontdesk)
    response = client.post(
        reverse("billing_documents", args=[cast.client.pk]),
        {"date_from": "2026-03-01", "date_to": "2026-03-31"},
    )
    assert response.status_code == 403
    assert not BillingDocument.objects.exists()


def test_the_front_desk_asks_for_an_invoice_pdf(cast, client, django_capture_on_commit_callbacks):
    made = make_invoice(cast.client, issued_by=cast.biller)
    url = reverse("billing_invoice_pdf", args=[made.invoice.pk])
    client.force_login(cast.frontdesk)
    assert client.get(url).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response["Location"] == reverse("billing_documents", args=[cast.client.pk])
    document = BillingDocument.objects.get()
    assert (document.kind, document.invoice, document.status) == (
        Kind.INVOICE,
        made.invoice,
        Status.READY,
    )
    for role in ("therapist", "client_user", "physician_user"):
        client.force_login(getattr(cast, role))
        assert client.post(url).status_code == 403
    assert BillingDocument.objects.count() == 1


def test_the_client_asks_for_and_downloads_their_own_superbill(
    cast, case, client, django_capture_on_commit_callbacks
):
    client.force_login(cast.client_user)
    url = reverse("billing_documents_mine")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"date_from": "2026-03-01", "date_to": "2026-03-31"})
    assert response.status_code == 302
    document = BillingDocument.objects.get()
    assert (document.client, document.status) == (cast.client, Status.READY)

    page = client.get(url)
    assert page.status_code == 200
    download = reverse("billing_document_download", args=[document.pk])
    assert download in page.content.decode()
    response = client.get(download)
    assert response.status_code == 200
    assert response["Cache-Control"] == PRIVATE_CACHE_CONTROL
    assert response["Content-Type"] == "application/pdf"
    assert "superbill-20260301-20260331.pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    entry = AuditEntry.objects.filter(action="download").get()
    assert (entry.actor, entry.client, entry.object_id) == (
        cast.client_user,
        cast.client,
        str(document.pk),
    )

    # Another client neither sees it listed nor downloads it.
    client.force_login(cast.client2_user)
    assert download not in client.get(url).content.decode()
    assert client.get(download).status_code == 404


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin", 200),
        ("biller", 200),
        ("frontdesk", 404),  # a superbill holds diagnoses
        ("client_user", 200),
        ("client2_user", 404),
        ("therapist", 403),
        ("physician_user", 403),
    ],
)
def test_who_downloads_a_superbill(cast, case, ask, client, role, status):
    document = _superbill(ask, case, cast.biller)
    client.force_login(getattr(cast, role))
    response = client.get(reverse("billing_document_download", args=[document.pk]))
    assert response.status_code == status


def test_a_document_not_ready_is_not_served(cast, case, client):
    document = BillingDocument.objects.create(
        kind=Kind.SUPERBILL,
        client=case.client,
        date_from=case.date_from,
        date_to=case.date_to,
        requested_by=cast.biller,
    )
    client.force_login(cast.biller)
    assert client.get(reverse("billing_document_download", args=[document.pk])).status_code == 404


def test_the_client_portal_offers_bills_and_receipts(cast, client):
    client.force_login(cast.client_user)
    assert reverse("billing_portal") in client.get(reverse("portal")).content.decode()
    body = client.get(reverse("billing_portal")).content.decode()
    assert reverse("billing_documents_mine") in body


def test_the_superbill_date_range_excludes_what_staff_made_elsewhere(cast, case, ask):
    """A superbill of one day lists that day's lines only."""
    document = ask(
        actor=cast.biller,
        client=case.client,
        kind=Kind.SUPERBILL,
        date_from=SECOND_DAY,
        date_to=SECOND_DAY,
    )
    text = pdf_text(document)
    assert "97112" in text
    assert "97140" not in text
    assert "Total charges [28] 50.00" in text


def test_a_user_without_billing_role_made_by_factory_sees_nothing(cast):
    nobody = UserFactory(role=Role.PHYSICIAN)
    assert not BillingDocument.objects.visible_to(nobody).exists()
