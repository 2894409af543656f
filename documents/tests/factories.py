"""Rows for documents' tests and the access matrix (clinic/tests/test_roles_and_urls.py)."""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile

from billing.models import Invoice
from documents.models import BillingDocument


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
