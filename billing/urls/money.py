"""Billing URLs: money (issue 18): a client's billing, payments, allocations, refunds,
packages, invoices, and the client's own billing in the portal."""

from django.urls import path

from billing.views import money

urlpatterns = [
    path("clients/<uuid:client_id>/", money.billing_client, name="billing_client"),
    path(
        "clients/<uuid:client_id>/payments/new/",
        money.billing_payment_new,
        name="billing_payment_new",
    ),
    path(
        "payments/<uuid:payment_id>/allocate/",
        money.billing_payment_allocate,
        name="billing_payment_allocate",
    ),
    path(
        "allocations/<uuid:allocation_id>/remove/",
        money.billing_allocation_remove,
        name="billing_allocation_remove",
    ),
    path(
        "payments/<uuid:payment_id>/refunds/new/",
        money.billing_refund_new,
        name="billing_refund_new",
    ),
    path(
        "clients/<uuid:client_id>/packages/new/",
        money.billing_package_new,
        name="billing_package_new",
    ),
    path(
        "clients/<uuid:client_id>/invoices/issue/",
        money.billing_invoice_issue,
        name="billing_invoice_issue",
    ),
    path("invoices/<uuid:invoice_id>/", money.billing_invoice, name="billing_invoice"),
    path(
        "invoices/<uuid:invoice_id>/void/", money.billing_invoice_void, name="billing_invoice_void"
    ),
    path("mine/", money.billing_portal, name="billing_portal"),
]
