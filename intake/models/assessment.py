"""Assessments by the therapist: posture, range of motion beside its norm, manual muscle tests,
special tests, imbalances, a pain map and outcome measures. Each assessment is kept, so a
reassessment adds history instead of overwriting it."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from clinic import text_limits
from clinic.models import Client, UUIDModel
from clinic.text_limits import LimitedTextField
from intake.querysets import AssessmentPartQuerySet, AssessmentQuerySet


class Side(models.TextChoices):
    LEFT = "left", "Left"
    RIGHT = "right", "Right"
    CENTRAL = "central", "Central (spine)"


class RomNorm(UUIDModel):
    """Normal active range of motion for a joint movement, with its source: a norm is a claim,
    not a constant (DOMAIN.md)."""

    joint = models.CharField(max_length=40)
    movement = models.CharField(max_length=40)
    normal_degrees = models.PositiveSmallIntegerField()
    source = models.CharField(max_length=200)
    bilateral = models.BooleanField(default=True, help_text="Measured left and right.")

    class Meta:
        ordering = ["joint", "movement"]
        constraints = [
            models.UniqueConstraint(fields=["joint", "movement"], name="rom_norm_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.joint} {self.movement} ({self.normal_degrees}°)"


class Assessment(UUIDModel):
    class Kind(models.TextChoices):
        INITIAL = "initial", "Initial assessment"
        REASSESSMENT = "reassessment", "Reassessment"

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="assessments")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.INITIAL)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assessed_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    posture_findings = LimitedTextField(max_length=text_limits.LONG_TEXT, blank=True)
    muscular_imbalances = LimitedTextField(max_length=text_limits.LONG_TEXT, blank=True)
    notes = LimitedTextField(
        max_length=text_limits.LONG_TEXT, blank=True, verbose_name="Clinical impression"
    )
    pain_regions = models.JSONField(
        default=dict, blank=True, help_text="Body-chart region key -> intensity 0-10."
    )
    nprs = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(10)],
        verbose_name="Pain now (NPRS 0-10)",
    )
    psfs_items = models.JSONField(
        default=list, blank=True, help_text='[{"activity": "...", "score": 0-10}] (3 to 5 items)'
    )
    lefs_items = models.JSONField(
        default=list, blank=True, help_text="20 scores of 0-4 (optional; lower-limb clients)"
    )

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-assessed_on", "-created_at"]
        constraints = [
            text_limits.length_check("assessment", "posture_findings", text_limits.LONG_TEXT),
            text_limits.length_check("assessment", "muscular_imbalances", text_limits.LONG_TEXT),
            text_limits.length_check("assessment", "notes", text_limits.LONG_TEXT),
            models.CheckConstraint(condition=Q(nprs__lte=10), name="assessment_nprs_range"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.client} on {self.assessed_on}"

    @property
    def psfs_score(self) -> float | None:
        """PSFS: the mean of the client-chosen activity scores (0-10)."""
        scores = [item["score"] for item in self.psfs_items if item.get("score") is not None]
        return round(sum(scores) / len(scores), 1) if scores else None

    @property
    def lefs_score(self) -> int | None:
        """LEFS: 20 items of 0-4, summed to 0-80; only when all 20 are answered."""
        if len(self.lefs_items) != 20:
            return None
        return sum(self.lefs_items)


class RangeOfMotion(UUIDModel):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="rom")
    norm = models.ForeignKey(RomNorm, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=10, choices=Side.choices)
    degrees = models.PositiveSmallIntegerField(validators=[MaxValueValidator(360)])
    painful = models.BooleanField(default=False, help_text="Pain at end of range.")

    objects = AssessmentPartQuerySet.as_manager()

    class Meta:
        ordering = ["norm__joint", "norm__movement", "side"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "norm", "side"], name="rom_one_per_movement_side"
            ),
            models.CheckConstraint(condition=Q(degrees__lte=360), name="rom_degrees_range"),
        ]

    @property
    def percent_of_normal(self) -> int | None:
        if not self.norm.normal_degrees:
            return None
        return round(100 * self.degrees / self.norm.normal_degrees)


class MuscleTest(UUIDModel):
    """Manual muscle test on the Oxford scale (0 no contraction ... 5 normal)."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="muscle_tests"
    )
    muscle = models.CharField(max_length=80)
    side = models.CharField(max_length=10, choices=Side.choices)
    grade = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(0), MaxValueValidator(5)]
    )

    objects = AssessmentPartQuerySet.as_manager()

    class Meta:
        ordering = ["muscle", "side"]
        constraints = [
            models.CheckConstraint(condition=Q(grade__lte=5), name="muscle_grade_range"),
        ]


class SpecialTest(UUIDModel):
    class Result(models.TextChoices):
        POSITIVE = "positive", "Positive"
        NEGATIVE = "negative", "Negative"
        INCONCLUSIVE = "inconclusive", "Inconclusive"

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="special_tests"
    )
    name = models.CharField(max_length=80, help_text="e.g. Spurling's, Phalen's, Thomas test")
    side = models.CharField(max_length=10, choices=Side.choices, blank=True)
    result = models.CharField(max_length=20, choices=Result.choices)
    note = models.CharField(max_length=300, blank=True)

    objects = AssessmentPartQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
