"""Who pays for a client's care, in order (CMS-1500 boxes 1-11), and what a payer approved."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from billing.models.payers import Payer, PayerType
from billing.querysets import AuthorizationQuerySet, CoverageQuerySet
from clinic.models import Client, UUIDModel


class Coverage(UUIDModel):
    """One way a client's care is paid: self-pay, commercial insurance, auto / PIP, or
    workers' compensation. `priority` 1 is billed first; an ended coverage is kept."""

    class Relation(models.TextChoices):
        SELF = "self", "Self"
        SPOUSE = "spouse", "Spouse"
        CHILD = "child", "Child"
        OTHER = "other", "Other"

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="coverages")
    payer_type = models.CharField(max_length=20, choices=PayerType.choices)
    payer = models.ForeignKey(
        Payer, null=True, blank=True, on_delete=models.PROTECT, related_name="coverages"
    )
    priority = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    # Commercial insurance.
    member_id = models.CharField(max_length=40, blank=True)
    group_number = models.CharField(max_length=40, blank=True)
    subscriber_name = models.CharField(max_length=200, blank=True)
    subscriber_relation = models.CharField(
        max_length=10, choices=Relation.choices, default=Relation.SELF
    )
    subscriber_date_of_birth = models.DateField(null=True, blank=True)
    # Auto / PIP and workers' compensation.
    claim_number = models.CharField(max_length=40, blank=True)
    date_of_accident = models.DateField(null=True, blank=True, help_text="Auto / PIP.")
    adjuster_name = models.CharField(max_length=120, blank=True)
    adjuster_phone = models.CharField(max_length=40, blank=True)
    employer = models.CharField(max_length=200, blank=True, help_text="Workers' compensation.")
    date_of_injury = models.DateField(null=True, blank=True, help_text="Workers' compensation.")
    case_manager = models.CharField(max_length=120, blank=True)
    # CMS-1500 boxes 12 and 13: the client's signature on file for release and assignment.
    signature_on_file_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CoverageQuerySet.as_manager()

    class Meta:
        ordering = ["client", "priority", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(payer_type=PayerType.SELF_PAY, payer__isnull=True)
                | (~models.Q(payer_type=PayerType.SELF_PAY) & models.Q(payer__isnull=False)),
                name="coverage_payer_unless_self_pay",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="coverage_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.get_payer_type_display() if self.payer is None else str(self.payer)

    def is_current_on(self, day) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


class Authorization(UUIDModel):
    """Visits a payer approved for a coverage between two dates (a workers' compensation
    carrier's 12 visits, say). Visits used are the charges drafted under it, not voided."""

    coverage = models.ForeignKey(Coverage, on_delete=models.PROTECT, related_name="authorizations")
    number = models.CharField(max_length=40)
    visits_approved = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    starts_on = models.DateField()
    ends_on = models.DateField()
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AuthorizationQuerySet.as_manager()

    class Meta:
        ordering = ["coverage", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="authorization_ends_after_start",
            ),
            models.UniqueConstraint(fields=["coverage", "number"], name="authorization_once"),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.visits_approved} visits)"

    def covers(self, day) -> bool:
        return self.starts_on <= day <= self.ends_on
