"""Billing URLs: a client's coverage and authorizations, and the billing identity (issue 18)."""

from django.urls import path

from billing.views import coverage, identity

urlpatterns = [
    path(
        "clients/<uuid:client_id>/coverage/",
        coverage.coverage_list,
        name="billing_coverage_list",
    ),
    path(
        "clients/<uuid:client_id>/coverage/new/",
        coverage.coverage_new,
        name="billing_coverage_new",
    ),
    path("coverage/<uuid:coverage_id>/edit/", coverage.coverage_edit, name="billing_coverage_edit"),
    path("coverage/<uuid:coverage_id>/end/", coverage.coverage_end, name="billing_coverage_end"),
    path(
        "coverage/<uuid:coverage_id>/authorizations/new/",
        coverage.authorization_new,
        name="billing_authorization_new",
    ),
    path(
        "authorizations/<uuid:authorization_id>/edit/",
        coverage.authorization_edit,
        name="billing_authorization_edit",
    ),
    path("identity/", identity.billing_identity, name="billing_identity"),
]
