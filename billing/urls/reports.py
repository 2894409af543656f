"""Billing URLs: the export for the billing service and the reports (issue 18)."""

from django.urls import path

from billing.views import reports

urlpatterns = [
    path("export/", reports.export_form, name="billing_export_form"),
    path("export.csv", reports.export_csv, name="billing_export"),
    path("reports/", reports.reports_page, name="billing_reports"),
]
