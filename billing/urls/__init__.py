"""Billing's pages, under /billing/ (issue 18), one module per part."""

from django.urls import include, path

urlpatterns = [
    path("", include("billing.urls.clients")),
    path("", include("billing.urls.charges")),
    path("", include("billing.urls.coverage")),
    path("", include("billing.urls.money")),
    path("", include("billing.urls.reports")),
]
