"""Forms of the charge pages: the worklist's filter, a draft line's edit (with its reason),
a void's reason, a credit note. Each error is shown at its field; the service checks again."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from billing.models import BillingCode, Charge, ChargeLine, PayerType

REASON_HELP = "Kept with the change, for the next person who reads this charge."


class DatesFilterForm(forms.Form):
    """An optional range of dates (either end may be left open)."""

    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end comes before the start.")
        return data


class WorklistFilterForm(DatesFilterForm):
    status = forms.ChoiceField(choices=Charge.Status.choices, required=False)
    payer_type = forms.ChoiceField(
        label="Payer type", choices=[("", "Any")] + PayerType.choices, required=False
    )
    field_order = ["status", "date_from", "date_to", "payer_type"]


class ChargeLineForm(forms.Form):
    billing_code = forms.ModelChoiceField(
        label="CPT code",
        queryset=BillingCode.objects.filter(is_active=True),
        to_field_name="code",
        required=False,
    )
    modifiers = forms.CharField(
        max_length=20, required=False, help_text="Up to four, separated by spaces (e.g. GP 59)."
    )
    units = forms.IntegerField(min_value=1, max_value=99)
    unit_fee = forms.DecimalField(
        label="Fee per unit", min_value=Decimal("0"), max_digits=10, decimal_places=2
    )
    diagnosis_pointers = forms.CharField(
        label="Diagnosis pointers",
        max_length=4,
        required=False,
        help_text="The positions of the charge's diagnoses this line treats, e.g. 12.",
    )
    reason = forms.CharField(max_length=300, help_text=REASON_HELP)

    @classmethod
    def for_line(cls, line: ChargeLine, data=None) -> ChargeLineForm:
        return cls(
            data,
            initial={
                "billing_code": line.billing_code.code if line.billing_code_id else None,
                "modifiers": line.modifiers,
                "units": line.units,
                "unit_fee": line.unit_fee,
                "diagnosis_pointers": line.diagnosis_pointers,
            },
        )


class VoidForm(forms.Form):
    reason = forms.CharField(max_length=300, help_text=REASON_HELP)


class CreditNoteForm(forms.Form):
    amount = forms.DecimalField(min_value=Decimal("0.01"), max_digits=10, decimal_places=2)
    reason = forms.CharField(max_length=300, help_text=REASON_HELP)
