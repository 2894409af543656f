"""Billing URLs: coverage (issue 18)."""

urlpatterns: list = []
