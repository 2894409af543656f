"""Health history, one immutable row per version: a change makes a new version, and every
earlier version stays readable with who made it and when."""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from clinic import text_limits
from clinic.clinic_time import today
from clinic.date_formats import day
from clinic.models import Client, Physician, UUIDModel
from clinic.storage import private_storage
from clinic.text_limits import LimitedTextField
from intake import conditions, medications
from intake.querysets import HealthHistoryQuerySet, ReferralLetterQuerySet
from intake.screening_facts import REGIONS, SIDES

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


def validate_medication_classes(value) -> None:
    unknown = set(value or []) - medications.CLASS_KEYS
    if unknown:
        raise ValidationError(f"Unknown medication classes: {', '.join(sorted(unknown))}")


EVENT_KEYS = ("condition", "date", "region", "side")


def validate_events(value) -> None:
    """A list of {condition, date, region, side}: a condition key, an ISO date (or "") not in
    the future, a screening region key (or ""), and a side "left", "right" or ""."""
    if not isinstance(value, list):
        raise ValidationError("Events are a list.")
    for number, event in enumerate(value, start=1):
        if not isinstance(event, dict) or set(event) != set(EVENT_KEYS):
            raise ValidationError(f"Event {number}: needs exactly {', '.join(EVENT_KEYS)}.")
        if event["condition"] not in conditions.KEYS:
            raise ValidationError(f"Event {number}: unknown condition {event['condition']!r}.")
        if event["region"] not in ("", *REGIONS):
            raise ValidationError(f"Event {number}: unknown body region {event['region']!r}.")
        if event["side"] not in SIDES:
            raise ValidationError(f"Event {number}: the side is left, right or empty.")
        if event["date"]:
            try:
                when = dt.date.fromisoformat(event["date"])
            except (TypeError, ValueError):
                raise ValidationError(f"Event {number}: not a date: {event['date']!r}.") from None
            if when > today():
                raise ValidationError(f"Event {number}: the date is in the future.")


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
    # The drug classes (intake/medications.py) the therapist confirmed from what was written.
    medication_classes = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_medication_classes],
        verbose_name="medication classes confirmed",
    )
    allergies = LimitedTextField(
        max_length=text_limits.SHORT_TEXT, blank=True, help_text="Include oils, lotions and latex."
    )
    conditions = models.JSONField(default=list, blank=True, validators=[validate_condition_keys])
    pregnancy_due_date = models.DateField(null=True, blank=True)
    delivery_date = models.DateField(null=True, blank=True)
    recent_surgery_date = models.DateField(null=True, blank=True)
    recent_surgery_site = models.CharField(max_length=120, blank=True)
    # Dated and located conditions: [{"condition", "date", "region", "side"}] (screening_facts).
    events = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_events],
        verbose_name="where and when",
        help_text='[{"condition": "recent_surgery", "date": "YYYY-MM-DD", "region": "shoulder", '
        '"side": "right"}]',
    )
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
        "medication_classes",
        "allergies",
        "conditions",
        "pregnancy_due_date",
        "delivery_date",
        "recent_surgery_date",
        "recent_surgery_site",
        "events",
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
        parts = []
        if key == "recent_surgery":
            when = f"on {day(self.recent_surgery_date)}" if self.recent_surgery_date else ""
            parts.append(", ".join(part for part in (self.recent_surgery_site, when) if part))
        parts.extend(event_text(event) for event in self.events or [] if event["condition"] == key)
        if key == "pregnancy" and self.pregnancy_due_date:
            parts.append(f"due {day(self.pregnancy_due_date)}")
        if key in ("postpartum", "c_section") and self.delivery_date:
            parts.append(f"birth on {day(self.delivery_date)}")
        return "; ".join(part for part in parts if part)

    @property
    def flag_details(self) -> list[tuple[conditions.Condition, str]]:
        """Each flag with its detail (condition_detail), for the health alerts; then each
        condition recorded only as an event (a date and a place) and not ticked."""
        shown = [(flag, self.condition_detail(flag.key)) for flag in self.flags]
        ticked = set(self.conditions)
        for key in dict.fromkeys(event["condition"] for event in self.events or []):
            if key not in ticked and key in conditions.BY_KEY:
                shown.append((conditions.BY_KEY[key], self.condition_detail(key)))
        return shown

    @property
    def event_rows(self) -> list[tuple[conditions.Condition | str, str]]:
        """The events as a person reads them: (condition, "right shoulder, on ...")."""
        return [
            (conditions.BY_KEY.get(event["condition"], event["condition"]), event_text(event))
            for event in self.events or []
        ]


def event_text(event: dict) -> str:
    """ "right shoulder, on Tue 20 Oct 2026" for {"region": "shoulder", "side": "right", ...}."""
    place = " ".join(p for p in (event.get("side"), REGIONS.get(event.get("region"), "")) if p)
    when = ""
    if event.get("date"):
        when = f"on {day(dt.date.fromisoformat(event['date']))}"
    return ", ".join(part for part in (place, when) if part)
