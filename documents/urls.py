"""Documents' URLs (UUIDs only)."""

from django.urls import path

from documents import views

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
]
