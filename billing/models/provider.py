"""The billing identity of the clinic and of each therapist (CMS-1500 boxes 24J, 25, 32, 33):
NPIs, the massage therapist taxonomy, state licences, the clinic's tax id and place of
service."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models

from billing.models.money import money_field
from billing.models.payers import EIN
from billing.npi import validate_npi
from clinic.models import Therapist, UUIDModel

# NUCC Health Care Provider Taxonomy: 225700000X "Massage Therapist".
MASSAGE_THERAPIST_TAXONOMY = "225700000X"
# CMS Place of Service code set: 11 "Office".
OFFICE = "11"

TAXONOMY = RegexValidator(r"^[0-9A-Z]{9}X$", "A taxonomy code is ten characters ending in X.")
ZIP = RegexValidator(r"^\d{5}(-\d{4})?$", "A ZIP code: 5 or 9 digits.")
STATE = RegexValidator(r"^[A-Z]{2}$", "Two capital letters, e.g. NY.")


class TherapistBilling(UUIDModel):
    """A therapist as the rendering provider on a claim. The licence number is on the
    therapist (clinic core); the state that issued it is here."""

    therapist = models.OneToOneField(
        Therapist, on_delete=models.CASCADE, related_name="billing_identity"
    )
    npi = models.CharField(
        "NPI", max_length=10, unique=True, validators=[validate_npi], help_text="Type 1 NPI."
    )
    taxonomy = models.CharField(
        max_length=10, default=MASSAGE_THERAPIST_TAXONOMY, validators=[TAXONOMY]
    )
    license_state = models.CharField(max_length=2, validators=[STATE])

    class Meta:
        ordering = ["therapist__user__last_name"]

    def __str__(self) -> str:
        return f"{self.therapist} NPI {self.npi}"


class ClinicBilling(models.Model):
    """The clinic as the billing provider: one row (`singleton` is always True)."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    legal_name = models.CharField(max_length=200)
    ein = models.CharField("EIN", max_length=10, validators=[EIN])
    npi = models.CharField("Billing NPI", max_length=10, validators=[validate_npi])
    taxonomy = models.CharField(
        max_length=10, default=MASSAGE_THERAPIST_TAXONOMY, validators=[TAXONOMY]
    )
    address = models.CharField(max_length=200)
    city = models.CharField(max_length=100)
    state = models.CharField(max_length=2, validators=[STATE])
    postal_code = models.CharField(max_length=10, validators=[ZIP])
    phone = models.CharField(max_length=40, blank=True)
    place_of_service = models.CharField(
        max_length=2, default=OFFICE, validators=[RegexValidator(r"^\d{2}$", "Two digits.")]
    )
    no_show_fee = money_field(default=0, help_text="Charged to self-pay clients only; 0: none.")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(singleton=True), name="clinic_billing_one")
        ]

    def __str__(self) -> str:
        return self.legal_name

    @classmethod
    def current(cls) -> ClinicBilling | None:
        return cls.objects.first()
