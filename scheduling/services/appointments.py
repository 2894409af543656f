"""Booking, rescheduling, cancelling and status changes of appointments, and recurring series.

Double booking is prevented three ways, from friendliest to strictest: the service locks the
therapist (and room) row and checks overlaps, so users get a message naming the conflict; on
PostgreSQL an exclusion constraint refuses any overlap that slips past; on SQLite every write
transaction is IMMEDIATE, so writers queue. Either way the answer is `SlotTaken`, never a 500.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from clinic import audit, date_formats
from clinic.clinic_time import at_local, local, today
from clinic.models import Client, Therapist
from clinic.roles import STAFF_ROLES, Role, role_of
from scheduling.models import (
    Appointment,
    AppointmentSeries,
    AppointmentType,
    OnlineBookingRules,
    Room,
    TimeOff,
    WorkingHours,
)
from scheduling.services.waitlist import waitlist_fulfil

Status = Appointment.Status
OVERLAP_CONSTRAINTS = ("appointment_therapist_no_overlap", "appointment_room_no_overlap")


class SlotTaken(ValidationError):
    """The time overlaps another appointment of the therapist, the room or the client."""


@dataclass(frozen=True)
class Slot:
    therapist: Therapist
    appointment_type: AppointmentType
    starts_at: dt.datetime
    room: Room | None = None

    @property
    def ends_at(self) -> dt.datetime:
        return self.starts_at + dt.timedelta(minutes=self.appointment_type.duration_minutes)


def _require_staff(actor) -> None:
    if role_of(actor) not in STAFF_ROLES:
        raise PermissionDenied("Only clinic staff can change the schedule.")


def _fmt(moment: dt.datetime) -> str:
    return date_formats.day_time_short(moment)


# --- checks -------------------------------------------------------------------------------------


def slot_problems(slot: Slot, *, client: Client | None = None, ignore=None) -> dict[str, str]:
    """Every reason the slot cannot be booked, keyed by the form field it belongs to.
    `ignore` is the appointment being moved (it does not conflict with itself)."""
    problems: dict[str, str] = {}
    if slot.starts_at <= timezone.now():
        problems["starts_at"] = "That time has already passed. Choose a time in the future."
        return problems
    if not slot.therapist.is_active:
        problems["therapist"] = f"{slot.therapist} no longer takes appointments."
        return problems
    hours_problem = _outside_hours(slot)
    if hours_problem:
        problems["starts_at"] = hours_problem
        return problems
    taken = _overlap_problem(slot, client=client, ignore=ignore)
    if taken:
        problems[taken[0]] = taken[1]
    return problems


def _outside_hours(slot: Slot) -> str | None:
    return outside_hours(therapist=slot.therapist, starts_at=slot.starts_at, ends_at=slot.ends_at)


def outside_hours(*, therapist: Therapist, starts_at: dt.datetime, ends_at: dt.datetime):
    """Why the time is outside the therapist's working hours or in their time off, or None.
    (Also asked by the importer, whose appointments may end where no type's duration would.)"""
    start, end = local(starts_at), local(ends_at)
    if start.date() != end.date():
        return "An appointment must start and end on the same day."
    hours = list(WorkingHours.objects.filter(therapist=therapist, weekday=start.weekday()))
    if not hours:
        return f"{therapist.user.get_full_name()} does not work on {start:%A}s."
    if not any(h.start_time <= start.time() and end.time() <= h.end_time for h in hours):
        spans = ", ".join(f"{h.start_time:%H:%M}-{h.end_time:%H:%M}" for h in hours)
        return (
            f"Outside {therapist.user.get_full_name()}'s working hours on {start:%A}s "
            f"({spans}). The appointment would run {start:%H:%M}-{end:%H:%M}."
        )
    away = TimeOff.objects.filter(
        therapist=therapist, starts_at__lt=ends_at, ends_at__gt=starts_at
    ).first()
    if away:
        reason = f" ({away.reason})" if away.reason else ""
        return f"{therapist.user.get_full_name()} is away then{reason}."
    return None


def _overlap_problem(slot: Slot, *, client, ignore) -> tuple[str, str] | None:
    others = Appointment.objects.overlapping(slot.starts_at, slot.ends_at)
    if ignore is not None:
        others = others.exclude(pk=ignore.pk)
    clash = others.filter(therapist=slot.therapist).first()
    if clash:
        return "starts_at", (
            f"That time is taken: {slot.therapist.user.get_full_name()} has an appointment "
            f"{_fmt(clash.starts_at)}-{local(clash.ends_at):%H:%M}."
        )
    if slot.room is not None and others.filter(room=slot.room).exists():
        return "room", f"That time is taken: {slot.room} is in use then. Choose another room."
    if client is not None and others.filter(client=client).exists():
        return "starts_at", "That time is taken: the client already has an appointment then."
    return None


def _lock(slot: Slot) -> None:
    """Serialise bookings per therapist, then per room (always in this order: no deadlock)."""
    Therapist.objects.select_for_update().filter(pk=slot.therapist.pk).exists()
    if slot.room is not None:
        Room.objects.select_for_update().filter(pk=slot.room.pk).exists()


def _raise_problems(problems: dict[str, str]) -> None:
    if not problems:
        return
    error = (
        SlotTaken
        if any(m.startswith("That time is taken") for m in problems.values())
        else ValidationError
    )
    raise error(problems)


def _save_guarded(appointment: Appointment) -> None:
    """Save, turning the database's overlap refusal into SlotTaken."""
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError as exc:
        if any(name in str(exc) for name in OVERLAP_CONSTRAINTS):
            raise SlotTaken({"starts_at": "That time is taken. Choose another time."}) from None
        raise


# --- services -----------------------------------------------------------------------------------


@transaction.atomic
def appointment_book(
    *, actor, client: Client, slot: Slot, front_desk_note: str = "", series=None
) -> Appointment:
    _require_staff(actor)
    return book_slot(
        actor=actor, client=client, slot=slot, front_desk_note=front_desk_note, series=series
    )


# How the audit trail says a booking was made.
BOOKED_HOW = {
    Appointment.Channel.DESK: "",
    Appointment.Channel.ONLINE: " online",
    Appointment.Channel.OFFER: " from a waitlist offer",
}


def book_slot(
    *,
    actor,
    client: Client,
    slot: Slot,
    channel: str = Appointment.Channel.DESK,
    front_desk_note: str = "",
    series=None,
) -> Appointment:
    """The core every booking shares (the front desk's, the client's online, a claimed waitlist
    offer): lock, check, guarded save, audit, the waitlist, the time's waitlist offers, the
    confirmation mail. The caller has checked who may book and runs this inside its
    transaction."""
    _lock(slot)
    _raise_problems(slot_problems(slot, client=client))
    appointment = Appointment(
        client=client,
        therapist=slot.therapist,
        room=slot.room,
        appointment_type=slot.appointment_type,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        front_desk_note=front_desk_note,
        series=series,
        channel=channel,
        created_by=actor,
    )
    _save_guarded(appointment)
    audit.record(
        actor=actor,
        action="create",
        client=client,
        target=appointment,
        detail=f"booked{BOOKED_HOW[channel]} {slot.appointment_type.name} {_fmt(slot.starts_at)}",
    )
    waitlist_fulfil(actor=actor, appointment=appointment)
    _offers_taken(actor, appointment)
    _notify_client(appointment)
    return appointment


def _notify_client(appointment: Appointment) -> None:
    # Owed in this transaction: saved with the booking, sent once a worker is told.
    from scheduling.services.intake_forms import intake_forms_ask
    from scheduling.services.reminders import appointment_confirmation_owe

    appointment_confirmation_owe(appointment)
    # Every booking passes here: a first visit with intake missing asks for the forms, once
    # (scheduling/services/intake_forms.py).
    intake_forms_ask(appointment)


def _freed_copy(appointment: Appointment) -> Appointment:
    from scheduling.services.offers import freed_copy

    return freed_copy(appointment)


def _offer_freed(actor, freed: Appointment) -> None:
    # In this transaction: the freed time is offered to matching waitlist clients by mail
    # (scheduling/services/offers.py), who may claim it with the link.
    from scheduling.services.offers import offers_make

    offers_make(actor=actor, freed=freed)


def _offers_taken(actor, appointment: Appointment) -> None:
    # Waitlist offers of the time just booked are gone; their clients are told by mail.
    from scheduling.services.offers import offers_taken_by

    offers_taken_by(actor=actor, appointment=appointment)


def series_dates(
    first_starts_at: dt.datetime, count: int, interval_weeks: int
) -> list[dt.datetime]:
    """Weekly occurrences that keep the clinic's wall-clock time across daylight saving."""
    first = local(first_starts_at)
    return [
        at_local(first.date() + dt.timedelta(weeks=n * interval_weeks), first.time())
        for n in range(count)
    ]


class SeriesConflicts(ValidationError):
    """Some dates of a series cannot be booked; `conflicts` lists (start, reason) per date."""

    def __init__(self, conflicts: list[tuple[dt.datetime, str]]):
        self.conflicts = conflicts
        super().__init__(f"{len(conflicts)} of the dates cannot be booked; nothing was saved.")


@transaction.atomic
def series_book(
    *,
    actor,
    client: Client,
    slot: Slot,
    count: int,
    interval_weeks: int = 1,
    front_desk_note: str = "",
) -> list[Appointment]:
    """Book every date or none: conflicts for all dates are listed before anything is saved."""
    _require_staff(actor)
    if not 2 <= count <= 52:
        raise ValidationError({"repeat_count": "A series has between 2 and 52 sessions."})
    _lock(slot)
    slots = [
        Slot(slot.therapist, slot.appointment_type, starts_at, slot.room)
        for starts_at in series_dates(slot.starts_at, count, interval_weeks)
    ]
    conflicts = [
        (s.starts_at, " ".join(problems.values()))
        for s in slots
        if (problems := slot_problems(s, client=client))
    ]
    if conflicts:
        raise SeriesConflicts(conflicts)
    series = AppointmentSeries.objects.create(
        client=client,
        therapist=slot.therapist,
        interval_weeks=interval_weeks,
        count=count,
        created_by=actor,
    )
    return [
        appointment_book(
            actor=actor, client=client, slot=s, front_desk_note=front_desk_note, series=series
        )
        for s in slots
    ]


@transaction.atomic
def appointment_reschedule(*, actor, appointment: Appointment, slot: Slot) -> Appointment:
    _require_staff(actor)
    return move_to_slot(actor=actor, appointment=appointment, slot=slot)


def move_to_slot(*, actor, appointment: Appointment, slot: Slot, refusal=None) -> Appointment:
    """The core every move shares (the front desk's, the client's online): lock the row, check,
    guarded save, audit, the waitlist, the confirmation of the new time. `refusal(locked)`
    may name a reason to refuse, asked of the locked row. Runs inside the caller's
    transaction."""
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.status != Status.BOOKED:
        state = appointment.get_status_display().lower()
        raise ValidationError(f"Only a booked appointment can be moved; this one is {state}.")
    if refusal is not None and (reason := refusal(appointment)):
        raise ValidationError(reason)
    _lock(slot)
    _raise_problems(slot_problems(slot, client=appointment.client, ignore=appointment))
    before = _fmt(appointment.starts_at)
    freed = _freed_copy(appointment)
    appointment.therapist, appointment.room = slot.therapist, slot.room
    appointment.appointment_type = slot.appointment_type
    appointment.starts_at, appointment.ends_at = slot.starts_at, slot.ends_at
    appointment.reminder_sent_at = None  # the new time deserves its own reminder
    appointment.intake_reminded_at = None  # and, intake still missing, its own forms reminder
    _save_guarded(appointment)
    audit.record(
        actor=actor,
        action="update",
        client=appointment.client,
        target=appointment,
        detail=f"moved from {before} to {_fmt(slot.starts_at)}",
    )
    waitlist_fulfil(actor=actor, appointment=appointment)
    _offers_taken(actor, appointment)
    _notify_client(appointment)
    _offer_freed(actor, freed)
    return appointment


@transaction.atomic
def appointment_cancel(*, actor, appointment: Appointment, reason: str) -> Appointment:
    _require_staff(actor)
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the appointment is cancelled."})
    if appointment.status not in (Status.BOOKED, Status.CHECKED_IN):
        raise ValidationError(
            f"This appointment is already {appointment.get_status_display().lower()}."
        )
    appointment.status = Status.CANCELLED
    appointment.cancel_reason = reason[:300]
    appointment.cancelled_at = timezone.now()
    appointment.save(update_fields=["status", "cancel_reason", "cancelled_at", "updated_at"])
    audit.record(
        actor=actor,
        action="update",
        client=appointment.client,
        target=appointment,
        detail=f"cancelled: {reason[:200]}",
    )
    _offer_freed(actor, appointment)
    return appointment


def client_cancel_refusal(
    appointment: Appointment, *, now: dt.datetime | None = None, rules=None
) -> str:
    """Why the client may not cancel this appointment online, or "" when they may. The one
    copy of the rule: the service, the portal's confirmation page and the portal's list of
    appointments all ask it (`appointment_client_may_cancel`). How close to the time is the
    admin's rule (`OnlineBookingRules.cancel_hours`)."""
    from django.conf import settings

    now = now or timezone.now()
    if appointment.status != Status.BOOKED:
        return "This appointment is no longer booked."
    hours = (rules or OnlineBookingRules.current()).cancel_hours
    if appointment.starts_at - now < dt.timedelta(hours=hours):
        return (
            f"It is less than {hours} hours until this appointment, so it cannot "
            f"be cancelled online. Please call the clinic at {settings.CLINIC_PHONE}."
        )
    return ""


def appointment_client_may_cancel(
    appointment: Appointment, *, now: dt.datetime | None = None, rules=None
) -> bool:
    """Whether the client may cancel this appointment online (see client_cancel_refusal);
    a page listing many passes the rules it read once."""
    return not client_cancel_refusal(appointment, now=now, rules=rules)


@transaction.atomic
def appointment_cancel_by_client(*, actor, appointment: Appointment) -> Appointment:
    """The client cancels their own booked appointment from the portal, at least the rules'
    cancel_hours ahead; the freed time then shows waitlist matches to the front desk."""
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if role_of(actor) != Role.CLIENT or appointment.client.user_id != actor.pk:
        raise PermissionDenied("You may cancel only your own appointments.")
    if refusal := client_cancel_refusal(appointment):
        raise ValidationError(refusal)
    appointment.status = Status.CANCELLED
    appointment.cancel_reason = "Cancelled by the client in the portal"
    appointment.cancelled_at = timezone.now()
    appointment.save(update_fields=["status", "cancel_reason", "cancelled_at", "updated_at"])
    audit.record(
        actor=actor,
        action="update",
        client=appointment.client,
        target=appointment,
        detail="cancelled by the client",
    )
    _offer_freed(actor, appointment)
    return appointment


# Allowed status changes other than cancelling (which needs a reason) and whether the
# appointment must have started first.
TRANSITIONS: dict[tuple[str, str], bool] = {
    (Status.BOOKED, Status.CHECKED_IN): False,
    (Status.CHECKED_IN, Status.BOOKED): False,  # undo a check-in made by mistake
    (Status.BOOKED, Status.NO_SHOW): True,
    (Status.NO_SHOW, Status.BOOKED): False,  # undo
    (Status.BOOKED, Status.COMPLETED): True,
    (Status.CHECKED_IN, Status.COMPLETED): False,
}


def status_problem(appointment: Appointment, status: str) -> str | None:
    """Why the appointment cannot be marked `status` now (None: it can). The appointment page
    asks this too, so it offers only the changes that would be accepted."""
    key = (appointment.status, status)
    label = Status(status).label.lower()
    if key not in TRANSITIONS:
        return f"A {appointment.get_status_display().lower()} appointment cannot be marked {label}."
    if TRANSITIONS[key] and appointment.starts_at > timezone.now():
        return f"The appointment has not started yet; it can be marked {label} from its start time."
    if status == Status.CHECKED_IN and local(appointment.starts_at).date() != today():
        # A client is checked in when they arrive, which is on the appointment's day.
        on = date_formats.day(appointment.starts_at)
        return f"Check in is only on the appointment's day ({on})."
    return None


@transaction.atomic
def appointment_set_status(*, actor, appointment: Appointment, status: str) -> Appointment:
    _require_staff(actor)
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.status == status:  # a double submit: the first one did it
        raise ValidationError(f"This appointment is already marked {Status(status).label.lower()}.")
    problem = status_problem(appointment, status)
    if problem:
        raise ValidationError(problem)
    appointment.status = status
    appointment.save(update_fields=["status", "updated_at"])
    audit.record(
        actor=actor,
        action="update",
        client=appointment.client,
        target=appointment,
        detail=f"status: {Status(status).label.lower()}",
    )
    return appointment
