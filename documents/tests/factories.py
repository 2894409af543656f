"""Rows for documents' tests and the access matrix (clinic/tests/test_roles_and_urls.py)."""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile

from billing.models import Invoice
from documents.models import BillingDocument, RecordExport


def ready_superbill(cast) -> BillingDocument:
    """A ready superbill of `client` (its file a stub PDF), made once per cast."""
    if not hasattr(cast, "superbill"):
        document = BillingDocument(
            kind=BillingDocument.Kind.SUPERBILL,
            client=cast.client,
            date_from=dt.date(2026, 3, 1),
            date_to=dt.date(2026, 3, 31),
            status=BillingDocument.Status.READY,
            requested_by=cast.biller,
        )
        document.file.save("matrix.pdf", ContentFile(b"%PDF-1.4\n%test\n"), save=True)
        cast.superbill = document
    return cast.superbill


def issued_invoice(cast) -> Invoice:
    """An invoice issued to `client`, made once per cast (a number no other maker uses)."""
    if not hasattr(cast, "documents_invoice"):
        cast.documents_invoice = Invoice.objects.create(
            number="DOC-MATRIX-1",
            client=cast.client,
            issued_on=dt.date(2026, 3, 10),
            issued_by=cast.biller,
        )
    return cast.documents_invoice


def ready_record_export(cast) -> RecordExport:
    """A ready whole-record export of `client`, asked for by the client (a stub ZIP), made once
    per cast, valid for 7 days from now."""
    if not hasattr(cast, "record_export"):
        from django.utils import timezone

        now = timezone.now()
        export = RecordExport(
            client=cast.client,
            requested_by=cast.client_user,
            status=RecordExport.Status.READY,
            ready_at=now,
            expires_at=now + dt.timedelta(days=7),
            size=22,
        )
        export.file.save("matrix.zip", ContentFile(b"PK\x05\x06" + b"\0" * 18), save=True)
        cast.record_export = export
    return cast.record_export
