"""Appointment mails to clients: the confirmation after booking, and the reminder before.

A reminder is sent at most once however many workers run `reminders_send_due` at the same
time: each appointment is first claimed by a conditional UPDATE of `reminder_sent_at`, and only
the worker whose UPDATE changed the row sends. The claim commits before the mail goes out
(no surrounding transaction), so a second worker sees it at once.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib

from django.conf import settings
from django.core.mail import get_connection
from django.utils import timezone

from clinic.models import Appointment
from clinic.notifications import appointment_email

logger = logging.getLogger(__name__)
Status = Appointment.Status

# A reminder run handles at most this many; the next run (every few minutes) takes the rest.
REMINDER_BATCH = 500


def appointment_confirmation_send(*, appointment_id) -> bool:
    """Mail the client the booked time with an .ics. False when there is nothing to confirm
    any more (cancelled or moved into the past before the task ran, or no email address)."""
    appointment = _with_relations().filter(pk=appointment_id).first()
    if appointment is None or not _still_worth_mailing(appointment):
        logger.info("confirmation skipped for appointment %s", appointment_id)
        return False
    appointment_email(appointment, "confirmation").send()
    logger.info("confirmation sent for appointment %s", appointment_id)
    return True


def reminders_send_due(*, now: dt.datetime | None = None) -> int:
    """Send every due reminder this worker manages to claim; returns how many it sent."""
    now = now or timezone.now()
    due = list(_due(now).values_list("pk", flat=True)[:REMINDER_BATCH])
    if not due:
        return 0
    sent = 0
    # One connection for the whole batch instead of one SMTP session per mail.
    with get_connection() as connection:
        for appointment_id in due:
            sent += _remind(appointment_id, now=now, connection=connection)
    return sent


def _due(now: dt.datetime):
    """Due reminders: the claimable ones whose client has somewhere to receive them."""
    return _claimable(now).exclude(client__email="").order_by("starts_at")


def _claimable(now: dt.datetime):
    """Booked, not yet reminded, starting within the reminder window and not yet started.
    Conditions on the appointment row only: PostgreSQL re-checks them on the locked row when
    two UPDATEs race, which it would not do for a condition reached through a join."""
    horizon = now + dt.timedelta(hours=settings.CLINIC_REMINDER_HOURS)
    return Appointment.objects.filter(
        status=Status.BOOKED,
        reminder_sent_at__isnull=True,
        starts_at__gt=now,
        starts_at__lte=horizon,
    )


def _remind(appointment_id, *, now: dt.datetime, connection) -> bool:
    if not _claim(appointment_id, now=now):
        return False  # another worker has it, or it changed since it was listed
    appointment = _with_relations().get(pk=appointment_id)
    if not appointment.client.email:
        return False  # the address was removed since the listing; nowhere to send
    message = appointment_email(appointment, "reminder")
    message.connection = connection
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused:
        # The address is bad: retrying cannot help, so the claim stays and we go on.
        logger.warning("reminder refused by the mail server for appointment %s", appointment_id)
        return False
    except _transient_errors():
        # Give the reminder back so the retry (or the next run) can send it.
        _release(appointment_id, claimed_at=now)
        raise
    logger.info("reminder sent for appointment %s", appointment_id)
    return True


def _claim(appointment_id, *, now: dt.datetime) -> bool:
    claimed = _claimable(now).filter(pk=appointment_id).update(reminder_sent_at=now)
    return claimed == 1


def _release(appointment_id, *, claimed_at: dt.datetime) -> None:
    # Only our own claim: a reschedule may have cleared it and someone else claimed it since.
    Appointment.objects.filter(pk=appointment_id, reminder_sent_at=claimed_at).update(
        reminder_sent_at=None
    )


def _transient_errors() -> tuple[type[BaseException], ...]:
    # Imported late: clinic.tasks imports the services, so a module-level import would loop.
    from clinic.tasks import TRANSIENT_MAIL_ERRORS

    return TRANSIENT_MAIL_ERRORS


def _still_worth_mailing(appointment: Appointment) -> bool:
    return (
        appointment.status == Status.BOOKED
        and appointment.starts_at > timezone.now()
        and bool(appointment.client.email)
    )


def _with_relations():
    return Appointment.objects.select_related(
        "client", "therapist__user", "appointment_type", "room"
    )
