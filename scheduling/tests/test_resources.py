"""Services for therapists' hours, time off and calendar feed link: who may call them, what
they refuse, and the audit entry each one writes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from clinic.models import AuditEntry
from scheduling.models import TimeOff, WorkingHours
from scheduling.services import resources
from scheduling.services.resources import Interval
from scheduling.tests.factories import TimeOffFactory, WorkingHoursFactory

T = dt.time


def _last_audit():
    return AuditEntry.objects.order_by("-id").first()


def _assert_audited(entry, *, actor, therapist, action, detail_part):
    assert entry.actor == actor
    assert entry.action == action
    assert entry.object_type == "clinic.Therapist"
    assert entry.object_id == str(therapist.pk)
    assert entry.client is None
    assert detail_part in entry.detail


@pytest.fixture
def profile(cast):
    return cast.therapist.therapist_profile


# --- working hours ------------------------------------------------------------------------------


def test_working_hours_replace_swaps_the_whole_week_and_audits(cast, profile):
    WorkingHoursFactory(therapist=profile, weekday=4, start_time=T(8), end_time=T(12))
    resources.working_hours_replace(
        actor=cast.frontdesk,
        therapist=profile,
        intervals=[(0, T(13), T(17)), (0, T(9), T(12)), (2, T(10), T(18))],
    )
    rows = [(h.weekday, h.start_time, h.end_time) for h in profile.hours.all()]
    assert rows == [(0, T(9), T(12)), (0, T(13), T(17)), (2, T(10), T(18))]
    _assert_audited(
        _last_audit(),
        actor=cast.frontdesk,
        therapist=profile,
        action="update",
        detail_part="Monday 09:00-12:00; Monday 13:00-17:00; Wednesday 10:00-18:00",
    )


def test_working_hours_touching_intervals_are_a_split_shift_not_an_overlap(cast, profile):
    resources.working_hours_replace(
        actor=cast.therapist, therapist=profile, intervals=[(1, T(9), T(12)), (1, T(12), T(15))]
    )
    assert profile.hours.count() == 2


@pytest.mark.parametrize(
    "intervals, message",
    [
        ([(0, T(9), T(13)), (0, T(12), T(17))], "Monday 09:00-13:00 overlaps Monday 12:00-17:00"),
        ([(3, T(9), T(17)), (3, T(10), T(11))], "Thursday 09:00-17:00 overlaps"),
        ([(0, T(17), T(9))], "the start must be before the end"),
        ([(0, T(9), T(9))], "the start must be before the end"),
    ],
)
def test_working_hours_replace_refuses_bad_intervals_and_keeps_the_old_week(
    cast, profile, intervals, message
):
    WorkingHoursFactory(therapist=profile, weekday=4, start_time=T(8), end_time=T(12))
    audits = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as error:
        resources.working_hours_replace(actor=cast.admin, therapist=profile, intervals=intervals)
    assert message in " ".join(error.value.messages)
    assert [(h.weekday, h.start_time) for h in profile.hours.all()] == [(4, T(8))]
    assert AuditEntry.objects.count() == audits


def test_interval_overlaps_finds_every_interval_inside_a_long_one():
    intervals = [Interval(0, T(9), T(17)), Interval(0, T(10), T(11)), Interval(0, T(12), T(13))]
    assert resources.interval_overlaps(intervals) == [(0, 1), (0, 2)]
    assert resources.interval_overlaps([Interval(0, T(9), T(12)), Interval(1, T(9), T(12))]) == []


@pytest.mark.parametrize("who", ["therapist2", "client_user", "physician_user"])
def test_only_admin_front_desk_or_the_therapist_themself_may_change_hours(cast, profile, who):
    with pytest.raises(PermissionDenied):
        resources.working_hours_replace(
            actor=getattr(cast, who), therapist=profile, intervals=[(0, T(9), T(12))]
        )
    assert not WorkingHours.objects.filter(therapist=profile).exists()


@pytest.mark.parametrize("who", ["admin", "frontdesk", "therapist"])
def test_managers_may_change_hours(cast, profile, who):
    resources.working_hours_replace(
        actor=getattr(cast, who), therapist=profile, intervals=[(0, T(9), T(12))]
    )
    assert profile.hours.count() == 1


# --- time off -----------------------------------------------------------------------------------


def test_time_off_add_creates_and_audits(cast, profile):
    start = timezone.now() + dt.timedelta(days=3)
    time_off = resources.time_off_add(
        actor=cast.therapist,
        therapist=profile,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=8),
        reason="  Course  ",
    )
    assert TimeOff.objects.get() == time_off
    assert time_off.reason == "Course"
    _assert_audited(
        _last_audit(),
        actor=cast.therapist,
        therapist=profile,
        action="create",
        detail_part="time off",
    )


@pytest.mark.parametrize("hours", [0, -2])
def test_time_off_must_end_after_it_starts(cast, profile, hours):
    start = timezone.now() + dt.timedelta(days=3)
    with pytest.raises(ValidationError) as error:
        resources.time_off_add(
            actor=cast.admin,
            therapist=profile,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=hours),
            reason="",
        )
    assert "ends_at" in error.value.message_dict
    assert not TimeOff.objects.exists()


def test_time_off_delete_removes_and_audits(cast, profile):
    time_off = TimeOffFactory(therapist=profile)
    resources.time_off_delete(actor=cast.frontdesk, time_off=time_off)
    assert not TimeOff.objects.exists()
    _assert_audited(
        _last_audit(),
        actor=cast.frontdesk,
        therapist=profile,
        action="delete",
        detail_part="removed",
    )


def test_another_therapist_cannot_add_or_delete_time_off(cast, profile):
    time_off = TimeOffFactory(therapist=profile)
    with pytest.raises(PermissionDenied):
        resources.time_off_delete(actor=cast.therapist2, time_off=time_off)
    with pytest.raises(PermissionDenied):
        resources.time_off_add(
            actor=cast.therapist2,
            therapist=profile,
            starts_at=time_off.starts_at,
            ends_at=time_off.ends_at,
            reason="",
        )
    assert TimeOff.objects.count() == 1


# --- calendar feed link -------------------------------------------------------------------------


def test_rotate_makes_a_new_secret_each_time_and_never_audits_it(cast, profile):
    first = resources.calendar_token_rotate(actor=cast.therapist, therapist=profile)
    entry = _last_audit()
    _assert_audited(
        entry, actor=cast.therapist, therapist=profile, action="update", detail_part="turned on"
    )
    second = resources.calendar_token_rotate(actor=cast.therapist, therapist=profile)
    assert len(first) >= 43 and len(second) >= 43
    assert first != second
    profile.refresh_from_db()
    assert profile.calendar_token == second
    assert "replaced" in _last_audit().detail
    assert not AuditEntry.objects.filter(detail__contains=first).exists()
    assert not AuditEntry.objects.filter(detail__contains=second).exists()


def test_revoke_turns_the_feed_off_and_audits(cast, profile):
    resources.calendar_token_rotate(actor=cast.admin, therapist=profile)
    resources.calendar_token_revoke(actor=cast.admin, therapist=profile)
    profile.refresh_from_db()
    assert profile.calendar_token is None
    _assert_audited(
        _last_audit(),
        actor=cast.admin,
        therapist=profile,
        action="update",
        detail_part="calendar feed turned off",
    )


def test_another_therapist_cannot_touch_the_feed(cast, profile):
    with pytest.raises(PermissionDenied):
        resources.calendar_token_rotate(actor=cast.therapist2, therapist=profile)
    resources.calendar_token_rotate(actor=cast.therapist, therapist=profile)
    with pytest.raises(PermissionDenied):
        resources.calendar_token_revoke(actor=cast.therapist2, therapist=profile)
    profile.refresh_from_db()
    assert profile.calendar_token
