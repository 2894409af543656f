"""Health history, one immutable row per version: a change makes a new version, and every
earlier version stays readable with who made it and when."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from clinic import text_limits
from clinic.date_formats import day
from clinic.models import Client, Physician, UUIDModel
from clinic.storage import private_storage
from clinic.text_limits import LimitedTextField
from intake import conditions
from intake.querysets import HealthHistoryQuerySet, ReferralLetterQuerySet

ICD10_PATTERN = re.compile(r"^[A-TV-Z][0-9][0-9AB](\.[0-9A-TV-Z]{1,4})?$")


def validate_icd10(value: str) -> None:
    if value and not ICD10_PATTERN.match(value.upper()):
        raise ValidationError(
            "Not an ICD-10 code. Codes look like M54.2 or S63.5 (a letter, two digits, "
            "then optionally a dot and up to four characters)."
        )


def validate_condition_keys(value) -> None:
    unknown = set(value or []) - conditions.KEYS
    if unknown:
        raise ValidationError(f"Unknown conditions: {', '.join(sorted(unknown))}")


class ReferralLetter(UUIDModel):
    """An uploaded referral letter, kept in private storage (no URL); served only by a view
    that checks access and writes an audit entry."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="referral_letters")
    file = models.FileField(storage=private_storage, upload_to="referrals/%Y/%m/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = ReferralLetterQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class HealthHistory(UUIDModel):
    """One version of a client's health history (the intake form). Rows are never updated,
    except to record the therapist's review of that version."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="health_histories")
    version = models.PositiveIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    # Why they come, and what they want.
    reason_for_visit = LimitedTextField(max_length=text_limits.SHORT_TEXT)
    client_goals = LimitedTextField(
        max_length=text_limits.SHORT_TEXT, blank=True, verbose_name="Your goals"
    )
    occupation = models.CharField(max_length=120, blank=True)
    activities = LimitedTextField(
        max_length=text_limits.SHORT_TEXT,
        blank=True,
        help_text="Sports, hobbies, daily activities.",
    )

    # Referral.
    referring_physician = models.ForeignKey(
        Physician, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    referring_physician_name = models.CharField(
        max_length=200, blank=True, help_text="If the physician is not in the list."
    )
    diagnosis = LimitedTextField(
        max_length=text_limits.SHORT_TEXT,
        blank=True,
        help_text="As written by the referring physician.",
    )
    icd10_code = models.CharField(
        max_length=8, blank=True, validators=[validate_icd10], verbose_name="ICD-10 code"
    )
    referral_letter = models.ForeignKey(
        ReferralLetter, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # History.
    injuries_and_surgeries = models.JSONField(
        default=list, blank=True, help_text='[{"what": "...", "date": "YYYY-MM-DD"}]'
    )
    medications = LimitedTextField(
        max_length=text_limits.LONG_TEXT, blank=True, help_text="One per line, with the dose."
    )
    allergies = LimitedTextField(
        max_length=text_limits.SHORT_TEXT, blank=True, help_text="Include oils, lotions and latex."
    )
    conditions = models.JSONField(default=list, blank=True, validators=[validate_condition_keys])
    pregnancy_due_date = models.DateField(null=True, blank=True)
    recent_surgery_date = models.DateField(null=True, blank=True)
    recent_surgery_site = models.CharField(max_length=120, blank=True)
    other_conditions = LimitedTextField(max_length=text_limits.LONG_TEXT, blank=True)

    # Pain.
    pain_description = LimitedTextField(max_length=text_limits.LONG_TEXT, blank=True)
    pain_regions = models.JSONField(
        default=dict, blank=True, help_text="Body-chart region key -> intensity 0-10."
    )

    # Every answer a version holds, in the form's order: the one list the form, the service
    # (what a new version copies and compares), the change list and the tests read.
    ANSWER_FIELDS = (
        "reason_for_visit",
        "client_goals",
        "occupation",
        "activities",
        "referring_physician",
        "referring_physician_name",
        "diagnosis",
        "icd10_code",
        "referral_letter",
        "injuries_and_surgeries",
        "medications",
        "allergies",
        "conditions",
        "pregnancy_due_date",
        "recent_surgery_date",
        "recent_surgery_site",
        "other_conditions",
        "pain_description",
        "pain_regions",
    )

    objects = HealthHistoryQuerySet.as_manager()

    class Meta:
        ordering = ["client", "-version"]
        verbose_name_plural = "health histories"
        constraints = [
            text_limits.length_check("healthhistory", "reason_for_visit", text_limits.SHORT_TEXT),
            text_limits.length_check("healthhistory", "client_goals", text_limits.SHORT_TEXT),
            text_limits.length_check("healthhistory", "activities", text_limits.SHORT_TEXT),
            text_limits.length_check("healthhistory", "diagnosis", text_limits.SHORT_TEXT),
            text_limits.length_check("healthhistory", "medications", text_limits.LONG_TEXT),
            text_limits.length_check("healthhistory", "allergies", text_limits.SHORT_TEXT),
            text_limits.length_check("healthhistory", "other_conditions", text_limits.LONG_TEXT),
            text_limits.length_check("healthhistory", "pain_description", text_limits.LONG_TEXT),
            models.UniqueConstraint(fields=["client", "version"], name="health_history_version"),
        ]

    def __str__(self) -> str:
        return f"Health history v{self.version} of {self.client}"

    @property
    def is_reviewed(self) -> bool:
        return self.reviewed_at is not None

    @property
    def flags(self) -> list[conditions.Condition]:
        return [conditions.BY_KEY[key] for key in self.conditions if key in conditions.BY_KEY]

    def has(self, key: str) -> bool:
        return key in self.conditions

    def condition_detail(self, key: str) -> str:
        """Where and when a flagged condition applies, as the health alerts and the plan PDF
        print it: "left knee, on Tue 3 Nov 2026" for a surgery, "due Mon 7 Dec 2026" for a
        pregnancy; "" when the history says nothing more."""
        if key == "recent_surgery":
            when = f"on {day(self.recent_surgery_date)}" if self.recent_surgery_date else ""
            return ", ".join(part for part in (self.recent_surgery_site, when) if part)
        if key == "pregnancy" and self.pregnancy_due_date:
            return f"due {day(self.pregnancy_due_date)}"
        return ""

    @property
    def flag_details(self) -> list[tuple[conditions.Condition, str]]:
        """Each flag with its detail (condition_detail), for the health alerts."""
        return [(flag, self.condition_detail(flag.key)) for flag in self.flags]
