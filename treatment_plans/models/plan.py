"""A treatment plan and its versions. Activating a version freezes it; changing an active plan
starts a new draft version, so what the care team received stays readable as it was."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from clinic import text_limits
from clinic.models import CareTeamMember, Client, Physician, UUIDModel
from clinic.text_limits import LimitedTextField
from intake.models import RomNorm
from treatment_plans.models.catalogue import (
    ContraindicationRule,
    PlannedPressure,
    Position,
    Technique,
)
from treatment_plans.querysets import (
    ClearanceRequestQuerySet,
    PlanDiagnosisQuerySet,
    PlanPartQuerySet,
    PlanQuerySet,
    PlanVersionQuerySet,
)


class TreatmentPlan(UUIDModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"
        DISCONTINUED = "discontinued", "Discontinued"

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="plans")
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="plans"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(max_length=300, blank=True)

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Plan for {self.client} ({self.get_status_display()})"


class PlanVersion(UUIDModel):
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    superseded_at = models.DateTimeField(null=True, blank=True)

    health_goal = LimitedTextField(
        max_length=text_limits.SHORT_TEXT,
        help_text="In plain language, what the client wants to regain.",
    )
    clinical_reason = LimitedTextField(
        max_length=text_limits.SHORT_TEXT, blank=True, help_text="Clinical reason or diagnosis."
    )
    referral = models.CharField(max_length=300, blank=True)
    start_date = models.DateField()
    sessions_per_week = models.DecimalField(
        max_digits=3, decimal_places=1, validators=[MinValueValidator(0.1)]
    )
    planned_sessions = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    session_minutes = models.PositiveSmallIntegerField(validators=[MinValueValidator(15)])
    review_dates = models.JSONField(default=list, blank=True)
    other_treatments = LimitedTextField(
        max_length=text_limits.SHORT_TEXT,
        blank=True,
        help_text="e.g. physical therapy twice a week, what the physician advises.",
    )
    home_care = LimitedTextField(
        max_length=text_limits.LONG_TEXT,
        blank=True,
        help_text="Exercises and stretches between sessions.",
    )
    body_mechanics = LimitedTextField(
        max_length=text_limits.LONG_TEXT,
        blank=True,
        help_text="Education on posture and movement habits that feed the problem.",
    )

    objects = PlanVersionQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "-number"]
        constraints = [
            text_limits.length_check("planversion", "health_goal", text_limits.SHORT_TEXT),
            text_limits.length_check("planversion", "clinical_reason", text_limits.SHORT_TEXT),
            text_limits.length_check("planversion", "other_treatments", text_limits.SHORT_TEXT),
            text_limits.length_check("planversion", "home_care", text_limits.LONG_TEXT),
            text_limits.length_check("planversion", "body_mechanics", text_limits.LONG_TEXT),
            models.UniqueConstraint(fields=["plan", "number"], name="plan_version_number"),
            models.CheckConstraint(condition=Q(sessions_per_week__gt=0), name="plan_frequency_pos"),
            models.CheckConstraint(condition=Q(planned_sessions__gt=0), name="plan_sessions_pos"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} v{self.number}"

    @property
    def is_draft(self) -> bool:
        return self.activated_at is None


class PlanTechnique(UUIDModel):
    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="techniques")
    technique = models.ForeignKey(Technique, on_delete=models.PROTECT, related_name="+")
    target_areas = models.CharField(max_length=200)
    # Optional: screening reads them with the region named in target_areas.
    position = models.CharField(max_length=12, choices=Position.choices, blank=True)
    pressure = models.CharField(max_length=10, choices=PlannedPressure.choices, blank=True)
    rationale = LimitedTextField(max_length=text_limits.SHORT_TEXT)
    order = models.PositiveSmallIntegerField(default=0)

    objects = PlanPartQuerySet.as_manager()

    class Meta:
        ordering = ["order", "technique__name"]
        constraints = [
            text_limits.length_check("plantechnique", "rationale", text_limits.SHORT_TEXT),
            models.UniqueConstraint(fields=["version", "technique"], name="plan_technique_once"),
        ]


class Milestone(UUIDModel):
    """A measurable step towards the goal: a range of motion, a pain score (NPRS), a function
    score (PSFS), or free text judged by the therapist."""

    class Kind(models.TextChoices):
        ROM = "rom", "Range of motion"
        NPRS = "nprs", "Pain (NPRS 0-10)"
        PSFS = "psfs", "Function (PSFS 0-10)"
        TEXT = "text", "Other (described)"

    class Comparator(models.TextChoices):
        AT_LEAST = "gte", "at least"
        AT_MOST = "lte", "at most"

    class Status(models.TextChoices):
        OPEN = "open", "In progress"
        MET = "met", "Met"
        NOT_MET = "not_met", "Not met"

    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="milestones")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    description = models.CharField(max_length=200, blank=True)
    rom_norm = models.ForeignKey(
        RomNorm, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    side = models.CharField(max_length=10, blank=True)
    comparator = models.CharField(max_length=3, choices=Comparator.choices, blank=True)
    target_value = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    baseline_value = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    by_session = models.PositiveSmallIntegerField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    order = models.PositiveSmallIntegerField(default=0)

    objects = PlanPartQuerySet.as_manager()

    class Meta:
        ordering = ["order"]

    def __str__(self) -> str:
        return self.summary

    @property
    def summary(self) -> str:
        """e.g. 'Cervical spine rotation (right) at least 70° by session 6'."""
        if self.kind == self.Kind.TEXT:
            text = self.description
        else:
            unit = "°" if self.kind == self.Kind.ROM else ""
            target = f"{self.target_value.normalize():f}" if self.target_value is not None else "?"
            text = f"{self.measure_label} {self.get_comparator_display()} {target}{unit}"
        return f"{text} by session {self.by_session}" if self.by_session else text

    @property
    def measure_label(self) -> str:
        if self.kind == self.Kind.ROM and self.rom_norm_id:
            side = f" ({self.side})" if self.side else ""
            return f"{self.rom_norm.joint} {self.rom_norm.movement.lower()}{side}"
        if self.kind == self.Kind.PSFS and self.description:
            return f"PSFS '{self.description}'"
        return self.get_kind_display()

    def is_met_by(self, value) -> bool | None:
        if value is None or self.target_value is None:
            return None
        if self.comparator == self.Comparator.AT_LEAST:
            return value >= self.target_value
        return value <= self.target_value


class ConflictOverride(UUIDModel):
    """The therapist's written decision to go ahead despite a contraindication warning
    (kept in the plan and printed in the PDF)."""

    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="overrides")
    rule = models.ForeignKey(ContraindicationRule, on_delete=models.PROTECT, related_name="+")
    technique = models.ForeignKey(
        Technique, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = LimitedTextField(max_length=text_limits.SHORT_TEXT)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    objects = PlanPartQuerySet.as_manager()

    class Meta:
        ordering = ["decided_at"]
        constraints = [
            text_limits.length_check("conflictoverride", "reason", text_limits.SHORT_TEXT),
            models.UniqueConstraint(
                fields=["version", "rule", "technique"], name="override_once_per_conflict"
            ),
        ]


class ClearanceRequest(UUIDModel):
    """A question to the client's physician about a 'clearance' warning."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the physician"
        APPROVED = "approved", "Approved"
        RESTRICTED = "restricted", "Approved with restrictions"
        DECLINED = "declined", "Declined"

    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="clearances")
    rule = models.ForeignKey(ContraindicationRule, on_delete=models.PROTECT, related_name="+")
    technique = models.ForeignKey(
        Technique, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    care_team_member = models.ForeignKey(
        CareTeamMember, on_delete=models.PROTECT, related_name="clearance_requests"
    )
    question = LimitedTextField(max_length=text_limits.SHORT_TEXT)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    response = LimitedTextField(max_length=text_limits.LONG_TEXT, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ClearanceRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            text_limits.length_check("clearancerequest", "question", text_limits.SHORT_TEXT),
            text_limits.length_check("clearancerequest", "response", text_limits.LONG_TEXT),
        ]


class PlanAcknowledgement(UUIDModel):
    """A care-team physician confirming they received a plan version."""

    version = models.ForeignKey(
        PlanVersion, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    physician = models.ForeignKey(Physician, on_delete=models.PROTECT, related_name="+")
    acknowledged_at = models.DateTimeField(auto_now_add=True)

    objects = PlanPartQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "physician"], name="plan_ack_once"),
        ]


class PlanDiagnosis(UUIDModel):
    """An ICD-10-CM code the plan treats (issue 18), billable as intake/diagnoses.py checks.
    At most four, in order: CMS-1500 box 21 holds A-D for the charge lines to point to."""

    MAX = 4

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="diagnoses")
    position = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX)]
    )
    code = models.CharField(max_length=8)
    description = models.CharField(max_length=250, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    objects = PlanDiagnosisQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "position"], name="plan_diagnosis_position"),
            models.UniqueConstraint(fields=["plan", "code"], name="plan_diagnosis_once"),
            models.CheckConstraint(
                condition=Q(position__gte=1, position__lte=4), name="plan_diagnosis_at_most_4"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.code}"
