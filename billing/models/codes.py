"""Billing's reference data, edited by the clinic admin (issue 18): the CPT codes massage
therapists bill, whether each is timed (15-minute units) or untimed, its self-pay fee, which
catalogue technique bills as which code, and the modifiers. Money is Decimal, never a float."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models

from clinic.models import UUIDModel
from treatment_plans.models import Technique


class BillingCode(UUIDModel):
    class Kind(models.TextChoices):
        TIMED = "timed", "Timed (15-minute units)"
        UNTIMED = "untimed", "Untimed (one unit a visit)"

    code = models.CharField(
        max_length=5,
        unique=True,
        validators=[RegexValidator(r"^\d{5}$", "A CPT code is five digits.")],
    )
    description = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    self_pay_fee = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.00"))],
        help_text="Per unit, for clients who pay themselves.",
    )
    source = models.CharField(max_length=200, help_text="Where the code's descriptor comes from.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(self_pay_fee__gte=0), name="billing_code_fee_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"

    @property
    def is_timed(self) -> bool:
        return self.kind == self.Kind.TIMED


class TechniqueBillingCode(UUIDModel):
    """Which code a catalogue technique bills as (myofascial release and trigger point therapy
    as 97140 manual therapy, Swedish and deep tissue as 97124 massage)."""

    technique = models.OneToOneField(
        Technique, on_delete=models.CASCADE, related_name="billing_code_link"
    )
    billing_code = models.ForeignKey(
        BillingCode, on_delete=models.PROTECT, related_name="technique_links"
    )

    class Meta:
        ordering = ["technique__name"]

    def __str__(self) -> str:
        return f"{self.technique} -> {self.billing_code.code}"


class Modifier(UUIDModel):
    code = models.CharField(
        max_length=2,
        unique=True,
        validators=[RegexValidator(r"^[A-Z0-9]{2}$", "A modifier is two letters or digits.")],
    )
    description = models.CharField(max_length=200)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"
