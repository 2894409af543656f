"""Charges: what a visit (or a missed one) is billed as. A charge is drafted when a note is
signed, reviewed and edited by billing staff (each edit kept with its reason), then posted.
Posted charges are immutable: they are corrected by a void (the whole charge, with a reason)
or a credit note (an amount, with a reason)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from billing.models.codes import BillingCode
from billing.models.coverage import Authorization, Coverage
from billing.models.money import money_field
from billing.models.payers import PayerType, UnitRule
from billing.querysets import ChargeLineQuerySet, ChargeQuerySet, CreditNoteQuerySet
from clinic.models import Client, Therapist, UUIDModel
from scheduling.models import Appointment
from sessions_log.models import SessionNote
from treatment_plans.models import PlanDiagnosis

# CMS-1500 box 24E points to at most four of box 21's codes: the plan holds as many.
MAX_DIAGNOSES = PlanDiagnosis.MAX


class Charge(UUIDModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        POSTED = "posted", "Posted"
        VOID = "void", "Void"

    class Kind(models.TextChoices):
        VISIT = "visit", "Visit"
        NO_SHOW = "no_show", "No-show fee"

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="charges")
    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="charges")
    # The signed note a visit's lines come from (none for a no-show fee: no note, no charge).
    note = models.ForeignKey(
        SessionNote, null=True, blank=True, on_delete=models.PROTECT, related_name="charges"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.VISIT)
    rendering = models.ForeignKey(Therapist, on_delete=models.PROTECT, related_name="charges")
    date_of_service = models.DateField()
    payer_type = models.CharField(max_length=20, choices=PayerType.choices)
    coverage = models.ForeignKey(
        Coverage, null=True, blank=True, on_delete=models.PROTECT, related_name="charges"
    )
    authorization = models.ForeignKey(
        Authorization, null=True, blank=True, on_delete=models.PROTECT, related_name="charges"
    )
    # Paid from a prepaid package: the client owes nothing more for it.
    package = models.ForeignKey(
        "billing.Package", null=True, blank=True, on_delete=models.PROTECT, related_name="charges"
    )
    invoice = models.ForeignKey(
        "billing.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="charges"
    )
    unit_rule = models.CharField(max_length=10, choices=UnitRule.choices, default=UnitRule.CMS)
    # ICD-10-CM codes of CMS-1500 box 21 (A-D), copied from the plan when drafted so a posted
    # charge never changes with the plan. The lines point to them by position (1-4).
    diagnoses = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    void_reason = models.CharField(max_length=300, blank=True)

    objects = ChargeQuerySet.as_manager()

    class Meta:
        ordering = ["-date_of_service", "-created_at"]
        indexes = [models.Index(fields=["status", "date_of_service"], name="charge_status_dos_idx")]
        constraints = [
            # One live visit charge per appointment: a second signature cannot bill twice.
            models.UniqueConstraint(
                fields=["appointment", "kind"],
                condition=~models.Q(status="void"),
                name="charge_once_per_appointment",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="void") | ~models.Q(void_reason=""),
                name="charge_void_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date_of_service} ({self.get_status_display()})"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def diagnosis_codes(self) -> list[str]:
        """The codes of `diagnoses` in claim order (box 21 A-D). Each entry is stored as
        {"code": ..., "description": ...}."""
        return [entry["code"] for entry in self.diagnoses]

    def pointed_codes(self, pointers: str) -> list[str]:
        """The codes a line's pointers name ("12": the first two); a pointer past the list
        names nothing."""
        codes = self.diagnosis_codes
        return [codes[int(p) - 1] for p in pointers if p.isdigit() and 1 <= int(p) <= len(codes)]


class ChargeLine(UUIDModel):
    """One CMS-1500 service line (box 24): a code with its modifiers, the note's minutes for
    it, its units by the charge's unit rule, the fee per unit and the amount, and which of the
    charge's diagnoses it treats. A no-show fee's line has no code."""

    charge = models.ForeignKey(Charge, on_delete=models.CASCADE, related_name="lines")
    billing_code = models.ForeignKey(
        BillingCode, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(max_length=200)
    modifiers = models.CharField(
        max_length=11, blank=True, help_text="Up to four, space-separated (e.g. GP 59)."
    )
    # The note's minutes for this code (timed codes); None for untimed codes and fees.
    timed_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    units = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    unit_fee = money_field()
    amount = money_field()
    # Positions (1-4) in the charge's `diagnoses`, e.g. "12" points to the first two.
    diagnosis_pointers = models.CharField(max_length=4, blank=True)
    position = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(99)]
    )

    objects = ChargeLineQuerySet.as_manager()

    class Meta:
        ordering = ["charge", "position"]

    def __str__(self) -> str:
        code = self.billing_code.code if self.billing_code_id else self.description
        return f"{code} x{self.units} {self.amount}"

    @property
    def cpt(self) -> str:
        return self.billing_code.code if self.billing_code_id else ""


class ChargeLineEdit(UUIDModel):
    """A billing staff member's change to a drafted line, with the reason they gave."""

    line = models.ForeignKey(ChargeLine, on_delete=models.CASCADE, related_name="edits")
    field = models.CharField(max_length=40)
    before = models.CharField(max_length=200, blank=True)
    after = models.CharField(max_length=200, blank=True)
    reason = models.CharField(max_length=300)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    edited_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["line", "edited_at"]


class CreditNote(UUIDModel):
    """An amount taken off a posted charge, with its reason (a posted line never changes)."""

    number = models.CharField(max_length=20, unique=True)
    charge = models.ForeignKey(Charge, on_delete=models.PROTECT, related_name="credit_notes")
    line = models.ForeignKey(
        ChargeLine, null=True, blank=True, on_delete=models.PROTECT, related_name="credit_notes"
    )
    amount = money_field(positive=True)
    reason = models.CharField(max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CreditNoteQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="credit_note_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.amount}"
