"""Confirmation and reminder mails (eager Celery, locmem mail backend)."""

from __future__ import annotations

import datetime as dt
import email
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone
from icalendar import Calendar

from clinic import tasks as clinic_tasks
from clinic.clinic_time import at_local, local, today
from clinic.models import OutboundMail
from clinic.services.outbox import mail_deliver, mail_sweep
from clinic.tests.factories import ClientFactory
from intake.tests.factories import HealthHistoryFactory, TreatmentConsentFactory
from scheduling import tasks
from scheduling.models import Appointment, AppointmentType
from scheduling.notifications import appointment_email
from scheduling.services.appointments import Slot, appointment_book, appointment_cancel
from scheduling.services.reminders import CONFIRMATION, _owe_reminder, reminders_send_due
from scheduling.tests.factories import AppointmentFactory, RoomFactory

pytestmark = pytest.mark.django_db
Status = Appointment.Status


def _appointment(cast, *, starts_in=dt.timedelta(hours=3), email="kim@example.test", **extra):
    starts_at = timezone.now() + starts_in
    kind = AppointmentType.objects.get(name="Treatment")
    return AppointmentFactory(
        client=ClientFactory(user=None, first_name="Kim", last_name="Wolfe", email=email),
        therapist=cast.therapist.therapist_profile,
        appointment_type=kind,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=1),
        **extra,
    )


def _ics_of(message) -> Calendar:
    parsed = email.message_from_bytes(message.message().as_bytes())
    [part] = [p for p in parsed.walk() if p.get_filename() == "appointment.ics"]
    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == "PUBLISH"
    assert part.get_content_charset() == "utf-8"
    return Calendar.from_ical(part.get_payload(decode=True))


# --- the mail -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["confirmation", "reminder"])
def test_mail_shows_local_time_therapist_place_and_how_to_cancel(cast, kind, settings):
    settings.TIME_ZONE = "America/New_York"
    therapist = cast.therapist.therapist_profile
    therapist.user.first_name, therapist.user.last_name = "Dana", "O'Reed"
    therapist.user.save()
    appointment = _appointment(cast, room=RoomFactory(name="Room 2"))
    Appointment.objects.filter(pk=appointment.pk).update(
        starts_at=dt.datetime(2027, 1, 12, 15, 0, tzinfo=dt.UTC),
        ends_at=dt.datetime(2027, 1, 12, 16, 0, tzinfo=dt.UTC),
    )
    appointment.refresh_from_db()

    message = appointment_email(appointment, kind)

    assert message.to == ["kim@example.test"]
    assert not message.cc and not message.bcc
    assert "Tue 12 Jan 2027 at 10:00" in message.subject
    assert "Tue 12 Jan 2027, 10:00-11:00 (EST)" in message.body
    assert "Dana O'Reed" in message.body  # plain text: not HTML-escaped
    assert "Riverside Medical Massage, Room 2" in message.body
    assert "call the clinic" in message.body
    [event] = _ics_of(message).walk("VEVENT")
    assert str(event["UID"]) == f"{appointment.pk}@clinic"


def test_unknown_kind_is_refused(cast):
    with pytest.raises(ValueError, match="unknown"):
        appointment_email(_appointment(cast), "invoice")


# --- confirmation -----------------------------------------------------------------------------


@pytest.fixture
def bookable(cast):
    """A therapist who works all day on the day after tomorrow, and a slot then."""
    from scheduling.tests.factories import WorkingHoursFactory

    therapist = cast.therapist.therapist_profile
    day = today() + dt.timedelta(days=2)
    WorkingHoursFactory(
        therapist=therapist, weekday=day.weekday(), start_time=dt.time(8), end_time=dt.time(18)
    )
    kind = AppointmentType.objects.get(name="Treatment")
    cast.client.email = "client@example.test"
    cast.client.save()
    # Intake on file, so a booking owes the confirmation alone (a first visit without it also
    # owes the intake forms mail, issue 20: scheduling/tests/test_intake_forms.py).
    HealthHistoryFactory(client=cast.client)
    TreatmentConsentFactory(client=cast.client)
    return Slot(therapist, kind, at_local(day, dt.time(10)))


def test_booking_sends_a_confirmation_after_commit(
    cast, bookable, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        appointment = appointment_book(actor=cast.frontdesk, client=cast.client, slot=bookable)
    [message] = mail.outbox
    assert message.to == ["client@example.test"]
    assert "confirmed" in message.subject
    assert f"{local(bookable.starts_at):%H:%M}" in message.body
    [event] = _ics_of(message).walk("VEVENT")
    assert str(event["UID"]) == f"{appointment.pk}@clinic"
    assert event["STATUS"] == "CONFIRMED"


def test_booking_for_a_client_without_email_sends_nothing(
    cast, bookable, django_capture_on_commit_callbacks
):
    cast.client.email = ""
    cast.client.save()
    with django_capture_on_commit_callbacks(execute=True):
        appointment_book(actor=cast.frontdesk, client=cast.client, slot=bookable)
    assert mail.outbox == []


def test_the_confirmation_is_owed_with_the_booking_and_sent_by_the_task(cast, bookable):
    appointment = appointment_book(actor=cast.frontdesk, client=cast.client, slot=bookable)
    [owed] = OutboundMail.objects.all()  # written in the booking's transaction
    assert (owed.kind, owed.about_id) == (CONFIRMATION, str(appointment.pk))
    assert owed.client == cast.client
    assert owed.status == OutboundMail.Status.WAITING and mail.outbox == []

    assert clinic_tasks.deliver_mail.delay(str(owed.pk)).get() == "sent"  # a string id, as JSON
    assert clinic_tasks.deliver_mail.delay(str(owed.pk)).get() == "skipped"  # a second delivery
    [message] = mail.outbox
    assert message.to == ["client@example.test"]
    owed.refresh_from_db()
    assert owed.status == OutboundMail.Status.SENT and owed.attempts == 1


def test_confirmation_is_dropped_when_cancelled_before_it_went_out(cast, bookable):
    appointment = appointment_book(actor=cast.frontdesk, client=cast.client, slot=bookable)
    appointment_cancel(actor=cast.frontdesk, appointment=appointment, reason="Client called")
    [owed] = OutboundMail.objects.all()
    assert mail_deliver(mail_id=owed.pk) == "dropped"
    assert mail.outbox == []
    owed.refresh_from_db()
    assert owed.status == OutboundMail.Status.DROPPED
    assert owed.last_error == "The appointment is cancelled."


def test_a_moved_appointments_first_confirmation_is_dropped(cast, bookable):
    from scheduling.services.appointments import appointment_reschedule

    appointment = appointment_book(actor=cast.frontdesk, client=cast.client, slot=bookable)
    later = Slot(
        bookable.therapist, bookable.appointment_type, bookable.starts_at + dt.timedelta(hours=2)
    )
    appointment_reschedule(actor=cast.frontdesk, appointment=appointment, slot=later)
    first, second = OutboundMail.objects.order_by("created_at")
    assert mail_deliver(mail_id=first.pk) == "dropped"
    assert mail_deliver(mail_id=second.pk) == "sent"
    [message] = mail.outbox
    assert f"{local(later.starts_at):%H:%M}" in message.body


# --- reminders ------------------------------------------------------------------------------


def test_due_reminder_is_sent_once(cast):
    appointment = _appointment(cast)
    assert reminders_send_due() == 1
    assert reminders_send_due() == 0
    [message] = mail.outbox
    assert message.subject.startswith("Reminder")
    assert message.to == ["kim@example.test"]
    [event] = _ics_of(message).walk("VEVENT")
    assert str(event["UID"]) == f"{appointment.pk}@clinic"
    appointment.refresh_from_db()
    assert appointment.reminder_sent_at is not None


def test_the_window_is_clinic_reminder_hours(cast, settings):
    settings.CLINIC_REMINDER_HOURS = 24
    appointment = _appointment(cast, starts_in=dt.timedelta(hours=30))
    starts_at = appointment.starts_at
    assert reminders_send_due(now=starts_at - dt.timedelta(hours=24, seconds=1)) == 0
    assert reminders_send_due(now=starts_at - dt.timedelta(hours=24)) == 1


def test_outside_the_window_nothing_is_sent(cast):
    _appointment(cast, starts_in=dt.timedelta(hours=25))
    assert reminders_send_due() == 0
    assert mail.outbox == []


@pytest.mark.parametrize(
    "extra",
    [
        {"status": Status.CANCELLED},
        {"status": Status.CHECKED_IN},
        {"starts_in": -dt.timedelta(minutes=10)},  # already started
        {"email": ""},
    ],
    ids=["cancelled", "checked-in", "started", "no-email"],
)
def test_not_due_appointments_get_no_reminder(cast, extra):
    appointment = _appointment(cast, **extra)
    assert reminders_send_due() == 0
    assert mail.outbox == []
    appointment.refresh_from_db()
    assert appointment.reminder_sent_at is None


def test_only_one_claim_owes_the_reminder(cast):
    appointment = _appointment(cast)
    now = timezone.now()
    assert _owe_reminder(appointment.pk, now) is not None
    assert _owe_reminder(appointment.pk, now) is None
    assert OutboundMail.objects.filter(about_id=str(appointment.pk)).count() == 1


def test_a_claimed_reminder_is_not_sent_again(cast):
    _appointment(cast, reminder_sent_at=timezone.now())
    assert reminders_send_due() == 0


def _failing_send(error):
    def send_messages(self, messages):
        raise error

    return send_messages


def test_a_transient_failure_leaves_the_reminder_owed(cast, monkeypatch):
    appointment = _appointment(cast)
    monkeypatch.setattr(
        EmailBackend, "send_messages", _failing_send(smtplib.SMTPServerDisconnected("gone"))
    )
    assert reminders_send_due() == 0  # no error for beat: the outbox keeps it
    [owed] = OutboundMail.objects.filter(about_id=str(appointment.pk))
    assert owed.status == OutboundMail.Status.WAITING and owed.attempts == 1
    assert "could not be reached" in owed.last_error
    assert owed.next_attempt_at > timezone.now()
    assert reminders_send_due() == 0  # claimed once: not owed a second time

    monkeypatch.undo()
    assert mail_sweep(now=owed.next_attempt_at) == {"sent": 1}
    assert len(mail.outbox) == 1


def test_a_refused_address_fails_the_mail_for_the_front_desk(cast, monkeypatch):
    appointment = _appointment(cast)
    refused = smtplib.SMTPRecipientsRefused({"kim@example.test": (550, b"no such user")})
    monkeypatch.setattr(EmailBackend, "send_messages", _failing_send(refused))
    assert reminders_send_due() == 0
    appointment.refresh_from_db()
    assert appointment.reminder_sent_at is not None  # not retried every five minutes
    [owed] = OutboundMail.objects.filter(about_id=str(appointment.pk))
    assert owed.status == OutboundMail.Status.FAILED
    assert owed.last_error == "The mail server refused the address: 550 no such user"


def test_rescheduling_asks_for_a_new_reminder(cast, bookable, django_capture_on_commit_callbacks):
    from scheduling.services.appointments import appointment_reschedule

    appointment = appointment_book(actor=cast.frontdesk, client=cast.client, slot=bookable)
    Appointment.objects.filter(pk=appointment.pk).update(reminder_sent_at=timezone.now())
    later = Slot(
        bookable.therapist, bookable.appointment_type, bookable.starts_at + dt.timedelta(hours=2)
    )
    with django_capture_on_commit_callbacks(execute=True):
        appointment_reschedule(actor=cast.frontdesk, appointment=appointment, slot=later)
    appointment.refresh_from_db()
    assert appointment.reminder_sent_at is None
    assert [m.subject for m in mail.outbox if "confirmed" in m.subject]


def test_reminder_task_runs_the_service(cast):
    _appointment(cast)
    _appointment(cast, starts_in=dt.timedelta(hours=5), email="other@example.test")
    assert tasks.send_due_reminders.delay().get() == 2


def test_beat_runs_the_reminders_and_the_outbox_sweep(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["send-due-reminders"] == {
        "task": "scheduling.tasks.send_due_reminders",
        "schedule": 300.0,
    }
    assert schedule["sweep-outbox"] == {"task": "clinic.tasks.sweep_outbox", "schedule": 30.0}
    for task in (
        "clinic.tasks.deliver_mail",
        "clinic.tasks.sweep_outbox",
        "scheduling.tasks.send_due_reminders",
    ):
        assert settings.CELERY_TASK_ROUTES[task] == {"queue": "email"}


@pytest.mark.parametrize("kind", ["confirmation", "reminder"])
def test_the_mails_give_the_clinic_phone_number(cast, settings, kind):
    """Issue 15: the mails asked the client to call the clinic without its number."""
    settings.CLINIC_PHONE = "555-0199"
    body = appointment_email(_appointment(cast), kind).body
    assert "call the clinic at 555-0199" in body
