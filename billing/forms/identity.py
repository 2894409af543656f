"""Forms of the billing identity: the clinic as billing provider, each therapist as rendering
provider. The NPI's message (billing/npi.py) and the other validators come from the models."""

from __future__ import annotations

from django import forms

from billing.models import ClinicBilling, TherapistBilling
from billing.models.provider import MASSAGE_THERAPIST_TAXONOMY
from billing.services.identity import CLINIC_FIELDS, THERAPIST_FIELDS


def _upper(value: str) -> str:
    return (value or "").strip().upper()


class ClinicBillingForm(forms.ModelForm):
    class Meta:
        model = ClinicBilling
        fields = list(CLINIC_FIELDS)
        labels = {"postal_code": "ZIP code", "ein": "EIN (tax id)"}
        help_texts = {
            "ein": "NN-NNNNNNN",
            "npi": "The clinic's type 2 NPI (CMS-1500 box 33a).",
            "taxonomy": f"{MASSAGE_THERAPIST_TAXONOMY}: Massage Therapist.",
            "place_of_service": "11: Office.",
        }

    def clean_ein(self):
        return self.cleaned_data["ein"].strip()

    def clean_npi(self):
        return self.cleaned_data["npi"].strip()

    def clean_taxonomy(self):
        return _upper(self.cleaned_data["taxonomy"])

    def clean_state(self):
        return _upper(self.cleaned_data["state"])

    def clean_no_show_fee(self):
        fee = self.cleaned_data["no_show_fee"]
        if fee is not None and fee < 0:
            raise forms.ValidationError("A fee cannot be negative (0: no no-show fee).")
        return fee


class TherapistBillingForm(forms.ModelForm):
    license_number = forms.CharField(
        label="Licence number",
        max_length=60,
        required=False,
        help_text="The state licence (kept on the therapist's profile).",
    )

    class Meta:
        model = TherapistBilling
        fields = list(THERAPIST_FIELDS)
        labels = {"license_state": "Licence state"}
        help_texts = {"npi": "Type 1 NPI (CMS-1500 box 24J).", "license_state": "e.g. NY"}

    def __init__(self, *args, therapist, **kwargs):
        super().__init__(*args, **kwargs)
        self.therapist = therapist
        self.fields["license_number"].initial = therapist.license_number

    def clean_npi(self):
        npi = self.cleaned_data["npi"].strip()
        taken = TherapistBilling.objects.filter(npi=npi).exclude(therapist=self.therapist)
        if taken.exists():
            raise forms.ValidationError("Another therapist has this NPI: an NPI is one person's.")
        return npi

    def clean_taxonomy(self):
        return _upper(self.cleaned_data["taxonomy"])

    def clean_license_state(self):
        return _upper(self.cleaned_data["license_state"])

    def validate_unique(self):
        # The NPI's uniqueness is checked (with a plain message) in clean_npi.
        pass

    def identity_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in (*self.Meta.fields, "license_number")}
