"""Scheduling: rooms, appointment types, therapists' hours and time off, appointments, series,
and the waitlist. Times are stored in UTC and shown in the clinic's time zone."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from clinic.models import Client, Therapist, UUIDModel
from clinic.querysets import APPOINTMENT_READERS, ClientDataQuerySet
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

    class OnlineFor(models.TextChoices):
        # Medical massage's order of care (DOMAIN.md): intake and an initial assessment
        # before treatment, then the treatments a plan calls for.
        NOBODY = "", "Not bookable online"
        NEW = "new", "Clients without an initial assessment yet"
        PLAN = "plan", "Clients with an active treatment plan"
        ANY = "any", "Any client with a portal account"

    name = models.CharField(max_length=80, unique=True)
    duration_minutes = models.PositiveSmallIntegerField()
    is_active = models.BooleanField(default=True)
    online_for = models.CharField(
        max_length=5,
        choices=OnlineFor.choices,
        blank=True,
        default=OnlineFor.NOBODY,
        help_text="Who may book this type in the portal.",
    )

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

    class Channel(models.TextChoices):
        DESK = "desk", "Booked by the clinic"
        ONLINE = "online", "Booked online by the client"
        OFFER = "offer", "Claimed from a waitlist offer"

    # Booked by the client themself, in the portal or from a waitlist offer's link: the
    # calendars mark them "Online" and the front desk's dashboard lists the new ones.
    BY_CLIENT = (Channel.ONLINE, Channel.OFFER)

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
    channel = models.CharField(max_length=6, choices=Channel.choices, default=Channel.DESK)
    # A first visit with its health history or consent still missing: the forms were asked
    # for when it was booked, and again two days before (each claimed by a conditional
    # UPDATE, as the reminder is).
    intake_asked_at = models.DateTimeField(null=True, blank=True)
    intake_reminded_at = models.DateTimeField(null=True, blank=True)
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


# --- clients booking online (issue 20) -------------------------------------------------------


class OnlineBookingRules(models.Model):
    """The clinic's rules for clients booking in the portal: one row (id 1), edited by the
    admin on one settings page (audited). Which types may be booked, and by whom, is each
    `AppointmentType.online_for`."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    enabled = models.BooleanField(
        default=False, help_text="Clients may book, move and cancel in the portal."
    )
    min_notice_hours = models.PositiveSmallIntegerField(
        default=24, help_text="A booking starts at least this many hours from now."
    )
    horizon_days = models.PositiveSmallIntegerField(
        default=60, help_text="A booking starts at most this many days ahead."
    )
    max_upcoming = models.PositiveSmallIntegerField(
        default=3, help_text="Most upcoming booked appointments a client may hold."
    )
    choose_therapist = models.BooleanField(
        default=True, help_text="Clients may choose their therapist (else: anyone free)."
    )
    cancel_hours = models.PositiveSmallIntegerField(
        default=24, help_text="Clients cancel online up to this many hours before."
    )
    move_hours = models.PositiveSmallIntegerField(
        default=24, help_text="Clients move a booking online up to this many hours before."
    )
    offer_hours = models.PositiveSmallIntegerField(
        default=12, help_text="A waitlist offer can be claimed for this many hours."
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name_plural = "online booking rules"
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="online_rules_one_row"),
            models.CheckConstraint(
                condition=Q(horizon_days__gte=1, horizon_days__lte=366), name="online_horizon"
            ),
            models.CheckConstraint(
                condition=Q(min_notice_hours__lte=24 * 30), name="online_notice_sane"
            ),
            models.CheckConstraint(
                condition=Q(offer_hours__gte=1, offer_hours__lte=24 * 7), name="offer_hours_sane"
            ),
        ]

    def __str__(self) -> str:
        return "Online booking rules"

    @classmethod
    def current(cls) -> OnlineBookingRules:
        """The rules (the defaults, unsaved, until the admin first saves them)."""
        return cls.objects.filter(pk=1).first() or cls()


class BookingRequestQuerySet(models.QuerySet):
    """A new client's request: the admin and the front desk read them (no account exists yet,
    so no client reads their own); therapists, billing staff and physicians never."""

    def visible_to(self, user) -> models.QuerySet:
        from clinic.roles import Role, role_of

        return self if role_of(user) in (Role.ADMIN, Role.FRONT_DESK) else self.none()


class BookingRequest(UUIDModel):
    """A first appointment asked for on the public page by someone without an account. The
    front desk approves it (a client record and a portal invitation are made, the intake forms
    asked for) or declines it with a message. The reason is one sentence, never mailed."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"

    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    date_of_birth = models.DateField()
    email = models.EmailField(max_length=254)
    phone = models.CharField(max_length=40, blank=True)
    reason = models.CharField(max_length=200, help_text="Why they come, in a sentence.")
    preferred_times = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decline_message = models.CharField(max_length=500, blank=True)
    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.PROTECT, related_name="booking_requests"
    )

    objects = BookingRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="booking_request_status_idx")]

    def __str__(self) -> str:
        return f"Request from {self.first_name} {self.last_name} ({self.get_status_display()})"


class WaitlistOfferQuerySet(ClientDataQuerySet):
    """Offers of a freed time to waitlist clients: staff read every one, a client the offers
    made to them (through their waitlist entry)."""

    client_lookup = "entry__client"
    readers = APPOINTMENT_READERS


class WaitlistOffer(UUIDModel):
    """A freed time offered by mail to one waitlist entry, with a single-use link (only the
    token's SHA-256 is stored). All offers of one freed time share `slot_key`; the first claim
    books the time, and the other offers of it become `gone` (their clients are told)."""

    class Status(models.TextChoices):
        OPEN = "open", "Offered"
        CLAIMED = "claimed", "Claimed"
        GONE = "gone", "Taken by someone else"
        EXPIRED = "expired", "Expired"
        WITHDRAWN = "withdrawn", "Withdrawn"

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="offers")
    slot_key = models.CharField(max_length=64, db_index=True)
    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="+")
    appointment_type = models.ForeignKey(
        AppointmentType, on_delete=models.PROTECT, related_name="+"
    )
    room = models.ForeignKey(
        Room, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    token_sha256 = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = WaitlistOfferQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(starts_at__lt=F("ends_at")), name="offer_order"),
            models.UniqueConstraint(fields=["entry", "slot_key"], name="one_offer_per_entry_slot"),
        ]

    def __str__(self) -> str:
        return f"Offer {self.starts_at:%Y-%m-%d %H:%M} ({self.get_status_display()})"


class BookingRequestThrottle(models.Model):
    """How many booking requests one e-mail address, or one IP address, sent in its open
    window (scheduling/services/booking_requests.py). `key` is a keyed hash of what is
    counted, so the table is never a list of addresses. Counted by conditional UPDATEs in
    the database, as sign-in failures are (accounts/throttle.py): every worker and host
    shares it, and it works without Redis."""

    key = models.CharField(max_length=64, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    # Opens with the first request and is never extended; None until the first is counted.
    window_ends_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "booking request throttle"

    def __str__(self) -> str:
        return f"{self.count} request(s) in the window ending {self.window_ends_at}"
