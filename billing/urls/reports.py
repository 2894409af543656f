"""Billing URLs: reports (issue 18)."""

urlpatterns: list = []
