"""Documents' URLs (UUIDs only)."""

from django.urls import path

from documents import billing_views, fhir_views, record_export_views, views

# PDF summaries: status, retry, download, acknowledgement (documents/views.py).
urlpatterns = [
    path("plan-pdfs/<uuid:pdf_id>/download/", views.plan_pdf_download, name="plan_pdf_download"),
    path("plan-pdfs/<uuid:pdf_id>/retry/", views.plan_pdf_retry_view, name="plan_pdf_retry"),
    path("plan-versions/<uuid:version_id>/pdf/", views.plan_version_pdf, name="plan_version_pdf"),
    path(
        "plan-versions/<uuid:version_id>/acknowledge/",
        views.plan_version_acknowledge_view,
        name="plan_version_acknowledge",
    ),
    # A client's care as a FHIR R4 Bundle (documents/fhir_views.py), read like the plan PDF.
    path(
        "clients/<uuid:client_id>/fhir/",
        fhir_views.fhir_client_bundle,
        name="fhir_client_bundle",
    ),
    # Billing documents: superbills and invoices / receipts (documents/billing_views.py).
    path(
        "clients/<uuid:client_id>/billing-documents/",
        billing_views.billing_documents,
        name="billing_documents",
    ),
    path(
        "portal/billing-documents/",
        billing_views.billing_documents_mine,
        name="billing_documents_mine",
    ),
    path(
        "billing-documents/<uuid:doc_id>/download/",
        billing_views.billing_document_download,
        name="billing_document_download",
    ),
    path(
        "billing-documents/<uuid:doc_id>/retry/",
        billing_views.billing_document_retry_view,
        name="billing_document_retry",
    ),
    path(
        "billing/invoices/<uuid:invoice_id>/pdf/",
        billing_views.billing_invoice_pdf,
        name="billing_invoice_pdf",
    ),
    # A client's whole record as a ZIP (documents/record_export_views.py).
    path(
        "clients/<uuid:client_id>/record-exports/",
        record_export_views.record_exports,
        name="record_exports",
    ),
    path(
        "clients/<uuid:client_id>/record-exports/new/",
        record_export_views.record_export_request,
        name="record_export_request",
    ),
    path(
        "portal/record-exports/",
        record_export_views.record_exports_mine,
        name="record_exports_mine",
    ),
    path(
        "portal/record-exports/new/",
        record_export_views.record_export_mine,
        name="record_export_mine",
    ),
    path(
        "record-exports/<uuid:export_id>/download/",
        record_export_views.record_export_download,
        name="record_export_download",
    ),
]
