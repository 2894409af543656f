"""Documents' forms: a superbill's date range (every error at its field)."""

from __future__ import annotations

from django import forms

from billing.selectors.superbill import posted_charge_count
from documents.billing_services import MAX_RANGE_DAYS, NOTHING_TO_BILL, superbill_range_errors


class SuperbillForm(forms.Form):
    date_from = forms.DateField(
        label="First date of service",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "Enter the first date of service."},
    )
    date_to = forms.DateField(
        label="Last date of service",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=f"Up to today; a range of at most {MAX_RANGE_DAYS} days.",
        error_messages={"required": "Enter the last date of service."},
    )

    def __init__(self, *args, client, **kwargs):
        super().__init__(*args, **kwargs)
        self.client = client

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        errors = superbill_range_errors(date_from, date_to)
        for field, message in errors.items():
            self.add_error(field, message)
        complete = date_from and date_to and not errors
        if complete and not posted_charge_count(self.client, date_from, date_to):
            self.add_error("date_from", NOTHING_TO_BILL)
        return cleaned
