"""Billing documents' pages (issue 18): a client's superbills and invoices / receipts for
billing staff and the front desk, the client's own in the portal, the download, the request
of an invoice's PDF, and a retry.

Every lookup starts from `visible_to`, so a document or invoice the viewer may not read is a
404; roles without billing documents at all (therapists, physicians) get 403 first, whatever
the method. The services check again (documents/billing_services.py).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from billing.models import Invoice
from clinic import audit
from clinic.models import Client
from clinic.permissions import Can, role_required
from clinic.roles import Role
from clinic.storage import private_file_response
from documents.billing_services import (
    billing_document_request,
    billing_document_retry,
    may_request,
)
from documents.forms import SuperbillForm
from documents.models import BillingDocument

# Billing staff, the admin and the front desk (invoices / receipts only: `visible_to`).
STAFF_READERS = tuple(Can.take_payments.fget.roles)
READERS = (*STAFF_READERS, Role.CLIENT)
LIST_LIMIT = 50


@role_required(*STAFF_READERS)
def billing_documents(request, client_id):
    """The client's billing documents, a superbill request (billing staff) and each invoice's
    PDF request (whoever takes payments)."""
    client = get_object_or_404(Client.objects.visible_to(request.user), pk=client_id)
    form = SuperbillForm(client=client)
    if request.method == "POST":
        if not may_request(request.user, kind=BillingDocument.Kind.SUPERBILL, client=client):
            raise PermissionDenied("Superbills hold diagnoses: billing staff ask for them.")
        form = SuperbillForm(request.POST, client=client)
        if form.is_valid() and _request_superbill(request, client, form):
            return redirect("billing_documents", client_id=client.pk)
    audit.record(actor=request.user, action="view", client=client, detail="billing documents")
    invoices = Invoice.objects.visible_to(request.user).filter(client=client)
    return render(
        request,
        "documents/billing/documents.html",
        {
            "client": client,
            "documents": _documents(request.user, client),
            "invoices": invoices.order_by("-issued_on", "-number")[:LIST_LIMIT],
            "form": form,
            "may_request_superbill": may_request(
                request.user, kind=BillingDocument.Kind.SUPERBILL, client=client
            ),
        },
    )


@role_required(Role.CLIENT)
def billing_documents_mine(request):
    """The signed-in client's superbills and receipts, and a superbill of their own dates."""
    client = get_object_or_404(Client.objects.visible_to(request.user), user=request.user)
    form = SuperbillForm(client=client)
    if request.method == "POST":
        form = SuperbillForm(request.POST, client=client)
        if form.is_valid() and _request_superbill(request, client, form):
            return redirect("billing_documents_mine")
    audit.record(actor=request.user, action="view", client=client, detail="billing documents")
    return render(
        request,
        "documents/billing/mine.html",
        {"client": client, "documents": _documents(request.user, client), "form": form},
    )


def _documents(user, client) -> list[BillingDocument]:
    """The client's documents the viewer reads, newest first, each marked with whether the
    viewer may retry it (one query whatever their number)."""
    documents = list(
        BillingDocument.objects.visible_to(user)
        .filter(client=client)
        .select_related("client", "invoice")[:LIST_LIMIT]
    )
    for document in documents:
        document.may_retry = may_request(user, kind=document.kind, client=client)
    return documents


def _request_superbill(request, client, form) -> bool:
    try:
        billing_document_request(
            actor=request.user,
            client=client,
            kind=BillingDocument.Kind.SUPERBILL,
            date_from=form.cleaned_data["date_from"],
            date_to=form.cleaned_data["date_to"],
        )
    except ValueError as problem:  # the form checked the same rules: a race with midnight
        form.add_error("date_to", str(problem))
        return False
    messages.success(request, "The superbill is being prepared. Reload the page in a minute.")
    return True


@role_required(*READERS)
def billing_document_download(request, doc_id):
    document = get_object_or_404(
        BillingDocument.objects.visible_to(request.user).select_related("client", "invoice"),
        pk=doc_id,
        status=BillingDocument.Status.READY,
    )
    audit.record(
        actor=request.user,
        action="download",
        client=document.client,
        target=document,
        detail=f"{document.get_kind_display()} PDF",
    )
    return private_file_response(
        document.file, filename=document.download_name, content_type="application/pdf"
    )


@role_required(*STAFF_READERS)
@require_POST
def billing_invoice_pdf(request, invoice_id):
    """Ask for an invoice's PDF (a receipt once paid), then show the client's documents."""
    invoice = get_object_or_404(
        Invoice.objects.visible_to(request.user).select_related("client"), pk=invoice_id
    )
    billing_document_request(
        actor=request.user,
        client=invoice.client,
        kind=BillingDocument.Kind.INVOICE,
        invoice=invoice,
    )
    messages.success(request, f"The PDF of invoice {invoice.number} is being prepared.")
    return redirect("billing_documents", client_id=invoice.client_id)


@role_required(*READERS)
@require_POST
def billing_document_retry_view(request, doc_id):
    document = get_object_or_404(
        BillingDocument.objects.visible_to(request.user).select_related("client", "invoice"),
        pk=doc_id,
    )
    try:
        billing_document_retry(actor=request.user, document=document)
    except ValueError as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, "The document is being prepared again.")
    if document.client.user_id == request.user.pk:
        return redirect("billing_documents_mine")
    return redirect("billing_documents", client_id=document.client_id)
