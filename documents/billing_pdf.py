"""Billing documents as HTML, then PDF: the superbill and the invoice / receipt (issue 18).

The content comes from billing's selectors (billing/selectors/superbill.py, receipt.py); the
HTML is autoescaped, and the PDF is made by documents/pdf.py's `html_to_pdf`, whose fetcher
serves only our own static files (the stylesheet), so nothing is fetched from the network and
a render WeasyPrint complains about fails rather than being handed out.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from billing.selectors.receipt import invoice_data
from billing.selectors.superbill import superbill_data
from documents.models import BillingDocument
from documents.referral import clinic_contact

SUPERBILL_TEMPLATE = "documents/billing/superbill.html"
INVOICE_TEMPLATE = "documents/billing/invoice.html"


def billing_document_html(document: BillingDocument) -> str:
    """The document's HTML, from the data as it is now."""
    context = {
        "clinic": clinic_contact(),
        "currency": settings.CLINIC_CURRENCY,
        "generated_at": timezone.now(),
    }
    if document.kind == BillingDocument.Kind.SUPERBILL:
        context["bill"] = superbill_data(document.client, document.date_from, document.date_to)
        return render_to_string(SUPERBILL_TEMPLATE, context)
    context["invoice"] = invoice_data(document.invoice)
    return render_to_string(INVOICE_TEMPLATE, context)


def billing_document_pdf(document: BillingDocument) -> bytes:
    from documents import pdf

    return pdf.html_to_pdf(billing_document_html(document))
