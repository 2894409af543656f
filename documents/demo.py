"""The demo's billing documents (issue 18): a superbill of Marcus's workers' compensation
visits and the receipt of Priya's invoice, made through the same background pipeline as every
document. Idempotent, like every app's demo."""

from __future__ import annotations

from billing.models import Charge, Invoice
from clinic.models import Client, User
from documents.billing_services import billing_document_request
from documents.models import BillingDocument


def seed(stdout=None) -> None:
    billing = User.objects.get(username="billing")
    made = 0
    marcus = Client.objects.get(last_name="Bell", first_name="Marcus")
    posted = Charge.objects.posted().filter(client=marcus).order_by("date_of_service")
    if posted and not BillingDocument.objects.filter(client=marcus, kind="superbill").exists():
        billing_document_request(
            actor=billing,
            client=marcus,
            kind="superbill",
            date_from=posted.first().date_of_service,
            date_to=posted.last().date_of_service,
        )
        made += 1
    invoice = Invoice.objects.filter(client__last_name="Raman").first()
    if invoice and not BillingDocument.objects.filter(invoice=invoice).exists():
        billing_document_request(
            actor=billing, client=invoice.client, kind="invoice", invoice=invoice
        )
        made += 1
    if stdout:
        stdout.write(f"documents: {made} new billing documents")
