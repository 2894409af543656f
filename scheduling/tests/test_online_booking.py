"""Clients booking, moving and cancelling in the portal within the admin's rules (issue 20):
every rule at its edge, the shared core with the front desk's booking, the "just taken"
answer, and the pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from clinic.clinic_time import at_local, local, today
from clinic.models import AuditEntry, OutboundMail
from clinic.tests.factories import TherapistFactory
from intake.tests.factories import AssessmentFactory
from scheduling.models import Appointment, AppointmentType, OnlineBookingRules
from scheduling.online_eligibility import bookable_types, may_book
from scheduling.services import online
from scheduling.services.appointments import (
    appointment_book,
    appointment_cancel_by_client,
    client_cancel_refusal,
)
from scheduling.services.online import JustTaken
from scheduling.tests.factories import AppointmentFactory, WorkingHoursFactory
from treatment_plans.tests.factories import TreatmentPlanFactory

T = dt.time


def _future_weekday(weekday: int, weeks: int = 2) -> dt.date:
    """A day with that weekday at least `weeks` weeks ahead (clear of the 24 h notice)."""
    day = today() + dt.timedelta(weeks=weeks)
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


@pytest.fixture(autouse=True)
def client_email(cast):
    cast.client.email = "client@example.test"
    cast.client.save()


@pytest.fixture
def rules(db):
    return OnlineBookingRules.objects.create(enabled=True)


@pytest.fixture
def profile(cast):
    return cast.therapist.therapist_profile


@pytest.fixture
def day(profile):
    day = _future_weekday(2)
    WorkingHoursFactory(therapist=profile, weekday=day.weekday(), start_time=T(9), end_time=T(17))
    return day


@pytest.fixture
def anytype(db):
    return AppointmentType.objects.create(name="Follow-up", duration_minutes=60, online_for="any")


def _book(cast, appointment_type, starts_at, therapist=None, **kw):
    return online.appointment_book_online(
        actor=cast.client_user,
        appointment_type=appointment_type,
        starts_at=starts_at,
        therapist=therapist,
        **kw,
    )


def _message(excinfo) -> str:
    return " ".join(excinfo.value.messages)


# --- who may book which type ----------------------------------------------------------------


def test_new_is_for_clients_without_an_initial_assessment(cast):
    initial = AppointmentType.objects.get(name="Initial assessment")
    assert initial.online_for == "new"
    assert may_book(cast.client, initial)
    AssessmentFactory(client=cast.client, kind="reassessment")
    assert may_book(cast.client, initial)  # only an initial assessment counts
    AssessmentFactory(client=cast.client, kind="initial")
    assert not may_book(cast.client, initial)


def test_plan_is_for_clients_with_an_active_plan(cast):
    treatment = AppointmentType.objects.get(name="Treatment")
    assert not may_book(cast.client, treatment)
    TreatmentPlanFactory(client=cast.client, therapist=cast.therapist, status="draft")
    assert not may_book(cast.client, treatment)
    TreatmentPlanFactory(client=cast.client, therapist=cast.therapist, status="active")
    assert may_book(cast.client, treatment)
    assert may_book(cast.client, AppointmentType.objects.get(name="Reassessment"))


def test_types_not_online_or_inactive_are_for_nobody(cast, anytype):
    assert may_book(cast.client, anytype)
    anytype.is_active = False
    anytype.save()
    assert not may_book(cast.client, anytype)
    hidden = AppointmentType.objects.create(name="Home visit", duration_minutes=60)
    assert not may_book(cast.client, hidden)
    names = [t.name for t in bookable_types(cast.client)]
    assert names == ["Initial assessment"]  # new client: no plan, Follow-up now inactive


# --- booking: the rules at their edges ------------------------------------------------------


def test_a_booking_is_online_by_the_client_audited_and_confirmed(cast, rules, day, anytype):
    starts_at = at_local(day, T(10))
    appointment = _book(cast, anytype, starts_at, therapist=cast.therapist.therapist_profile)
    assert appointment.channel == Appointment.Channel.ONLINE
    assert appointment.created_by == cast.client_user and appointment.client == cast.client
    assert appointment.ends_at == starts_at + dt.timedelta(minutes=60)
    entry = AuditEntry.objects.get(action="create", object_id=str(appointment.pk))
    assert entry.actor == cast.client_user and "booked online Follow-up" in entry.detail
    mail = OutboundMail.objects.get(kind="appointment_confirmation", about_id=str(appointment.pk))
    assert mail.recipient == cast.client.email


def test_the_front_desk_booking_stays_a_desk_booking(cast, day, anytype):
    from scheduling.services.appointments import Slot

    slot = Slot(cast.therapist.therapist_profile, anytype, at_local(day, T(11)))
    appointment = appointment_book(actor=cast.frontdesk, client=cast.client, slot=slot)
    assert appointment.channel == Appointment.Channel.DESK
    assert appointment.created_by == cast.frontdesk


def test_closed_rules_refuse(cast, day, anytype):
    OnlineBookingRules.objects.create(enabled=False)
    with pytest.raises(ValidationError) as refused:
        _book(cast, anytype, at_local(day, T(10)))
    assert "Booking online is not open" in _message(refused)
    assert not Appointment.objects.exists()


def test_defaults_are_closed_until_the_admin_opens_booking(cast, day, anytype):
    assert not OnlineBookingRules.current().enabled
    with pytest.raises(ValidationError):
        _book(cast, anytype, at_local(day, T(10)))


def test_a_type_not_for_the_client_is_refused(cast, rules, day):
    treatment = AppointmentType.objects.get(name="Treatment")
    with pytest.raises(ValidationError) as refused:
        _book(cast, treatment, at_local(day, T(10)))
    assert "Treatment cannot be booked online by you" in _message(refused)


def test_notice_exactly_at_the_limit_is_allowed_a_minute_less_is_not(cast, rules, day, anytype):
    starts_at = at_local(day, T(10))
    with pytest.raises(ValidationError) as refused:
        _book(cast, anytype, starts_at, now=starts_at - dt.timedelta(hours=24, minutes=-1))
    assert "at least 24 hours' notice" in _message(refused)
    booked = _book(cast, anytype, starts_at, now=starts_at - dt.timedelta(hours=24))
    assert booked.starts_at == starts_at


def test_horizon_exactly_at_the_limit_is_allowed_a_minute_beyond_is_not(cast, rules, day, anytype):
    starts_at = at_local(day, T(10))
    with pytest.raises(ValidationError) as refused:
        _book(cast, anytype, starts_at, now=starts_at - dt.timedelta(days=60, minutes=1))
    assert "at most 60 days ahead" in _message(refused)
    assert _book(cast, anytype, starts_at, now=starts_at - dt.timedelta(days=60))


def test_at_most_upcoming_bookings(cast, rules, day, anytype, profile):
    rules.max_upcoming = 2
    rules.save()
    for hour in (9, 11):
        AppointmentFactory(client=cast.client, therapist=profile, starts_at=at_local(day, T(hour)))
    cancelled = AppointmentFactory(
        client=cast.client, therapist=profile, starts_at=at_local(day, T(13))
    )
    Appointment.objects.filter(pk=cancelled.pk).update(status="cancelled")
    with pytest.raises(ValidationError) as refused:
        _book(cast, anytype, at_local(day, T(15)))
    assert "You already have 2 upcoming appointments" in _message(refused)
    # A past appointment does not count: one of the two moves into the past.
    Appointment.objects.filter(starts_at=at_local(day, T(9))).update(
        starts_at=timezone.now() - dt.timedelta(days=1),
        ends_at=timezone.now() - dt.timedelta(days=1, minutes=-60),
    )
    assert _book(cast, anytype, at_local(day, T(15)))


def test_the_front_desks_slot_rules_hold_online(cast, rules, day, anytype, profile):
    """Hours and time off: the same answers as at the desk."""
    with pytest.raises(ValidationError) as refused:
        _book(cast, anytype, at_local(day, T(16, 30)), therapist=profile)
    assert "Outside" in _message(refused) and "working hours" in _message(refused)


def test_anyone_books_the_first_therapist_free(cast, rules, day, anytype, profile):
    other = TherapistFactory()
    WorkingHoursFactory(therapist=other, weekday=day.weekday(), start_time=T(9), end_time=T(17))
    AppointmentFactory(client=cast.client2, therapist=profile, starts_at=at_local(day, T(10)))
    AppointmentFactory(client=cast.client2, therapist=other, starts_at=at_local(day, T(12)))
    assert _book(cast, anytype, at_local(day, T(10))).therapist == other
    assert _book(cast, anytype, at_local(day, T(12))).therapist == profile


def test_without_choosing_a_chosen_therapist_is_not_kept(cast, rules, day, anytype, profile):
    rules.choose_therapist = False
    rules.save()
    other = TherapistFactory()  # no hours: never free
    booked = _book(cast, anytype, at_local(day, T(10)), therapist=other)
    assert booked.therapist == profile


def test_just_taken_offers_the_nearest_free_times(cast, rules, day, anytype, profile):
    AppointmentFactory(client=cast.client2, therapist=profile, starts_at=at_local(day, T(10)))
    with pytest.raises(JustTaken) as taken:
        _book(cast, anytype, at_local(day, T(10)), therapist=profile)
    nearest = [local(start).time() for _, start in taken.value.nearest]
    # 09:00 ends where 10:00 starts; 11:00 starts where it ends; 09:30 and 10:30 overlap it.
    assert sorted(nearest) == [T(9), T(11), T(11, 30)]
    assert "just taken" in _message(taken)
    assert Appointment.objects.filter(client=cast.client).count() == 0


def test_only_a_client_books_in_the_portal(cast, rules, day, anytype):
    with pytest.raises(PermissionDenied):
        online.appointment_book_online(
            actor=cast.frontdesk, appointment_type=anytype, starts_at=at_local(day, T(10))
        )


# --- free times ------------------------------------------------------------------------------


def test_free_times_are_the_desks_free_slots_cut_to_notice_and_horizon(
    cast, rules, day, anytype, profile
):
    AppointmentFactory(client=cast.client2, therapist=profile, starts_at=at_local(day, T(10)))
    times = online.free_times(
        appointment_type=anytype, therapists=[profile], start_day=day, days=1, rules=rules
    )
    starts = [local(start).time() for start, _ in times[0][1]]
    assert T(9) in starts and T(11) in starts and T(16) in starts
    assert T(9, 30) not in starts and T(10) not in starts and T(10, 30) not in starts
    assert T(16, 30) not in starts  # would end after 17:00
    # The notice cuts the start of the window: only times after now + notice.
    now = at_local(day, T(12)) - dt.timedelta(hours=24)
    times = online.free_times(
        appointment_type=anytype, therapists=[profile], start_day=day, days=1, rules=rules, now=now
    )
    assert min(local(start).time() for start, _ in times[0][1]) == T(12)


@pytest.mark.parametrize(
    ("switch_day", "hours"),
    [(dt.date(2027, 3, 14), 23), (dt.date(2027, 11, 7), 25)],
    ids=["spring-forward", "fall-back"],
)
def test_free_times_on_a_dst_day_keep_the_wall_clock(cast, profile, anytype, switch_day, hours):
    """New York's daylight saving switch days (the clinic's zone in tests): free times stay
    on the half hour of the wall clock, 09:00 to 16:00, whatever the day's length."""
    assert day_length(switch_day) == dt.timedelta(hours=hours)
    OnlineBookingRules.objects.create(enabled=True, horizon_days=366)
    rules = OnlineBookingRules.current()
    WorkingHoursFactory(
        therapist=profile, weekday=switch_day.weekday(), start_time=T(9), end_time=T(17)
    )
    times = online.free_times(
        appointment_type=anytype, therapists=[profile], start_day=switch_day, days=1, rules=rules
    )
    wall = [local(start).time() for start, _ in times[0][1]]
    assert wall == [T(h, m) for h in range(9, 16) for m in (0, 30)] + [T(16)]
    booked = _book(cast, anytype, times[0][1][2][0], therapist=profile)
    assert local(booked.starts_at).time() == T(10) and local(booked.ends_at).time() == T(11)


def day_length(day: dt.date) -> dt.timedelta:
    midnight = at_local(day, T(0)).astimezone(dt.UTC)
    return at_local(day + dt.timedelta(days=1), T(0)).astimezone(dt.UTC) - midnight


# --- moving and cancelling --------------------------------------------------------------------


@pytest.fixture
def mine(cast, profile, day, anytype):
    return AppointmentFactory(
        client=cast.client,
        therapist=profile,
        appointment_type=anytype,
        starts_at=at_local(day, T(10)),
    )


def test_the_client_moves_their_booking_to_a_free_time(cast, rules, mine):
    new_start = mine.starts_at + dt.timedelta(hours=3)
    moved = online.appointment_move_online(
        actor=cast.client_user, appointment=mine, starts_at=new_start
    )
    assert moved.starts_at == new_start and moved.ends_at == new_start + dt.timedelta(hours=1)
    assert AuditEntry.objects.filter(object_id=str(mine.pk), detail__startswith="moved").exists()
    assert OutboundMail.objects.filter(
        kind="appointment_confirmation", about_id=str(mine.pk)
    ).exists()


def test_move_window_at_the_edge(cast, rules, mine):
    new_start = mine.starts_at + dt.timedelta(hours=3)
    with pytest.raises(ValidationError) as refused:
        online.appointment_move_online(
            actor=cast.client_user,
            appointment=mine,
            starts_at=new_start,
            now=mine.starts_at - dt.timedelta(hours=24, minutes=-1),
        )
    assert "less than 24 hours until this appointment" in _message(refused)
    moved = online.appointment_move_online(
        actor=cast.client_user,
        appointment=mine,
        starts_at=new_start,
        now=mine.starts_at - dt.timedelta(hours=24),
    )
    assert moved.starts_at == new_start


def test_a_move_keeps_notice_and_horizon_and_the_slot_rules(cast, rules, mine, profile):
    with pytest.raises(ValidationError) as refused:
        online.appointment_move_online(
            actor=cast.client_user,
            appointment=mine,
            starts_at=mine.starts_at + dt.timedelta(days=61),
        )
    assert "at most 60 days ahead" in _message(refused)
    AppointmentFactory(
        client=cast.client2, therapist=profile, starts_at=mine.starts_at + dt.timedelta(hours=2)
    )
    with pytest.raises(JustTaken) as taken:
        online.appointment_move_online(
            actor=cast.client_user,
            appointment=mine,
            starts_at=mine.starts_at + dt.timedelta(hours=2),
        )
    assert taken.value.nearest
    mine.refresh_from_db()
    assert local(mine.starts_at).time() == T(10)


def test_moving_is_closed_with_booking_and_only_for_ones_own(cast, mine):
    OnlineBookingRules.objects.create(enabled=False)
    with pytest.raises(ValidationError):
        online.appointment_move_online(
            actor=cast.client_user,
            appointment=mine,
            starts_at=mine.starts_at + dt.timedelta(hours=2),
        )
    with pytest.raises(PermissionDenied):
        online.appointment_move_online(
            actor=cast.client2_user,
            appointment=mine,
            starts_at=mine.starts_at + dt.timedelta(hours=2),
        )


def test_the_cancel_window_is_the_admins_rule(cast, rules, mine):
    rules.cancel_hours = 48
    rules.save()
    edge = mine.starts_at - dt.timedelta(hours=48)
    assert client_cancel_refusal(mine, now=edge) == ""
    refusal = client_cancel_refusal(mine, now=edge + dt.timedelta(minutes=1))
    assert "less than 48 hours" in refusal
    rules.cancel_hours = 0
    rules.save()
    cancelled = appointment_cancel_by_client(actor=cast.client_user, appointment=mine)
    assert cancelled.status == Appointment.Status.CANCELLED


# --- the rules page ---------------------------------------------------------------------------


def _rules_post(**changes):
    data = {
        "enabled": "on",
        "min_notice_hours": "24",
        "horizon_days": "60",
        "max_upcoming": "3",
        "choose_therapist": "on",
        "cancel_hours": "24",
        "move_hours": "24",
        "offer_hours": "12",
    }
    for appointment_type in AppointmentType.objects.filter(is_active=True):
        data[f"online_for_{appointment_type.pk.hex}"] = appointment_type.online_for
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_the_admin_saves_the_rules_and_who_books_each_type(client, cast):
    client.force_login(cast.admin)
    url = reverse("online_booking_rules")
    page = client.get(url).content.decode()
    assert "Online booking rules" in page and "Who may book “Treatment” online" in page
    treatment = AppointmentType.objects.get(name="Treatment")
    response = client.post(
        url,
        _rules_post(horizon_days="90", **{f"online_for_{treatment.pk.hex}": "any"}),
    )
    assert response.status_code == 302
    rules = OnlineBookingRules.current()
    assert rules.enabled and rules.horizon_days == 90 and rules.updated_by == cast.admin
    treatment.refresh_from_db()
    assert treatment.online_for == "any"
    entry = AuditEntry.objects.filter(actor=cast.admin).latest("at")
    assert "horizon_days 60→90" in entry.detail and "Treatment online for any" in entry.detail


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("horizon_days", "0", "How far ahead must be a whole number from 1 to 366 days."),
        ("horizon_days", "367", "How far ahead must be a whole number from 1 to 366 days."),
        ("horizon_days", "", "Enter how far ahead (1 to 366 days)."),
        ("min_notice_hours", "721", "Minimum notice must be a whole number from 0 to 720 hours."),
        ("max_upcoming", "0", "Most upcoming bookings must be a whole number from 1 to 20"),
        ("offer_hours", "abc", "A waitlist offer stays open for must be a whole number"),
    ],
)
def test_a_bad_rule_is_named_at_its_field_and_nothing_is_lost(client, cast, field, value, message):
    client.force_login(cast.admin)
    response = client.post(
        reverse("online_booking_rules"), _rules_post(move_hours="30", **{field: value})
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert 'name="move_hours" value="30"' in page  # what was typed stays
    assert not OnlineBookingRules.objects.exists()


def test_the_admin_dashboard_links_the_rules(client, cast):
    client.force_login(cast.admin)
    page = client.get(reverse("dashboard_admin")).content.decode()
    assert reverse("online_booking_rules") in page


def test_a_kind_nobody_registered_is_refused(cast, monkeypatch):
    from scheduling import online_eligibility

    TreatmentPlanFactory(client=cast.client, therapist=cast.therapist, status="active")
    treatment = AppointmentType.objects.get(name="Treatment")
    assert may_book(cast.client, treatment)
    monkeypatch.setattr(online_eligibility, "_checks", {})
    assert not may_book(cast.client, treatment)


def test_just_taken_with_nothing_near_says_so(cast, rules, day, profile):
    from scheduling.tests.factories import TimeOffFactory

    whole_day = AppointmentType.objects.create(
        name="Intensive", duration_minutes=480, online_for="any"
    )
    for weeks in (-1, 1):  # the same weekday a week before and after: away
        midnight = at_local(day + dt.timedelta(weeks=weeks), T(0))
        TimeOffFactory(
            therapist=profile, starts_at=midnight, ends_at=midnight + dt.timedelta(days=1)
        )
    AppointmentFactory(client=cast.client2, therapist=profile, starts_at=at_local(day, T(9)))
    with pytest.raises(JustTaken) as taken:
        _book(cast, whole_day, at_local(day, T(9)), therapist=profile)
    assert taken.value.nearest == []
    assert "there is no other free time near it" in _message(taken)


def test_the_demo_clinic_takes_bookings_online_and_keeps_the_admins_change(db):
    from scheduling.demo import _seed_online_rules

    _seed_online_rules()
    assert OnlineBookingRules.current().enabled
    OnlineBookingRules.objects.filter(pk=1).update(enabled=False)
    _seed_online_rules()
    assert not OnlineBookingRules.current().enabled


# --- rooms ----------------------------------------------------------------------------------


def test_a_booking_takes_a_free_room_and_none_free_is_taken(cast, rules, day, anytype, profile):
    from scheduling.tests.factories import RoomFactory

    cedar, maple = RoomFactory(name="Cedar"), RoomFactory(name="Maple")
    other = TherapistFactory()
    ten = at_local(day, T(10))
    AppointmentFactory(client=cast.client2, therapist=other, room=cedar, starts_at=ten)
    assert _book(cast, anytype, ten, therapist=profile).room == maple
    # At 12:00 both rooms are in use (by other therapists): not offered, and refused as taken.
    noon = at_local(day, T(12))
    AppointmentFactory(client=cast.client2, therapist=other, room=cedar, starts_at=noon)
    AppointmentFactory(therapist=TherapistFactory(), room=maple, starts_at=noon)
    times = online.free_times(
        appointment_type=anytype, therapists=[profile], start_day=day, days=1, rules=rules
    )
    starts = [start for start, _ in times[0][1]]
    assert noon not in starts and at_local(day, T(13)) in starts
    assert at_local(day, T(11, 30)) not in starts  # would run into 12:00
    with pytest.raises(JustTaken) as taken:
        _book(cast, anytype, noon, therapist=profile)
    assert at_local(day, T(13)) in [start for _, start in taken.value.nearest]


def test_a_move_keeps_its_room_when_free(cast, rules, day, anytype, profile):
    from scheduling.tests.factories import RoomFactory

    cedar, maple = RoomFactory(name="Cedar"), RoomFactory(name="Maple")
    mine = AppointmentFactory(
        client=cast.client,
        therapist=profile,
        appointment_type=anytype,
        room=maple,
        starts_at=at_local(day, T(10)),
    )
    moved = online.appointment_move_online(
        actor=cast.client_user, appointment=mine, starts_at=at_local(day, T(10, 30))
    )
    assert moved.room == maple  # overlapping only itself
    AppointmentFactory(therapist=TherapistFactory(), room=maple, starts_at=at_local(day, T(15)))
    moved = online.appointment_move_online(
        actor=cast.client_user, appointment=mine, starts_at=at_local(day, T(15))
    )
    assert moved.room == cedar


def test_the_clients_own_appointment_then_is_their_clash_not_just_taken(
    cast, rules, day, anytype, profile
):
    other = TherapistFactory()
    WorkingHoursFactory(therapist=other, weekday=day.weekday(), start_time=T(9), end_time=T(17))
    AppointmentFactory(client=cast.client, therapist=other, starts_at=at_local(day, T(10)))
    with pytest.raises(ValidationError) as refused:
        _book(cast, anytype, at_local(day, T(10, 30)), therapist=profile)
    assert not isinstance(refused.value, JustTaken)
    assert "You already have an appointment at that time." in _message(refused)


def test_anyone_when_nobody_works_then_says_so(cast, rules, day, anytype, profile):
    TherapistFactory()  # a second therapist, not working that day
    with pytest.raises(ValidationError) as refused:
        _book(cast, anytype, at_local(day, T(17)))
    assert not isinstance(refused.value, JustTaken)
    assert "Nobody is free at that time" in _message(refused)
