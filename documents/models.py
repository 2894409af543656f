"""Documents the clinic hands out: plan PDF summaries, one row per job (Celery keeps no
results), with the file in private storage."""

from __future__ import annotations

from django.db import models

from clinic.models import UUIDModel
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
