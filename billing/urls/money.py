"""Billing URLs: money (issue 18)."""

urlpatterns: list = []
