"""Billing URLs: the clients list for billing staff (issue 18)."""

from django.urls import path

from billing.views import clients

urlpatterns = [path("clients/", clients.billing_clients, name="billing_clients")]
