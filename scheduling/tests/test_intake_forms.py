"""Intake before the first visit (issue 20, item 4): the forms mail when a first visit is
booked, the reminder two days before, and what the day view shows of missing forms."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation
from clinic.clinic_time import at_local, local, today
from clinic.models import AuditEntry, OutboundMail
from clinic.roles import Role
from clinic.services.outbox import mail_deliver
from clinic.tests.factories import ClientFactory, TherapistFactory
from intake.tests.factories import HealthHistoryFactory, TreatmentConsentFactory
from scheduling import tasks
from scheduling.models import Appointment, AppointmentType
from scheduling.services.appointments import (
    Slot,
    appointment_book,
    appointment_cancel,
    appointment_reschedule,
    series_book,
)
from scheduling.services.intake_forms import (
    ASK,
    REMINDER,
    _owe_reminder,
    intake_forms_ask,
    intake_forms_email,
    intake_reminders_send_due,
    with_intake_status,
)
from scheduling.tests.factories import AppointmentFactory, WorkingHoursFactory

pytestmark = pytest.mark.django_db
Status = Appointment.Status
UTC = dt.UTC
HISTORY_TEXT = "Neck pain after long days at the computer"  # HealthHistoryFactory's reason


@pytest.fixture(autouse=True)
def _new_york(settings):
    settings.TIME_ZONE = "America/New_York"
    settings.CLINIC_SITE_URL = "https://portal.example.test"


@pytest.fixture
def therapist(cast):
    profile = cast.therapist.therapist_profile
    for weekday in range(7):
        WorkingHoursFactory(
            therapist=profile, weekday=weekday, start_time=dt.time(8), end_time=dt.time(18)
        )
    return profile


@pytest.fixture
def kind(db):
    return AppointmentType.objects.get(name="Treatment")


def _new_client(**extra):
    defaults = {"first_name": "Ada", "last_name": "Zephyrine", "email": "ada@example.test"}
    return ClientFactory(**{**defaults, **extra})


def _slot(therapist, kind, days=5, hour=10) -> Slot:
    return Slot(therapist, kind, at_local(today() + dt.timedelta(days=days), dt.time(hour)))


def _book(cast, client, therapist, kind, days=5, hour=10) -> Appointment:
    return appointment_book(
        actor=cast.frontdesk, client=client, slot=_slot(therapist, kind, days, hour)
    )


def _owed(kind_name: str) -> list[OutboundMail]:
    return list(OutboundMail.objects.filter(kind=kind_name))


def _complete_intake(client):
    HealthHistoryFactory(client=client)
    TreatmentConsentFactory(client=client)


# --- asked when the first visit is booked -----------------------------------------------------


def test_booking_a_first_visit_with_intake_missing_asks_for_the_forms(
    cast, therapist, kind, django_capture_on_commit_callbacks
):
    client = _new_client()
    with django_capture_on_commit_callbacks(execute=True):
        appointment = _book(cast, client, therapist, kind)
    [owed] = _owed(ASK)
    assert (owed.about_id, owed.recipient, owed.client) == (
        str(appointment.pk),
        "ada@example.test",
        client,
    )
    appointment.refresh_from_db()
    assert appointment.intake_asked_at is not None
    [message] = [m for m in mail.outbox if "forms" in m.subject]
    assert message.to == ["ada@example.test"]
    assert "https://portal.example.test" + reverse("portal_health_history_edit") in message.body
    assert "https://portal.example.test" + reverse("portal_consents") in message.body


def test_a_second_appointment_is_not_asked(cast, therapist, kind):
    client = _new_client()
    first = _book(cast, client, therapist, kind, days=5)
    second = _book(cast, client, therapist, kind, days=12)
    [owed] = _owed(ASK)
    assert owed.about_id == str(first.pk)
    second.refresh_from_db()
    assert second.intake_asked_at is None


def test_a_client_with_intake_complete_is_not_asked(cast, therapist, kind):
    client = _new_client()
    _complete_intake(client)
    appointment = _book(cast, client, therapist, kind)
    assert _owed(ASK) == []
    appointment.refresh_from_db()
    assert appointment.intake_asked_at is None


def test_a_withdrawn_consent_counts_as_missing(cast, therapist, kind):
    client = _new_client()
    HealthHistoryFactory(client=client)
    TreatmentConsentFactory(client=client, revoked_at=timezone.now())
    _book(cast, client, therapist, kind)
    assert len(_owed(ASK)) == 1


def test_an_earlier_cancelled_appointment_leaves_the_next_one_the_first_visit(
    cast, therapist, kind
):
    client = _new_client()
    cancelled = _book(cast, client, therapist, kind, days=3)
    appointment_cancel(actor=cast.frontdesk, appointment=cancelled, reason="Client called")
    again = _book(cast, client, therapist, kind, days=6)
    assert sorted(m.about_id for m in _owed(ASK)) == sorted([str(cancelled.pk), str(again.pk)])


def test_an_earlier_no_show_makes_the_next_one_not_a_first_visit(cast, therapist, kind):
    client = _new_client()
    starts = timezone.now() - dt.timedelta(days=3)
    AppointmentFactory(
        client=client, therapist=TherapistFactory(), starts_at=starts, status=Status.NO_SHOW
    )
    _book(cast, client, therapist, kind)
    assert _owed(ASK) == []


def test_a_series_asks_for_its_first_date_only(cast, therapist, kind):
    client = _new_client()
    booked = series_book(
        actor=cast.frontdesk, client=client, slot=_slot(therapist, kind, days=2), count=4
    )
    [owed] = _owed(ASK)
    assert owed.about_id == str(booked[0].pk)
    assert [a.intake_asked_at is not None for a in booked] == [True, False, False, False]


def test_asking_twice_owes_one_mail(cast, therapist, kind):
    """The conditional UPDATE of intake_asked_at: a second call (another path, a retry, a move)
    finds it set and owes nothing."""
    client = _new_client()
    appointment = AppointmentFactory(
        client=client, therapist=therapist, appointment_type=kind, starts_at=_slot_time(5)
    )
    assert intake_forms_ask(appointment) is True
    assert intake_forms_ask(appointment) is False
    assert len(_owed(ASK)) == 1


def test_moving_the_first_visit_does_not_ask_again(cast, therapist, kind):
    client = _new_client()
    appointment = _book(cast, client, therapist, kind, days=5)
    appointment_reschedule(
        actor=cast.frontdesk, appointment=appointment, slot=_slot(therapist, kind, days=6)
    )
    assert len(_owed(ASK)) == 1


def test_a_client_without_email_is_not_asked(cast, therapist, kind):
    appointment = _book(cast, _new_client(email=""), therapist, kind)
    assert _owed(ASK) == []
    appointment.refresh_from_db()
    assert appointment.intake_asked_at is None


def test_the_ask_is_dropped_when_the_forms_arrive_or_the_visit_is_cancelled(cast, therapist, kind):
    completed, cancelled = _new_client(), _new_client(email="b@example.test")
    _book(cast, completed, therapist, kind, days=5)
    gone = _book(cast, cancelled, therapist, kind, days=6)
    _complete_intake(completed)
    appointment_cancel(actor=cast.frontdesk, appointment=gone, reason="Client called")
    results = {m.recipient: mail_deliver(mail_id=m.pk) for m in _owed(ASK)}
    assert results == {"ada@example.test": "dropped", "b@example.test": "dropped"}
    reasons = set(OutboundMail.objects.filter(kind=ASK).values_list("last_error", flat=True))
    assert reasons == {
        "The health history and consent are on file now.",
        "The appointment is cancelled.",
    }


# --- the mail -----------------------------------------------------------------------------------


def _slot_time(days: int, hour: int = 10) -> dt.datetime:
    return at_local(today() + dt.timedelta(days=days), dt.time(hour))


def _mail_for(client, therapist, kind, *, mail_kind=ASK, days=5):
    appointment = AppointmentFactory(
        client=client, therapist=therapist, appointment_type=kind, starts_at=_slot_time(days)
    )
    return intake_forms_email(with_intake_status(appointment.pk), mail_kind)


def test_the_mail_names_the_missing_forms_and_no_health_detail(therapist, kind):
    client = _new_client()
    HealthHistoryFactory(client=client, conditions=["anticoagulants"], allergies="Arnica")
    message = _mail_for(client, therapist, kind)
    assert client.first_name not in message.subject
    assert client.last_name not in message.subject and client.last_name not in message.body
    assert message.subject.endswith("Riverside Medical Massage")
    assert "Consent to treatment" in message.body
    assert reverse("portal_consents") in message.body
    # The history is on file: neither asked for nor quoted.
    assert "Health history" not in message.body
    assert reverse("portal_health_history_edit") not in message.body
    for detail in (HISTORY_TEXT, "anticoagulant", "Arnica", "Neck"):
        assert detail not in message.body
    assert "Hello Ada" in message.body
    assert f"{local(_slot_time(5)):%H:%M}" in message.body


def test_the_reminder_says_it_is_a_reminder(therapist, kind):
    message = _mail_for(_new_client(), therapist, kind, mail_kind=REMINDER)
    assert message.subject.startswith("Reminder: your forms")
    assert "coming up" in message.body
    assert "Health history (intake form)" in message.body
    assert "Consent to treatment" in message.body


def test_the_mail_tells_a_client_with_an_account_to_sign_in(cast, therapist, kind):
    body = _mail_for(cast.client, therapist, kind).body  # cast.client has a portal login
    assert "sign in" in body and "invitation" not in body


def test_the_mail_tells_a_client_without_an_account_to_use_their_invitation(cast, therapist, kind):
    client = _new_client(user=None)
    Invitation.objects.create(
        client=client,
        email=client.email,
        role=Role.CLIENT,
        created_by=cast.frontdesk,
        expires_at=timezone.now() + dt.timedelta(days=7),
    )
    body = _mail_for(client, therapist, kind).body
    assert "invitation email" in body and "call the clinic" not in body


def test_the_mail_tells_a_client_without_an_invitation_to_ask_for_one(therapist, kind, settings):
    settings.CLINIC_PHONE = "555-0199"
    body = _mail_for(_new_client(user=None), therapist, kind).body
    assert "call the clinic at 555-0199" in body and "send you an invitation" in body


# --- the reminder two days before ---------------------------------------------------------------


def _first_visit(therapist, kind, starts_at, client=None, **extra) -> Appointment:
    return AppointmentFactory(
        client=client or _new_client(),
        therapist=therapist,
        appointment_type=kind,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=1),
        **extra,
    )


@pytest.mark.parametrize(
    ("before", "due"),
    [
        (dt.timedelta(hours=48, seconds=1), False),  # the window opens at 48 h
        (dt.timedelta(hours=48), True),
        (dt.timedelta(hours=24), True),
        (dt.timedelta(hours=2, seconds=1), True),
        (dt.timedelta(hours=2), False),  # the last two hours: the forms are done at the clinic
    ],
)
def test_the_reminder_window_is_48_to_2_hours_before(therapist, kind, before, due):
    appointment = _first_visit(therapist, kind, _slot_time(5))
    assert intake_reminders_send_due(now=appointment.starts_at - before) == int(due)
    appointment.refresh_from_db()
    assert (appointment.intake_reminded_at is not None) is due
    assert len([m for m in mail.outbox if m.subject.startswith("Reminder")]) == int(due)


def test_on_a_dst_day_two_days_is_48_elapsed_hours(therapist, kind):
    """The visit is the Monday after New York falls back (2026-11-01): 48 hours before it is
    11:00 on Saturday by the wall clock, not 10:00."""
    starts_at = at_local(dt.date(2026, 11, 2), dt.time(10))
    _first_visit(therapist, kind, starts_at)
    saturday_10 = at_local(dt.date(2026, 10, 31), dt.time(10))
    saturday_11 = at_local(dt.date(2026, 10, 31), dt.time(11))
    assert starts_at.astimezone(UTC) - saturday_11.astimezone(UTC) == dt.timedelta(hours=48)
    assert intake_reminders_send_due(now=saturday_10) == 0
    assert intake_reminders_send_due(now=saturday_11) == 1


def test_on_the_spring_dst_day_too(therapist, kind):
    starts_at = at_local(dt.date(2026, 3, 9), dt.time(10))  # the Monday after 2026-03-08
    _first_visit(therapist, kind, starts_at)
    assert intake_reminders_send_due(now=at_local(dt.date(2026, 3, 7), dt.time(8, 59))) == 0
    assert intake_reminders_send_due(now=at_local(dt.date(2026, 3, 7), dt.time(9))) == 1


def test_the_reminder_is_claimed_once(therapist, kind):
    """Two workers listing the same appointment: only the first UPDATE of intake_reminded_at
    changes the row, so only one mail is owed."""
    appointment = _first_visit(therapist, kind, _slot_time(5))
    now = appointment.starts_at - dt.timedelta(hours=30)
    assert _owe_reminder(appointment.pk, now) is not None
    assert _owe_reminder(appointment.pk, now) is None
    assert intake_reminders_send_due(now=now) == 0
    assert len(_owed(REMINDER)) == 1


def test_a_first_visit_moved_after_its_reminder_is_reminded_again_before_the_new_time(
    cast, therapist, kind
):
    from scheduling.services.appointments import appointment_reschedule

    appointment = _first_visit(therapist, kind, _slot_time(2))
    assert intake_reminders_send_due(now=appointment.starts_at - dt.timedelta(hours=30)) == 1
    moved = appointment_reschedule(
        actor=cast.frontdesk, appointment=appointment, slot=_slot(therapist, kind, days=6)
    )
    assert moved.intake_reminded_at is None
    assert intake_reminders_send_due(now=moved.starts_at - dt.timedelta(hours=30)) == 1
    assert len(_owed(REMINDER)) == 2


def test_no_reminder_when_intake_is_complete_or_the_visit_cancelled(therapist, kind):
    done = _first_visit(therapist, kind, _slot_time(5, 9))
    _complete_intake(done.client)
    cancelled = _first_visit(therapist, kind, _slot_time(5, 11), status=Status.CANCELLED)
    assert intake_reminders_send_due(now=done.starts_at - dt.timedelta(hours=30)) == 0
    assert _owed(REMINDER) == []
    cancelled.refresh_from_db()
    assert cancelled.intake_reminded_at is None


def test_no_reminder_for_a_second_visit(therapist, kind):
    first = _first_visit(therapist, kind, _slot_time(3))
    second = _first_visit(therapist, kind, _slot_time(5), client=first.client)
    # The first visit is over by then; the second is not a first visit.
    assert intake_reminders_send_due(now=second.starts_at - dt.timedelta(hours=30)) == 0
    assert intake_reminders_send_due(now=first.starts_at - dt.timedelta(hours=30)) == 1
    [owed] = _owed(REMINDER)
    assert owed.about_id == str(first.pk)


def test_a_client_asked_inside_the_window_is_not_reminded(therapist, kind):
    """Booked 30 hours ahead: the ask itself was the reminder."""
    appointment = _first_visit(therapist, kind, _slot_time(5))
    now = appointment.starts_at - dt.timedelta(hours=30)
    Appointment.objects.filter(pk=appointment.pk).update(intake_asked_at=now)
    assert intake_reminders_send_due(now=now + dt.timedelta(minutes=5)) == 0


def test_a_client_asked_before_the_window_is_reminded(therapist, kind):
    appointment = _first_visit(therapist, kind, _slot_time(5))
    asked = appointment.starts_at - dt.timedelta(days=4)
    Appointment.objects.filter(pk=appointment.pk).update(intake_asked_at=asked)
    assert intake_reminders_send_due(now=appointment.starts_at - dt.timedelta(hours=40)) == 1


def test_a_reminder_owed_then_completed_is_dropped(therapist, kind):
    appointment = _first_visit(therapist, kind, _slot_time(5))
    now = appointment.starts_at - dt.timedelta(hours=30)
    owed = _owe_reminder(appointment.pk, now)
    _complete_intake(appointment.client)
    assert mail_deliver(mail_id=owed.pk, now=now) == "dropped"
    assert mail.outbox == []


def test_the_task_and_beat_run_the_reminders(therapist, kind, settings):
    _first_visit(therapist, kind, timezone.now() + dt.timedelta(hours=30))
    assert tasks.send_due_intake_reminders.delay().get() == 1
    assert settings.CELERY_BEAT_SCHEDULE["send-due-intake-reminders"] == {
        "task": "scheduling.tasks.send_due_intake_reminders",
        "schedule": 300.0,
    }
    assert settings.CELERY_TASK_ROUTES["scheduling.tasks.send_due_intake_reminders"] == {
        "queue": "email"
    }


# --- the day view -------------------------------------------------------------------------------


def _day_with(therapist, kind, day, count, *, complete=0):
    """`count` back-to-back appointments on `day`, each of another new client; the first
    `complete` clients have their intake on file."""
    rows = []
    for n in range(count):
        client = ClientFactory(user=None, first_name=f"Client{n}", last_name="Zed")
        if n < complete:
            _complete_intake(client)
        starts_at = at_local(day, dt.time(8)) + dt.timedelta(minutes=30 * n)
        rows.append(
            AppointmentFactory(
                client=client,
                therapist=therapist,
                appointment_type=kind,
                starts_at=starts_at,
                ends_at=starts_at + dt.timedelta(minutes=30),
            )
        )
    return rows


@pytest.mark.parametrize("user", ["frontdesk", "therapist"])
def test_the_day_view_names_what_is_missing(client, cast, therapist, kind, user):
    day = today() + dt.timedelta(days=3)
    done, nothing, no_consent = _day_with(therapist, kind, day, 3, complete=1)
    HealthHistoryFactory(client=no_consent.client)  # done: both on file; nothing: neither
    client.force_login(getattr(cast, user))
    html = client.get(reverse("schedule_day"), {"date": day.isoformat()}).content.decode()
    blocks = {b.split("</a>")[0] for b in html.split('class="appt ')[1:]}
    by_client = {
        name: next(b for b in blocks if f"<span>{name} Zed</span>" in b)
        for name in ("Client0", "Client1", "Client2")
    }
    assert "appt-missing" not in by_client["Client0"]
    assert '<span class="appt-missing">Health history missing</span>' in by_client["Client1"]
    assert '<span class="appt-missing">Consent missing</span>' in by_client["Client1"]
    assert '<span class="appt-missing">No portal account</span>' in by_client["Client1"]
    assert "Health history missing" not in by_client["Client2"]
    assert '<span class="appt-missing">Consent missing</span>' in by_client["Client2"]
    assert "Consent missing" in by_client["Client2"].split('title="')[1].split('"')[0]
    entry = AuditEntry.objects.filter(actor=getattr(cast, user), action="list").latest("at")
    assert entry.detail == f"day schedule {day:%Y-%m-%d}"


def test_the_day_view_shows_no_label_for_a_cancelled_or_completed_appointment(
    client, cast, therapist, kind
):
    day = today() - dt.timedelta(days=1)
    first, second = _day_with(therapist, kind, day, 2)
    Appointment.objects.filter(pk=first.pk).update(status=Status.COMPLETED)
    Appointment.objects.filter(pk=second.pk).update(status=Status.CANCELLED)
    client.force_login(cast.frontdesk)
    html = client.get(reverse("schedule_day"), {"date": day.isoformat()}).content.decode()
    assert "Client0 Zed" in html and "appt-missing" not in html


def test_the_week_view_names_what_is_missing_too(client, cast, therapist, kind):
    day = today() + dt.timedelta(days=3)
    _day_with(therapist, kind, day, 1)
    client.force_login(cast.therapist)
    url = reverse("schedule_week", kwargs={"therapist_id": therapist.pk})
    html = client.get(url, {"date": day.isoformat()}).content.decode()
    assert '<span class="appt-missing">Health history missing</span>' in html


def _day_view_queries(client, day) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("schedule_day"), {"date": day.isoformat()})
    assert response.status_code == 200
    return len(queries), response.content.decode()


@pytest.mark.parametrize("count", [3, 15])
def test_the_day_views_intake_labels_cost_a_constant_number_of_queries(
    client, cast, therapist, kind, count, django_assert_max_num_queries
):
    day = today() + dt.timedelta(days=3)
    _day_with(therapist, kind, day, count, complete=1)
    client.force_login(cast.frontdesk)
    with django_assert_max_num_queries(10):  # test_schedule.py's QUERY_CAP: nothing per row
        response = client.get(reverse("schedule_day"), {"date": day.isoformat()})
    assert response.content.decode().count(">Consent missing</span>") == count - 1


def test_a_day_of_15_costs_what_a_day_of_3_does(client, cast, therapist, kind):
    small, busy = today() + dt.timedelta(days=3), today() + dt.timedelta(days=4)
    _day_with(therapist, kind, small, 3)
    _day_with(therapist, kind, busy, 15)
    client.force_login(cast.frontdesk)
    _day_view_queries(client, small)  # warm up the per-process caches (the session, etc.)
    few, few_html = _day_view_queries(client, small)
    many, many_html = _day_view_queries(client, busy)
    assert few == many
    assert few_html.count(">Health history missing</span>") == 3
    assert many_html.count(">Health history missing</span>") == 15
