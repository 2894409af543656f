"""Documents' forms: a superbill's date range (every error at its field)."""

from __future__ import annotations

from django import forms

from documents.billing_services import MAX_RANGE_DAYS, superbill_range_errors


class SuperbillForm(forms.Form):
    date_from = forms.DateField(
        label="First date of service",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "Enter the first date of service."},
    )
    date_to = forms.DateField(
        label="Last date of service",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=f"Up to today, at most {MAX_RANGE_DAYS} days after the first date.",
        error_messages={"required": "Enter the last date of service."},
    )

    def clean(self):
        cleaned = super().clean()
        for field, message in superbill_range_errors(
            cleaned.get("date_from"), cleaned.get("date_to")
        ).items():
            self.add_error(field, message)
        return cleaned
