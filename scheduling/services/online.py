"""Clients booking, moving and cancelling in the portal, within the clinic's rules
(`OnlineBookingRules`), and the admin's edit of those rules.

A client's booking shares its core with the front desk's (`book_slot`, `move_to_slot` in
appointments.py: lock, checks, guarded save, audit, waitlist, confirmation with .ics); this
module adds only what is the client's: the rules (open, notice, horizon, most upcoming), which
types they may book (online_eligibility.py) and, when the time was just taken by someone else,
the nearest free times to offer instead.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from clinic import audit, date_formats
from clinic.clinic_time import day_bounds, local
from clinic.models import Client, Therapist
from clinic.roles import Role, role_of
from scheduling import online_eligibility
from scheduling.models import Appointment, AppointmentType, OnlineBookingRules, Room
from scheduling.selectors import free_slots, rooms_busy
from scheduling.services.appointments import (
    Slot,
    SlotTaken,
    book_slot,
    move_to_slot,
    slot_problems,
)

Status = Appointment.Status
# Free times are offered on the half hour: a phone screen of 15-minute starts is a wall.
STEP_MINUTES = 30
NEAREST_SHOWN = 3


class JustTaken(SlotTaken):
    """The chosen time was taken by someone else a moment ago; `nearest` holds the nearest
    free times of the same type (and therapist, if one was chosen) as (therapist, start)."""

    def __init__(self, nearest: list[tuple[Therapist, dt.datetime]]):
        self.nearest = nearest
        super().__init__({"starts_at": TAKEN_NEAREST if nearest else TAKEN_NOTHING_NEAR})


TAKEN_NEAREST = "That time was just taken by someone else. Here are the nearest free times."
TAKEN_NOTHING_NEAR = (
    "That time was just taken by someone else, and there is no other free time near it. "
    "Please choose another day."
)


# --- the rules ------------------------------------------------------------------------------


def window(rules: OnlineBookingRules, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The earliest and latest start a client may book now (notice .. horizon)."""
    return (
        now + dt.timedelta(hours=rules.min_notice_hours),
        now + dt.timedelta(days=rules.horizon_days),
    )


def upcoming_count(client: Client, now: dt.datetime) -> int:
    return Appointment.objects.filter(
        client=client, status=Status.BOOKED, starts_at__gt=now
    ).count()


def closed_refusal(rules: OnlineBookingRules) -> str:
    if rules.enabled:
        return ""
    return (
        "Booking online is not open at this clinic. Please call the clinic at "
        f"{settings.CLINIC_PHONE} to book."
    )


def limit_refusal(client: Client, rules: OnlineBookingRules, now: dt.datetime) -> str:
    held = upcoming_count(client, now)
    if held < rules.max_upcoming:
        return ""
    return (
        f"You already have {held} upcoming appointment{'s' if held != 1 else ''}, the most "
        f"that can be booked online ({rules.max_upcoming}). Move one of them, or call the "
        f"clinic at {settings.CLINIC_PHONE}."
    )


def time_refusal(starts_at: dt.datetime, rules: OnlineBookingRules, now: dt.datetime) -> str:
    """Why a client may not book (or move to) this start: notice and horizon."""
    earliest, latest = window(rules, now)
    if starts_at < earliest:
        return (
            f"Online bookings need at least {rules.min_notice_hours} hours' notice: choose a "
            f"time from {date_formats.day_time_short(earliest)} on, or call the clinic."
        )
    if starts_at > latest:
        return (
            f"Online bookings can be made at most {rules.horizon_days} days ahead: choose a "
            f"time up to {date_formats.day_time_short(latest)}."
        )
    return ""


def type_refusal(client: Client, appointment_type: AppointmentType) -> str:
    if online_eligibility.may_book(client, appointment_type):
        return ""
    return (
        f"{appointment_type.name} cannot be booked online by you. Please call the clinic at "
        f"{settings.CLINIC_PHONE} to book it."
    )


def booking_problems(
    *, client: Client, appointment_type: AppointmentType, starts_at, rules, now
) -> dict[str, str]:
    """Every rule the booking breaks, keyed by field ("__all__" for the whole booking)."""
    if refusal := closed_refusal(rules):
        return {"__all__": refusal}
    problems = {}
    if refusal := limit_refusal(client, rules, now):
        problems["__all__"] = refusal
    if refusal := type_refusal(client, appointment_type):
        problems["appointment_type"] = refusal
    if starts_at is not None and (refusal := time_refusal(starts_at, rules, now)):
        problems["starts_at"] = refusal
    return problems


def move_refusal(appointment: Appointment, rules: OnlineBookingRules, now: dt.datetime) -> str:
    """Why the client may not move this appointment online, or "": the one copy of the rule
    (the service, the move page and the portal's list ask it)."""
    if refusal := closed_refusal(rules):
        return refusal
    if appointment.status != Status.BOOKED:
        return "This appointment is no longer booked."
    if not appointment.appointment_type.online_for:
        return (
            f"{appointment.appointment_type.name} appointments are moved by the clinic: please "
            f"call {settings.CLINIC_PHONE}."
        )
    if appointment.starts_at - now < dt.timedelta(hours=rules.move_hours):
        return (
            f"It is less than {rules.move_hours} hours until this appointment, so it cannot be "
            f"moved online. Please call the clinic at {settings.CLINIC_PHONE}."
        )
    return ""


# --- free times -----------------------------------------------------------------------------


def bookable_therapists(rules: OnlineBookingRules, therapist: Therapist | None = None):
    """The therapists a client's booking may go to, in a fixed order (who gets "anyone")."""
    if therapist is not None and rules.choose_therapist:
        return [therapist] if therapist.is_active else []
    return list(
        Therapist.objects.filter(is_active=True)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "pk")
    )


def free_times(
    *,
    appointment_type: AppointmentType,
    therapists: list[Therapist],
    start_day: dt.date,
    days: int,
    rules: OnlineBookingRules,
    now: dt.datetime | None = None,
    ignore: Appointment | None = None,
) -> list[tuple[dt.date, list[tuple[dt.datetime, Therapist]]]]:
    """Free starts for a client, by day: the front desk's free slots (hours, time off,
    overlaps, daylight saving) cut to the notice..horizon window. With several therapists a
    start is offered once, with the first therapist free then. `ignore`: the appointment
    being moved (its own time does not block a time overlapping it)."""
    now = now or timezone.now()
    earliest, latest = window(rules, now)
    duration = dt.timedelta(minutes=appointment_type.duration_minutes)
    last_day = start_day + dt.timedelta(days=days - 1)
    rooms = rooms_busy(day_bounds(start_day)[0], day_bounds(last_day)[1], ignore=ignore)
    by_day: dict[dt.date, dict[dt.datetime, Therapist]] = defaultdict(dict)
    for therapist in therapists:
        for day, starts in free_slots(
            therapist=therapist,
            appointment_type=appointment_type,
            start_day=start_day,
            days=days,
            step_minutes=STEP_MINUTES,
            ignore=ignore,
        ):
            for start in starts:
                if earliest <= start <= latest and _a_room_free(rooms, start, duration):
                    by_day[day].setdefault(start, therapist)
    return [(day, sorted(by_day[day].items())) for day in sorted(by_day)]


def _a_room_free(rooms: dict, start: dt.datetime, duration: dt.timedelta) -> bool:
    """No rooms at all: nothing to find. Otherwise one of them is free the whole time."""
    return not rooms or any(not busy.overlaps(start, start + duration) for busy in rooms.values())


def free_room(starts_at: dt.datetime, ends_at: dt.datetime, *, prefer=None, ignore=None):
    """The room a client's booking takes: `prefer` (the room of an appointment being moved)
    if it is free then, else the first free active room by name; None when the clinic has no
    rooms. Raises SlotTaken when it has rooms and all are in use."""
    rooms = list(Room.objects.filter(is_active=True))
    if not rooms:
        return None
    used = Appointment.objects.overlapping(starts_at, ends_at).filter(room__isnull=False)
    if ignore is not None:
        used = used.exclude(pk=ignore.pk)
    in_use = set(used.values_list("room_id", flat=True))
    free = [room for room in rooms if room.pk not in in_use]
    if prefer is not None and prefer in free:
        return prefer
    if not free:
        raise SlotTaken({"room": "That time is taken: every room is in use then."})
    return free[0]


def nearest_free_times(
    *,
    appointment_type: AppointmentType,
    therapists: list[Therapist],
    wanted: dt.datetime,
    rules: OnlineBookingRules,
    now: dt.datetime | None = None,
    count: int = NEAREST_SHOWN,
    ignore: Appointment | None = None,
) -> list[tuple[Therapist, dt.datetime]]:
    """The free times nearest to `wanted` (before or after, within a week either side)."""
    start_day = local(wanted).date() - dt.timedelta(days=7)
    times = free_times(
        appointment_type=appointment_type,
        therapists=therapists,
        start_day=start_day,
        days=15,
        rules=rules,
        now=now,
        ignore=ignore,
    )
    flat = [(start, therapist) for _, starts in times for start, therapist in starts]
    flat.sort(key=lambda pair: (abs(pair[0] - wanted), pair[0]))
    return [(therapist, start) for start, therapist in flat[:count]]


# --- services -------------------------------------------------------------------------------


def _own_client(actor) -> Client:
    if role_of(actor) != Role.CLIENT:
        raise PermissionDenied("Only clients book in the portal.")
    client = Client.objects.filter(user=actor, is_active=True).first()
    if client is None:
        raise PermissionDenied("Your account is not linked to a client record.")
    return client


def _raise(problems: dict[str, str]) -> None:
    if problems:
        raise ValidationError(problems)


def appointment_book_online(
    *,
    actor,
    appointment_type: AppointmentType,
    starts_at: dt.datetime,
    therapist: Therapist | None = None,
    now: dt.datetime | None = None,
) -> Appointment:
    """The client books one appointment for themselves: `therapist` None is anyone free (and
    always so when the rules do not let clients choose). Raises ValidationError for a broken
    rule and JustTaken (a SlotTaken) with the nearest free times when someone else got there
    first."""
    client = _own_client(actor)
    rules = OnlineBookingRules.current()
    therapists = bookable_therapists(rules, therapist)
    try:
        return _book_online(
            actor=actor,
            client=client,
            appointment_type=appointment_type,
            starts_at=starts_at,
            therapists=therapists,
            rules=rules,
            now=now or timezone.now(),
        )
    except SlotTaken:
        # Asked after the failed transaction rolled back, so the times are the current ones.
        raise JustTaken(
            nearest_free_times(
                appointment_type=appointment_type,
                therapists=therapists,
                wanted=starts_at,
                rules=rules,
                now=now,
            )
        ) from None


@transaction.atomic
def _book_online(*, actor, client, appointment_type, starts_at, therapists, rules, now):
    # One client's bookings queue (two tabs must not pass the most-upcoming limit together).
    Client.objects.select_for_update().filter(pk=client.pk).exists()
    _raise(
        booking_problems(
            client=client,
            appointment_type=appointment_type,
            starts_at=starts_at,
            rules=rules,
            now=now,
        )
    )
    if not therapists:
        raise ValidationError({"therapist": "Nobody takes this appointment online now."})
    free = _first_free(client, [Slot(t, appointment_type, starts_at) for t in therapists])
    room = free_room(free.starts_at, free.ends_at)
    slot = Slot(free.therapist, appointment_type, starts_at, room)
    return book_slot(actor=actor, client=client, slot=slot, channel=Appointment.Channel.ONLINE)


def _own_clash(client, slot: Slot, ignore=None) -> None:
    """The client's own appointment then is their clash, not a time someone else took."""
    mine = Appointment.objects.overlapping(slot.starts_at, slot.ends_at).filter(client=client)
    if ignore is not None:
        mine = mine.exclude(pk=ignore.pk)
    if mine.exists():
        raise ValidationError({"starts_at": "You already have an appointment at that time."})


def _first_free(client, slots: list[Slot]) -> Slot:
    """The slot of the first therapist free then ("anyone"; book_slot locks and checks
    again). None free among several: taken, or nobody works then."""
    _own_clash(client, slots[0])
    problems = []
    for slot in slots:
        if not (found := slot_problems(slot, client=client)):
            return slot
        problems.append(found)
    if len(slots) == 1:
        return slots[0]  # book_slot gives its own reason (hours, time off, taken)
    if any(m.startswith("That time is taken") for p in problems for m in p.values()):
        raise SlotTaken({"starts_at": "That time is taken."})
    raise ValidationError(
        {"starts_at": "Nobody is free at that time. Choose one of the times shown."}
    )


def appointment_move_online(
    *, actor, appointment: Appointment, starts_at: dt.datetime, now: dt.datetime | None = None
) -> Appointment:
    """The client moves their own booked appointment to another free time of the same
    therapist and type, no later than the rules' move window allows."""
    client = _own_client(actor)
    if appointment.client_id != client.pk:
        raise PermissionDenied("You may move only your own appointments.")
    rules = OnlineBookingRules.current()
    now = now or timezone.now()
    if refusal := time_refusal(starts_at, rules, now):
        raise ValidationError({"starts_at": refusal})
    try:
        with transaction.atomic():
            ends_at = starts_at + dt.timedelta(
                minutes=appointment.appointment_type.duration_minutes
            )
            room = free_room(starts_at, ends_at, prefer=appointment.room, ignore=appointment)
            slot = Slot(appointment.therapist, appointment.appointment_type, starts_at, room)
            _own_clash(appointment.client, slot, ignore=appointment)
            return move_to_slot(
                actor=actor,
                appointment=appointment,
                slot=slot,
                refusal=lambda locked: move_refusal(locked, rules, now),
            )
    except SlotTaken:
        raise JustTaken(
            nearest_free_times(
                appointment_type=appointment.appointment_type,
                therapists=[appointment.therapist],
                wanted=starts_at,
                rules=rules,
                now=now,
                ignore=appointment,
            )
        ) from None


# --- the admin's rules ----------------------------------------------------------------------

RULE_FIELDS = (
    "enabled",
    "min_notice_hours",
    "horizon_days",
    "max_upcoming",
    "choose_therapist",
    "cancel_hours",
    "move_hours",
    "offer_hours",
)


@transaction.atomic
def online_rules_update(
    *, actor, values: dict, online_for: dict[AppointmentType, str]
) -> OnlineBookingRules:
    """The admin saves the rules and who may book each type online; one audit entry says
    what changed."""
    if role_of(actor) != Role.ADMIN:
        raise PermissionDenied("Only the clinic admin sets the online booking rules.")
    rules = OnlineBookingRules.objects.select_for_update().filter(pk=1).first()
    rules = rules or OnlineBookingRules()
    changes = [
        f"{name} {getattr(rules, name)}→{values[name]}"
        for name in RULE_FIELDS
        if getattr(rules, name) != values[name]
    ]
    for name in RULE_FIELDS:
        setattr(rules, name, values[name])
    rules.updated_by = actor
    rules.full_clean()
    rules.save()
    for appointment_type, kind in online_for.items():
        if appointment_type.online_for != kind:
            changes.append(f"{appointment_type.name} online for {kind or 'nobody'}")
            appointment_type.online_for = kind
            appointment_type.save(update_fields=["online_for"])
    audit.record(
        actor=actor,
        action="update",
        target=rules,
        detail=("online booking rules: " + "; ".join(changes))[:500]
        if changes
        else "online booking rules saved unchanged",
    )
    return rules
