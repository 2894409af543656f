"""Therapists' resources: weekly working hours, time off, and the secret calendar feed link.

Admin and front desk manage every therapist; a therapist manages only themself. Each service
is one transaction, locks the therapist row (as booking does, so hours never change under a
booking in progress) and writes an audit entry whose target is the therapist.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from clinic import audit
from clinic.clinic_time import local
from clinic.models import Therapist
from clinic.roles import Role, role_of
from scheduling.models import TimeOff, WorkingHours

WEEKDAY_NAMES = dict(WorkingHours.WEEKDAYS)


class Interval(NamedTuple):
    weekday: int
    start_time: dt.time
    end_time: dt.time

    def __str__(self) -> str:
        return f"{WEEKDAY_NAMES[self.weekday]} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


def can_manage(actor, therapist: Therapist) -> bool:
    """The one rule for who may change a therapist's hours, time off and feed link."""
    role = role_of(actor)
    if role in (Role.ADMIN, Role.FRONT_DESK):
        return True
    return role == Role.THERAPIST and therapist.user_id == actor.pk


def _require_manager(actor, therapist: Therapist) -> Therapist:
    if not can_manage(actor, therapist):
        raise PermissionDenied("You may change only your own hours, time off and calendar link.")
    return Therapist.objects.select_for_update().get(pk=therapist.pk)


def interval_overlaps(intervals: Sequence[Interval]) -> list[tuple[int, int]]:
    """Index pairs (earlier, later) of intervals on one weekday that overlap; touching end to
    start is fine. Each later interval is paired with the earlier one reaching furthest."""
    clashes = []
    reach: int | None = None  # index of the interval ending last so far on this weekday
    for index in sorted(range(len(intervals)), key=intervals.__getitem__):
        current = intervals[index]
        if reach is not None and intervals[reach].weekday != current.weekday:
            reach = None
        if reach is not None and current.start_time < intervals[reach].end_time:
            clashes.append((reach, index))
        if reach is None or current.end_time > intervals[reach].end_time:
            reach = index
    return clashes


def _check_intervals(intervals: list[Interval]) -> None:
    for interval in intervals:
        if not 0 <= interval.weekday <= 6:
            raise ValidationError(f"Unknown weekday {interval.weekday}.")
        if interval.start_time >= interval.end_time:
            raise ValidationError(f"{interval}: the start must be before the end.")
    clashes = interval_overlaps(intervals)
    if clashes:
        a, b = (intervals[i] for i in clashes[0])
        raise ValidationError(f"{a} overlaps {b}. Change or remove one of them.")


@transaction.atomic
def working_hours_replace(
    *, actor, therapist: Therapist, intervals: Iterable[Interval | tuple]
) -> list[WorkingHours]:
    """Replace the therapist's whole week at once, so the week is never half edited."""
    therapist = _require_manager(actor, therapist)
    intervals = sorted(Interval(*i) for i in intervals)
    _check_intervals(intervals)
    WorkingHours.objects.filter(therapist=therapist).delete()
    rows = WorkingHours.objects.bulk_create(
        WorkingHours(therapist=therapist, weekday=w, start_time=s, end_time=e)
        for w, s, e in intervals
    )
    summary = "; ".join(str(i) for i in intervals) or "none"
    audit.record(actor=actor, action="update", target=therapist, detail=f"working hours: {summary}")
    return rows


def _fmt(moment: dt.datetime) -> str:
    return f"{local(moment):%Y-%m-%d %H:%M}"


@transaction.atomic
def time_off_add(
    *, actor, therapist: Therapist, starts_at: dt.datetime, ends_at: dt.datetime, reason: str = ""
) -> TimeOff:
    therapist = _require_manager(actor, therapist)
    if starts_at >= ends_at:
        raise ValidationError({"ends_at": "The end must be after the start."})
    time_off = TimeOff.objects.create(
        therapist=therapist, starts_at=starts_at, ends_at=ends_at, reason=reason.strip()[:120]
    )
    audit.record(
        actor=actor,
        action="create",
        target=therapist,
        detail=f"time off {_fmt(starts_at)} - {_fmt(ends_at)}",
    )
    return time_off


@transaction.atomic
def time_off_delete(*, actor, time_off: TimeOff) -> None:
    therapist = _require_manager(actor, time_off.therapist)
    detail = f"time off {_fmt(time_off.starts_at)} - {_fmt(time_off.ends_at)} removed"
    time_off.delete()
    audit.record(actor=actor, action="delete", target=therapist, detail=detail)


@transaction.atomic
def calendar_token_rotate(*, actor, therapist: Therapist) -> str:
    """A new secret feed link; the old link stops working at once. The token itself never
    goes into the audit trail (whoever reads the trail must not be able to subscribe)."""
    locked = _require_manager(actor, therapist)
    rotated = locked.calendar_token is not None
    locked.calendar_token = therapist.calendar_token = secrets.token_urlsafe(32)
    locked.save(update_fields=["calendar_token"])
    action = "replaced" if rotated else "turned on"
    audit.record(actor=actor, action="update", target=locked, detail=f"calendar feed {action}")
    return locked.calendar_token


@transaction.atomic
def calendar_token_revoke(*, actor, therapist: Therapist) -> None:
    locked = _require_manager(actor, therapist)
    locked.calendar_token = therapist.calendar_token = None
    locked.save(update_fields=["calendar_token"])
    audit.record(actor=actor, action="update", target=locked, detail="calendar feed turned off")
