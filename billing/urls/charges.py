"""Billing URLs: charges (issue 18)."""

urlpatterns: list = []
