"""Documents the clinic hands out: plan PDF summaries and billing documents (superbills,
invoices / receipts), one row per job (Celery keeps no results), with the file in private
storage."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from billing.models import Invoice
from clinic.models import Client, UUIDModel
from clinic.roles import BILLING_ROLES, Role, role_of
from clinic.storage import private_storage
from treatment_plans.models import PlanVersion
from treatment_plans.querysets import PlanPartQuerySet


class PlanPdf(UUIDModel):
    """Our own record of a PDF job (Celery keeps no results): one row per version and progress
    fingerprint, so rendering the same thing twice finds the row and does nothing new."""

    class Status(models.TextChoices):
        PENDING = "pending", "Being prepared"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="pdfs")
    fingerprint = models.CharField(max_length=64, help_text="Hash of the content it shows.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    file = models.FileField(storage=private_storage, upload_to="plans/%Y/%m/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # The claim's lease, renewed by the render's heartbeat; lapsed means its worker died.
    lease_until = models.DateTimeField(null=True, blank=True)
    # When the sweep last woke a worker for it (so a backlog is not woken again and again).
    woken_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    render_seconds = models.FloatField(null=True, blank=True)
    care_team_notified_at = models.DateTimeField(null=True, blank=True)

    objects = PlanPartQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(fields=["version", "fingerprint"], name="plan_pdf_once"),
        ]


class BillingDocumentQuerySet(models.QuerySet):
    """Who reads billing documents: billing staff and the admin every one; the front desk
    invoices and receipts only (a superbill holds diagnosis codes); a client their own;
    therapists and physicians none (billing is never part of the care team's view)."""

    def visible_to(self, user) -> models.QuerySet:
        role = role_of(user)
        if role in BILLING_ROLES:
            return self
        if role == Role.FRONT_DESK:
            return self.filter(kind=BillingDocument.Kind.INVOICE)
        if role == Role.CLIENT:
            return self.filter(client__user=user)
        return self.none()


class BillingDocument(UUIDModel):
    """A superbill (a date range of a client's posted charges, with the CMS-1500 data
    elements) or an invoice / receipt, rendered in the background like a plan PDF: one row
    per request, the row is the job's record, the file lives in private storage."""

    class Kind(models.TextChoices):
        SUPERBILL = "superbill", "Superbill"
        INVOICE = "invoice", "Invoice / receipt"

    class Status(models.TextChoices):
        PENDING = "pending", "Being prepared"
        RENDERING = "rendering", "Rendering"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="billing_documents")
    # A superbill's dates of service (inclusive).
    date_from = models.DateField(null=True, blank=True)
    date_to = models.DateField(null=True, blank=True)
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    file = models.FileField(storage=private_storage, upload_to="billing/%Y/%m/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The claim (its token), its lease renewed by the render's heartbeat, and when the sweep
    # last woke a worker for it: as PlanPdf.
    started_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    woken_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = BillingDocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="billing_doc_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        kind="superbill",
                        date_from__isnull=False,
                        date_to__isnull=False,
                        date_from__lte=models.F("date_to"),
                        invoice__isnull=True,
                    )
                    | models.Q(kind="invoice", invoice__isnull=False)
                ),
                name="billing_document_kind_fields",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_status_display()})"

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY

    @property
    def download_name(self) -> str:
        """A file name that travels without us: no name, no diagnosis."""
        if self.kind == self.Kind.INVOICE:
            return f"invoice-{self.invoice.number}.pdf"
        return f"superbill-{self.date_from:%Y%m%d}-{self.date_to:%Y%m%d}.pdf"


class RecordExportQuerySet(models.QuerySet):
    """Who reads a whole-record export: the admin and therapists every one; a client their
    own; nobody else (the front desk, billing staff and physicians have no whole record)."""

    def visible_to(self, user) -> models.QuerySet:
        role = role_of(user)
        if role in (Role.ADMIN, Role.THERAPIST):
            return self
        if role == Role.CLIENT:
            return self.filter(client__user=user)
        return self.none()


class RecordExport(UUIDModel):
    """A client's whole record as one ZIP, built in the background (documents/record_export.py)
    like a billing document: the row is the job's record, the file lives in private storage
    under a random name. The link is valid 7 days after it is ready and works once: after the
    first download the export is spent and a new one must be requested."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be built"
        BUILDING = "building", "Being built"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired"

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="record_exports")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    items_done = models.PositiveIntegerField(default=0)
    items_total = models.PositiveIntegerField(default=0)
    file = models.FileField(storage=private_storage, upload_to="exports/%Y/%m/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The claim (its token), its lease renewed by the build's heartbeat, and when the sweep
    # last woke a worker for it: as BillingDocument.
    started_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    woken_at = models.DateTimeField(null=True, blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)

    objects = RecordExportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="record_export_status_idx")]

    def __str__(self) -> str:
        return f"Record export ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if not self.items_total:
            return 0
        return min(100, round(100 * self.items_done / self.items_total))

    @property
    def is_building(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.BUILDING)

    def spent_reason(self, now) -> str:
        """Why the link no longer works ("" while it does)."""
        if self.downloaded_at is not None:
            return "This export was already downloaded once: the link works a single time."
        if self.status == self.Status.EXPIRED or (self.expires_at and self.expires_at <= now):
            return "This export expired: a link is valid for 7 days after it is ready."
        return ""
