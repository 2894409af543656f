"""Billing URLs: charges (issue 18)."""

from django.urls import path

from billing.views import charges as views

urlpatterns = [
    path("charges/", views.charge_list, name="billing_charges"),
    path("charges/<uuid:charge_id>/", views.charge_detail, name="billing_charge"),
    path(
        "charges/<uuid:charge_id>/lines/<uuid:line_id>/edit/",
        views.charge_line_edit,
        name="billing_charge_line_edit",
    ),
    path("charges/<uuid:charge_id>/post/", views.charge_post, name="billing_charge_post"),
    path("charges/<uuid:charge_id>/void/", views.charge_void, name="billing_charge_void"),
    path("charges/<uuid:charge_id>/redraft/", views.charge_redraft, name="billing_charge_redraft"),
    path(
        "charges/<uuid:charge_id>/lines/<uuid:line_id>/credit-note/",
        views.credit_note_new,
        name="billing_credit_note_new",
    ),
    path("no-shows/", views.no_show_list, name="billing_no_shows"),
    path("no-shows/<uuid:appointment_id>/fee/", views.no_show_fee, name="billing_no_show_fee"),
    path("my-charges/", views.my_charges, name="billing_my_charges"),
]
