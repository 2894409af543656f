"""Reference data the clinic admin edits: the techniques catalogue and the contraindication
rules that check chosen techniques against a client's health-history flags."""

from __future__ import annotations

from django.db import models

from clinic import text_limits
from clinic.models import UUIDModel
from clinic.text_limits import LimitedTextField


class Technique(UUIDModel):
    key = models.SlugField(max_length=40, unique=True, help_text="Stable; rules refer to it.")
    name = models.CharField(max_length=80, unique=True)
    description = LimitedTextField(max_length=text_limits.LONG_TEXT)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            text_limits.length_check("technique", "description", text_limits.LONG_TEXT),
        ]

    def __str__(self) -> str:
        return self.name


class Severity(models.TextChoices):
    CAUTION = "caution", "Caution"
    CLEARANCE = "clearance", "Needs physician clearance"
    CONTRAINDICATED = "contraindicated", "Contraindicated"


class ContraindicationRule(UUIDModel):
    """When the client's current health history has `condition` and the plan uses `technique`
    (or any technique when empty), show a warning of this severity with this reason."""

    condition = models.CharField(
        max_length=40, help_text="A health-history condition key (see intake/conditions.py)."
    )
    technique = models.ForeignKey(
        Technique,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="rules",
        help_text="Empty: every technique.",
    )
    severity = models.CharField(max_length=20, choices=Severity.choices)
    local = models.BooleanField(
        default=False, help_text="Applies to the affected area only (e.g. over a surgical site)."
    )
    reason = LimitedTextField(
        max_length=text_limits.SHORT_TEXT,
        help_text="Shown to the therapist and printed in the plan PDF.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["condition", "technique__name"]
        constraints = [
            text_limits.length_check("contraindicationrule", "reason", text_limits.SHORT_TEXT),
        ]

    def __str__(self) -> str:
        target = self.technique or "all techniques"
        return f"{self.condition} × {target}: {self.get_severity_display()}"
