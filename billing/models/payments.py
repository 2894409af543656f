"""Money received and returned: payments (methods are data, so a card processor can be added
as one more), their allocation to charge lines or packages, refunds; and invoices and prepaid
packages for clients who pay themselves."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from billing.models.money import money_field
from billing.models.payers import Payer
from billing.querysets import (
    InvoiceQuerySet,
    PackageQuerySet,
    PaymentAllocationQuerySet,
    PaymentQuerySet,
    RefundQuerySet,
)
from clinic.models import Client, UUIDModel
from scheduling.models import Appointment, AppointmentType


class PaymentMethod(UUIDModel):
    class Kind(models.TextChoices):
        CLIENT = "client", "From the client"
        INSURANCE = "insurance", "From a payer"

    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=60)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CLIENT)
    reference_label = models.CharField(
        max_length=60,
        blank=True,
        help_text="When set, a payment by this method needs a reference (check number, EOB).",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Invoice(UUIDModel):
    """A self-pay client's bill: their posted charges and packages sold. Issued, it never
    changes; it is voided with a reason."""

    class Status(models.TextChoices):
        ISSUED = "issued", "Issued"
        VOID = "void", "Void"

    number = models.CharField(max_length=20, unique=True)
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="invoices")
    issued_on = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ISSUED)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    void_reason = models.CharField(max_length=300, blank=True)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_on", "-number"]

    def __str__(self) -> str:
        return self.number


class Package(UUIDModel):
    """Prepaid visits (e.g. 10 x 60 minutes). A completed visit of its type, signed, uses one."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="packages")
    name = models.CharField(max_length=120)
    appointment_type = models.ForeignKey(
        AppointmentType,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty: any type.",
    )
    visits = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    price = money_field()
    purchased_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="packages"
    )
    sold_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PackageQuerySet.as_manager()

    class Meta:
        ordering = ["client", "-purchased_on"]

    def __str__(self) -> str:
        return f"{self.name} ({self.visits} visits)"


class PackageUse(UUIDModel):
    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="uses")
    appointment = models.OneToOneField(
        Appointment, on_delete=models.PROTECT, related_name="package_use"
    )
    used_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["package", "used_at"]


class Payment(UUIDModel):
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="payments")
    payer = models.ForeignKey(
        Payer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
        help_text="For an insurance payment: who paid.",
    )
    method = models.ForeignKey(PaymentMethod, on_delete=models.PROTECT, related_name="payments")
    amount = money_field(positive=True)
    received_on = models.DateField()
    reference = models.CharField(
        max_length=60, blank=True, help_text="Check number, EOB or remittance reference."
    )
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = PaymentQuerySet.as_manager()

    class Meta:
        ordering = ["-received_on", "-recorded_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.amount} {self.received_on}"


class PaymentAllocation(UUIDModel):
    """Part of a payment applied to one charge line or one package."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations")
    line = models.ForeignKey(
        "billing.ChargeLine",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="allocations",
    )
    package = models.ForeignKey(
        Package, null=True, blank=True, on_delete=models.PROTECT, related_name="allocations"
    )
    amount = money_field(positive=True)
    allocated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    allocated_at = models.DateTimeField(auto_now_add=True)

    objects = PaymentAllocationQuerySet.as_manager()

    class Meta:
        ordering = ["payment", "allocated_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="allocation_positive"),
            models.CheckConstraint(
                condition=models.Q(line__isnull=False, package__isnull=True)
                | models.Q(line__isnull=True, package__isnull=False),
                name="allocation_one_target",
            ),
        ]


class Refund(UUIDModel):
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    method = models.ForeignKey(PaymentMethod, on_delete=models.PROTECT, related_name="+")
    amount = money_field(positive=True)
    refunded_on = models.DateField()
    reason = models.CharField(max_length=300)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = RefundQuerySet.as_manager()

    class Meta:
        ordering = ["-refunded_on"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="refund_positive"),
        ]
