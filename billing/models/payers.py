"""Who pays, as reference data the billing staff edit: payers (insurers, auto carriers,
workers' compensation carriers) with the unit rule each applies and what each pays per code,
and the self-pay fee of an appointment type."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models

from billing.models.codes import BillingCode
from billing.models.money import money_field
from billing.units import CMS, PER_CODE
from clinic.models import UUIDModel
from scheduling.models import AppointmentType


class PayerType(models.TextChoices):
    """Who is responsible for a charge; the export's `payer_type` column."""

    SELF_PAY = "self_pay", "Self-pay"
    COMMERCIAL = "commercial", "Commercial insurance"
    AUTO_PIP = "auto_pip", "Auto insurance (PIP / med-pay)"
    WORKERS_COMP = "workers_comp", "Workers' compensation"


class UnitRule(models.TextChoices):
    CMS = CMS, "CMS 8-minute rule (total timed minutes)"
    PER_CODE = PER_CODE, "Per code (8 minutes for each code's first unit)"


class Payer(UUIDModel):
    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(
        max_length=20,
        choices=[c for c in PayerType.choices if c[0] != PayerType.SELF_PAY],
    )
    payer_id = models.CharField(
        max_length=20, blank=True, help_text="The electronic payer id the clearinghouse uses."
    )
    address = models.CharField(max_length=300, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    unit_rule = models.CharField(max_length=10, choices=UnitRule.choices, default=UnitRule.CMS)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PayerFee(UUIDModel):
    """What one payer pays per unit of one code, where it differs from the clinic's fee."""

    payer = models.ForeignKey(Payer, on_delete=models.CASCADE, related_name="fees")
    billing_code = models.ForeignKey(BillingCode, on_delete=models.PROTECT, related_name="+")
    fee = money_field(help_text="Per unit.")

    class Meta:
        ordering = ["payer__name", "billing_code__code"]
        constraints = [
            models.UniqueConstraint(fields=["payer", "billing_code"], name="payer_fee_once"),
        ]

    def __str__(self) -> str:
        return f"{self.payer}: {self.billing_code.code} {self.fee}"


class AppointmentTypeFee(UUIDModel):
    """A self-pay visit's flat price (e.g. a 60-minute treatment), instead of the codes' fees."""

    appointment_type = models.OneToOneField(
        AppointmentType, on_delete=models.CASCADE, related_name="self_pay_fee"
    )
    fee = money_field()

    class Meta:
        ordering = ["appointment_type__name"]

    def __str__(self) -> str:
        return f"{self.appointment_type}: {self.fee}"


EIN = RegexValidator(r"^\d{2}-\d{7}$", "An employer identification number is NN-NNNNNNN.")
