"""A session note per appointment. Editable by its author until signed; then read-only for
everyone, and a correction is an addendum with its author and time."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from clinic import text_limits
from clinic.models import Client, UUIDModel
from clinic.text_limits import LimitedTextField
from intake.models import RomNorm
from scheduling.models import Appointment
from sessions_log.querysets import NotePartQuerySet, SessionNoteQuerySet
from treatment_plans.models import PlanVersion, Position, Technique

PAIN = [MinValueValidator(0), MaxValueValidator(10)]


class Pressure(models.TextChoices):
    LIGHT = "light", "Light"
    MODERATE = "moderate", "Moderate"
    FIRM = "firm", "Firm"
    DEEP = "deep", "Deep"


class SessionNote(UUIDModel):
    appointment = models.OneToOneField(
        Appointment, on_delete=models.PROTECT, related_name="session_note"
    )
    # The client is the appointment's; kept here too so the access rule is one filter.
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="session_notes")
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="session_notes"
    )
    plan_version = models.ForeignKey(
        PlanVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="session_notes"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    signed_at = models.DateTimeField(null=True, blank=True)

    subjective = LimitedTextField(
        max_length=text_limits.SOAP_SECTION,
        blank=True,
        help_text="What the client reports since last time.",
    )
    objective = LimitedTextField(
        max_length=text_limits.SOAP_SECTION, blank=True, help_text="What you observed and measured."
    )
    assessment = LimitedTextField(
        max_length=text_limits.SOAP_SECTION, blank=True, help_text="Your clinical reasoning."
    )
    plan_next = LimitedTextField(
        max_length=text_limits.SOAP_SECTION, blank=True, verbose_name="Plan for next time"
    )
    share_assessment = models.BooleanField(
        default=False, help_text="Let the client read the assessment in their portal."
    )
    pain_before = models.PositiveSmallIntegerField(
        validators=PAIN, verbose_name="Pain before (0-10)"
    )
    pain_after = models.PositiveSmallIntegerField(validators=PAIN, verbose_name="Pain after (0-10)")
    client_response = LimitedTextField(
        max_length=text_limits.LONG_TEXT, blank=True, help_text="How the client responded."
    )
    home_care = LimitedTextField(
        max_length=text_limits.LONG_TEXT, blank=True, verbose_name="Home care given"
    )
    body_mechanics = LimitedTextField(
        max_length=text_limits.LONG_TEXT, blank=True, verbose_name="Body-mechanics education given"
    )
    # First things first: a treatment before the client's initial assessment needs a reason.
    no_assessment_reason = models.CharField(
        max_length=300,
        blank=True,
        verbose_name="Why treat before an initial assessment",
        help_text="Only when the client has no initial assessment on or before this session.",
    )

    objects = SessionNoteQuerySet.as_manager()

    class Meta:
        ordering = ["-appointment__starts_at"]
        constraints = [
            text_limits.length_check("sessionnote", "subjective", text_limits.SOAP_SECTION),
            text_limits.length_check("sessionnote", "objective", text_limits.SOAP_SECTION),
            text_limits.length_check("sessionnote", "assessment", text_limits.SOAP_SECTION),
            text_limits.length_check("sessionnote", "plan_next", text_limits.SOAP_SECTION),
            text_limits.length_check("sessionnote", "client_response", text_limits.LONG_TEXT),
            text_limits.length_check("sessionnote", "home_care", text_limits.LONG_TEXT),
            text_limits.length_check("sessionnote", "body_mechanics", text_limits.LONG_TEXT),
            models.CheckConstraint(
                condition=Q(pain_before__lte=10, pain_after__lte=10), name="note_pain_range"
            ),
        ]
        indexes = [models.Index(fields=["therapist", "signed_at"], name="note_unsigned_idx")]

    def __str__(self) -> str:
        return f"Session note {self.appointment.starts_at:%Y-%m-%d} for {self.client}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    @property
    def pain_change(self) -> int:
        return self.pain_after - self.pain_before

    def save(self, *args, **kwargs):
        if not self._state.adding and self.signed_at is not None:
            stored = SessionNote.objects.filter(pk=self.pk, signed_at__isnull=False).exists()
            if stored:
                raise ValidationError("A signed note cannot change; add an addendum instead.")
        super().save(*args, **kwargs)


class TechniqueApplied(UUIDModel):
    note = models.ForeignKey(SessionNote, on_delete=models.CASCADE, related_name="techniques")
    technique = models.ForeignKey(Technique, on_delete=models.PROTECT, related_name="+")
    body_region = models.CharField(max_length=80)
    # Blank on notes written before positions were recorded.
    position = models.CharField(max_length=12, choices=Position.choices, blank=True)
    pressure = models.CharField(max_length=10, choices=Pressure.choices)
    minutes = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    override_reason = models.CharField(
        max_length=300,
        blank=True,
        help_text="Required when the technique has an unresolved contraindication.",
    )

    objects = NotePartQuerySet.as_manager()

    class Meta:
        ordering = ["technique__name"]
        constraints = [
            models.CheckConstraint(condition=Q(minutes__gte=1), name="technique_minutes_pos"),
        ]


# Trigger-point therapy holds pressure 12-15 seconds until the tension releases (DOMAIN.md,
# techniques catalogue, from the seed article). Outside it the note gets a remark, not a block:
# the therapist may have had a reason.
TRIGGER_POINT_HOLD_SECONDS = (12, 15)


class TriggerPoint(UUIDModel):
    note = models.ForeignKey(SessionNote, on_delete=models.CASCADE, related_name="trigger_points")
    location = models.CharField(max_length=80, help_text="Muscle or point, e.g. upper trapezius.")
    side = models.CharField(max_length=10, blank=True)
    hold_seconds = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(300)]
    )

    objects = NotePartQuerySet.as_manager()


class Measurement(UUIDModel):
    """A measurement taken this session; milestone progress is read from these."""

    class Kind(models.TextChoices):
        ROM = "rom", "Range of motion (degrees)"
        PSFS = "psfs", "PSFS activity score (0-10)"

    note = models.ForeignKey(SessionNote, on_delete=models.CASCADE, related_name="measurements")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    rom_norm = models.ForeignKey(
        RomNorm, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    side = models.CharField(max_length=10, blank=True)
    activity = models.CharField(max_length=120, blank=True, help_text="The PSFS activity.")
    value = models.DecimalField(max_digits=5, decimal_places=1)

    objects = NotePartQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "rom_norm__joint", "side"]


class Addendum(UUIDModel):
    note = models.ForeignKey(SessionNote, on_delete=models.PROTECT, related_name="addenda")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    text = LimitedTextField(max_length=text_limits.LONG_TEXT)

    objects = NotePartQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        verbose_name_plural = "addenda"
        constraints = [
            text_limits.length_check("addendum", "text", text_limits.LONG_TEXT),
        ]
