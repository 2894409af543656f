"""Reminders and confirmations through real Celery workers, over real SMTP (aiosmtpd), on
PostgreSQL + Redis. Two workers race for the same reminders; each must go out exactly once."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone
from icalendar import Calendar

from clinic.clinic_time import at_local, today
from clinic.tests.factories import ClientFactory
from clinic.tests.faults import Mailbox as BaseMailbox
from clinic.tests.faults import free_port, wait_until
from intake.tests.factories import HealthHistoryFactory, TreatmentConsentFactory
from scheduling import tasks
from scheduling.models import Appointment, AppointmentType
from scheduling.services.appointments import Slot, appointment_book
from scheduling.tests.factories import AppointmentFactory, WorkingHoursFactory

pytestmark = [pytest.mark.integration]
APPOINTMENTS = 20


def _treatment() -> AppointmentType:
    # Transactional tests empty the tables, rows made by data migrations included.
    kind, _ = AppointmentType.objects.get_or_create(
        name="Treatment", defaults={"duration_minutes": 60}
    )
    return kind


class Mailbox(BaseMailbox):
    def wait_for(self, count: int, workers, timeout: float = 60.0) -> list:
        wait_until(
            lambda: len(self.messages) >= count,
            timeout=timeout,
            what=f"{count} mails",
            workers=workers,
        )
        return self.messages


@pytest.fixture(scope="module")
def smtp_server():
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield mailbox, controller.port
    controller.stop()


@pytest.fixture
def mailbox(smtp_server):
    mailbox, _ = smtp_server
    mailbox.clear()
    return mailbox


@pytest.fixture
def smtp_workers(celery_workers, smtp_server):
    _, port = smtp_server
    return celery_workers(2, EMAIL_URL=f"smtp://127.0.0.1:{port}")


def _ics_uid(message) -> str:
    [part] = [p for p in message.iter_attachments() if p.get_filename() == "appointment.ics"]
    assert part.get_content_type() == "text/calendar"
    [event] = Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")
    return str(event["UID"])


def _queues_empty() -> bool:
    import redis
    from django.conf import settings

    broker = redis.Redis.from_url(settings.REDIS_URL)
    return all(broker.llen(queue) == 0 for queue in ("email", "default"))


def _settle(mailbox: Mailbox, quiet: float = 2.0, timeout: float = 30.0) -> None:
    """Wait until the queues are drained and no mail has come for `quiet` seconds, so a
    duplicate sent by a slower worker would still be counted."""
    deadline = time.monotonic() + timeout
    seen, since = len(mailbox.messages), time.monotonic()
    while time.monotonic() < deadline:
        if len(mailbox.messages) != seen:
            seen, since = len(mailbox.messages), time.monotonic()
        elif _queues_empty() and time.monotonic() - since >= quiet:
            return
        time.sleep(0.1)


@pytest.mark.django_db(transaction=True)
def test_racing_workers_send_each_reminder_exactly_once(cast, mailbox, smtp_workers):
    kind = _treatment()
    first = timezone.now() + dt.timedelta(hours=2)
    appointments = [
        AppointmentFactory(
            client=ClientFactory(user=None, email=f"client{n}@example.test"),
            therapist=cast.therapist.therapist_profile,
            appointment_type=kind,
            starts_at=first + dt.timedelta(hours=n),
            ends_at=first + dt.timedelta(hours=n, minutes=50),
        )
        for n in range(APPOINTMENTS)
    ]
    started = time.monotonic()
    for _ in range(6):
        tasks.send_due_reminders.delay()

    mailbox.wait_for(APPOINTMENTS, smtp_workers)
    delivered = time.monotonic() - started
    _settle(mailbox)
    messages = mailbox.messages
    print(f"{APPOINTMENTS} reminders by 2 workers in {delivered:.2f}s")

    assert len(messages) == APPOINTMENTS
    expected = {f"{a.pk}@clinic": a.client.email for a in appointments}
    received = {_ics_uid(m): m["To"] for m in messages}
    assert received == expected  # one each, to its own client, with its own .ics
    assert all(m["Subject"].startswith("Reminder") for m in messages)
    pending = Appointment.objects.filter(pk__in=[a.pk for a in appointments])
    assert not pending.filter(reminder_sent_at__isnull=True).exists()
    # Both workers took tasks (otherwise the test proved nothing about racing), and their
    # logs agree with the SMTP server: 20 sends in all.
    logs = [w.log_path.read_text() for w in smtp_workers]
    assert all("send_due_reminders" in log for log in logs)
    sends = [log.count("(appointment_reminder): sent") for log in logs]
    print(f"sends per worker: {sends}")
    assert sum(sends) == APPOINTMENTS


@pytest.mark.django_db(transaction=True)
def test_booking_mails_a_confirmation_through_the_worker(cast, mailbox, smtp_workers):
    therapist = cast.therapist.therapist_profile
    day = today() + dt.timedelta(days=3)
    WorkingHoursFactory(
        therapist=therapist, weekday=day.weekday(), start_time=dt.time(8), end_time=dt.time(18)
    )
    cast.client.email = "confirm-me@example.test"
    cast.client.save()
    # Intake on file, so the booking owes the confirmation alone (a first visit without it
    # also owes the intake forms mail: scheduling/tests/test_intake_forms.py).
    HealthHistoryFactory(client=cast.client)
    TreatmentConsentFactory(client=cast.client)
    slot = Slot(therapist, _treatment(), at_local(day, dt.time(11)))

    started = time.monotonic()
    appointment = appointment_book(actor=cast.frontdesk, client=cast.client, slot=slot)

    [message] = mailbox.wait_for(1, smtp_workers)
    print(f"confirmation delivered in {time.monotonic() - started:.2f}s")
    assert message["To"] == "confirm-me@example.test"
    assert "confirmed" in message["Subject"]
    assert _ics_uid(message) == f"{appointment.pk}@clinic"
    assert "call the clinic" in message.get_body(("plain",)).get_content()
