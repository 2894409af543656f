"""Scheduling: rooms, appointment types, therapists' hours and time off, appointments, series,
and the waitlist. Times are stored in UTC and shown in the clinic's time zone."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from clinic.models import Client, Therapist, UUIDModel
from scheduling.querysets import AppointmentQuerySet, SeriesQuerySet, WaitlistEntryQuerySet


class Room(UUIDModel):
    name = models.CharField(max_length=60, unique=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AppointmentType(UUIDModel):
    """Initial assessment, treatment, reassessment...; the clinic admin edits durations."""

    name = models.CharField(max_length=80, unique=True)
    duration_minutes = models.PositiveSmallIntegerField()
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=480),
                name="appointment_type_duration_sane",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.duration_minutes} min)"


class WorkingHours(UUIDModel):
    """One working interval of a therapist on a weekday (0 = Monday), in clinic local time.
    A split shift is two rows for the same weekday."""

    WEEKDAYS = [
        (0, "Monday"),
        (1, "Tuesday"),
        (2, "Wednesday"),
        (3, "Thursday"),
        (4, "Friday"),
        (5, "Saturday"),
        (6, "Sunday"),
    ]

    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(choices=WEEKDAYS)
    start_time = models.TimeField()
    end_time = models.TimeField()

    class Meta:
        ordering = ["weekday", "start_time"]
        verbose_name_plural = "working hours"
        constraints = [
            models.CheckConstraint(condition=Q(start_time__lt=F("end_time")), name="hours_order"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="hours_weekday"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class TimeOff(UUIDModel):
    """An exception to the weekly hours: holiday, course, sick day."""

    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="time_off")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name_plural = "time off"
        constraints = [
            models.CheckConstraint(condition=Q(starts_at__lt=F("ends_at")), name="time_off_order"),
        ]

    def __str__(self) -> str:
        return f"{self.therapist}: {self.starts_at:%Y-%m-%d %H:%M} - {self.ends_at:%Y-%m-%d %H:%M}"


class AppointmentSeries(UUIDModel):
    """A recurring booking made in one step (e.g. 8 weekly treatments)."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="series")
    therapist = models.ForeignKey(Therapist, on_delete=models.PROTECT, related_name="series")
    interval_weeks = models.PositiveSmallIntegerField(default=1)
    count = models.PositiveSmallIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SeriesQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "appointment series"


class Appointment(UUIDModel):
    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        CHECKED_IN = "checked_in", "Checked in"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"
        NO_SHOW = "no_show", "No-show"

    # Appointments that do not take place: no session, so no session note (`takes_note`).
    NOT_HELD = (Status.CANCELLED, Status.NO_SHOW)

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="appointments")
    therapist = models.ForeignKey(Therapist, on_delete=models.PROTECT, related_name="appointments")
    room = models.ForeignKey(
        Room, null=True, blank=True, on_delete=models.PROTECT, related_name="appointments"
    )
    appointment_type = models.ForeignKey(
        AppointmentType, on_delete=models.PROTECT, related_name="appointments"
    )
    series = models.ForeignKey(
        AppointmentSeries,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appointments",
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.BOOKED)
    front_desk_note = models.CharField(
        max_length=300, blank=True, help_text="Scheduling note only; no clinical content."
    )
    cancel_reason = models.CharField(max_length=300, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Claimed by a conditional UPDATE so two workers never send the same reminder.
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["therapist", "starts_at"], name="appt_therapist_start_idx"),
            models.Index(fields=["starts_at"], name="appt_start_idx"),
            models.Index(fields=["client", "starts_at"], name="appt_client_start_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(starts_at__lt=F("ends_at")), name="appt_order"),
        ]

    def __str__(self) -> str:
        return f"{self.appointment_type.name} {self.starts_at:%Y-%m-%d %H:%M} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status != self.Status.CANCELLED

    @property
    def takes_note(self) -> bool:
        """A session note can be written for it: the one copy of that rule, asked by the note
        service and every page that offers a link to the note."""
        return self.status not in self.NOT_HELD


class WaitlistEntry(UUIDModel):
    """A client waiting for an earlier or better slot with a therapist (or any therapist)."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="waitlist")
    therapist = models.ForeignKey(
        Therapist,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="waitlist",
        help_text="Leave empty for any therapist.",
    )
    appointment_type = models.ForeignKey(
        AppointmentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    earliest_date = models.DateField()
    latest_date = models.DateField()
    earliest_time = models.TimeField(help_text="Earliest start, clinic time.")
    latest_time = models.TimeField(help_text="Latest end, clinic time.")
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = WaitlistEntryQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        verbose_name_plural = "waitlist entries"
        constraints = [
            models.CheckConstraint(
                condition=Q(earliest_date__lte=F("latest_date")), name="waitlist_dates"
            ),
            models.CheckConstraint(
                condition=Q(earliest_time__lt=F("latest_time")), name="waitlist_times"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client} waiting {self.earliest_date} - {self.latest_date}"
