"""Reference data the clinic admin edits: the techniques catalogue and the contraindication
rules that check chosen techniques against a client's health-history flags."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from clinic import text_limits
from clinic.models import UUIDModel
from clinic.text_limits import LimitedTextField
from treatment_plans import screening


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


class Position(models.TextChoices):
    """How the client lies or sits for the work: screening checks it (e.g. no prone position
    from the second trimester; rules_seed.py). Plans and session notes record it."""

    PRONE = "prone", "Prone"
    SUPINE = "supine", "Supine"
    SIDE_LYING = "side_lying", "Side-lying"
    SEATED = "seated", "Seated"


class PlannedPressure(models.TextChoices):
    """The pressure a plan intends, in screening's three words (a note records four)."""

    LIGHT = "light", "Light"
    MODERATE = "moderate", "Moderate"
    DEEP = "deep", "Deep"


class Severity(models.TextChoices):
    CAUTION = "caution", "Caution"
    CLEARANCE = "clearance", "Needs physician clearance"
    CONTRAINDICATED = "contraindicated", "Contraindicated"


class ContraindicationRule(UUIDModel):
    """When the client's facts have `condition` and the work uses `technique` (or any technique
    when empty), optionally only on these regions, in these positions, at these pressures and
    within these weeks of pregnancy or days since the event, show a warning of this severity
    with this reason. How rules match: treatment_plans/screening.py."""

    condition = models.CharField(
        max_length=40,
        help_text="A health-history condition key, a medication class, or pregnancy.",
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
        default=False,
        verbose_name="local scope",
        help_text="Applies to the affected area only (the region and side of the surgery, "
        "injury, injection or clot; with regions named, the rest of that limb among them).",
    )
    regions = models.JSONField(
        default=list, blank=True, help_text="Only work on these body regions (none: anywhere)."
    )
    positions = models.JSONField(
        default=list, blank=True, help_text="Only in these positions (none: any position)."
    )
    pressures = models.JSONField(
        default=list, blank=True, help_text="Only at these pressures (none: any pressure)."
    )
    pregnancy_weeks_from = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="From this completed week of pregnancy."
    )
    pregnancy_weeks_to = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Up to this completed week of pregnancy (inclusive)."
    )
    days_from = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="From this many days after the event (surgery, injury, injection, delivery).",
    )
    days_to = models.PositiveIntegerField(
        null=True, blank=True, help_text="Up to this many days after the event (inclusive)."
    )
    reason = LimitedTextField(
        max_length=text_limits.SHORT_TEXT,
        help_text="Shown to the therapist and printed in the plan PDF.",
    )
    source = models.CharField(
        max_length=500, help_text="Where the rule comes from (book, edition, chapter, condition)."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["condition", "technique__name"]
        constraints = [
            text_limits.length_check("contraindicationrule", "reason", text_limits.SHORT_TEXT),
            models.CheckConstraint(
                condition=models.Q(pregnancy_weeks_from__isnull=True)
                | models.Q(pregnancy_weeks_to__isnull=True)
                | models.Q(pregnancy_weeks_from__lte=models.F("pregnancy_weeks_to")),
                name="rule_pregnancy_weeks_in_order",
            ),
            models.CheckConstraint(
                condition=models.Q(days_from__isnull=True)
                | models.Q(days_to__isnull=True)
                | models.Q(days_from__lte=models.F("days_to")),
                name="rule_days_in_order",
            ),
        ]

    def __str__(self) -> str:
        target = self.technique or "all techniques"
        return f"{self.condition} × {target}: {self.get_severity_display()}"

    @property
    def scope(self) -> str:
        return "local" if self.local else "general"

    def clean(self) -> None:
        errors = {}
        if self.condition and self.condition not in screening.condition_keys():
            errors["condition"] = f"Unknown condition key “{self.condition}”."
        for name, allowed in (
            ("regions", screening.REGIONS),
            ("positions", screening.POSITIONS),
            ("pressures", screening.PRESSURES),
        ):
            values = getattr(self, name)
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                errors[name] = "A list of keys."
            elif unknown := sorted(set(values) - set(allowed)):
                errors[name] = f"Unknown: {', '.join(unknown)}. Choose from {', '.join(allowed)}."
        weeks = (self.pregnancy_weeks_from, self.pregnancy_weeks_to)
        if any(w is not None for w in weeks) and self.condition != "pregnancy":
            errors["pregnancy_weeks_from"] = "Weeks of pregnancy apply to the pregnancy condition."
        elif None not in weeks and weeks[0] > weeks[1]:
            errors["pregnancy_weeks_to"] = "The last week comes after the first."
        if None not in (self.days_from, self.days_to) and self.days_from > self.days_to:
            errors["days_to"] = "The last day comes after the first."
        if not (self.source or "").strip():
            errors["source"] = "Cite where the rule comes from."
        if errors:
            raise ValidationError(errors)
