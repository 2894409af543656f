"""Appointment mails to clients: the confirmation after booking, and the reminder before.

Both are owed mail (clinic/services/outbox.py): the confirmation is written in the booking's
transaction; the reminder when the appointment comes within CLINIC_REMINDER_HOURS. Each is
built at send time from the appointment as it is then, so a cancelled or moved appointment's
mail is dropped instead of sent.

A reminder is owed at most once per appointment time however many workers run
`reminders_send_due` at the same time: each appointment is first claimed by a conditional
UPDATE of `reminder_sent_at` (in the transaction that writes the owed mail), and only the
worker whose UPDATE changed the row owes it.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from clinic import outbox
from clinic.services.outbox import deliver_now, mail_owe
from scheduling.models import Appointment
from scheduling.notifications import appointment_email

logger = logging.getLogger(__name__)
Status = Appointment.Status

CONFIRMATION = "appointment_confirmation"
REMINDER = "appointment_reminder"
# A reminder run handles at most this many; the next run (every few minutes) takes the rest.
REMINDER_BATCH = 500


def appointment_confirmation_owe(appointment: Appointment) -> None:
    """Inside the booking's (or the move's) transaction: the client is owed a confirmation."""
    if appointment.client.email:
        mail_owe(
            kind=CONFIRMATION,
            about=appointment,
            recipient=appointment.client.email,
            client=appointment.client,
            params={"starts_at": appointment.starts_at.isoformat()},
        )


def reminders_send_due(*, now: dt.datetime | None = None) -> int:
    """Owe and send every due reminder this worker manages to claim; returns how many were
    sent now (one the mail server could not take stays owed, and the outbox retries it)."""
    now = now or timezone.now()
    due = list(_due(now).values_list("pk", flat=True)[:REMINDER_BATCH])
    owed = [mail for appointment_id in due if (mail := _owe_reminder(appointment_id, now))]
    return deliver_now([mail.pk for mail in owed], now=now).get("sent", 0)


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


@transaction.atomic
def _owe_reminder(appointment_id, now: dt.datetime):
    if _claimable(now).filter(pk=appointment_id).update(reminder_sent_at=now) != 1:
        return None  # another worker has it, or it changed since it was listed
    appointment = Appointment.objects.select_related("client").get(pk=appointment_id)
    if not appointment.client.email:
        return None  # the address was removed since the listing; nowhere to send
    starts = appointment.starts_at.isoformat()
    return mail_owe(
        kind=REMINDER,
        about=appointment,
        recipient=appointment.client.email,
        client=appointment.client,
        params={"starts_at": starts},
        key=f"reminder:{appointment.pk}:{starts}",
        now=now,
        wake_worker=False,
    )


# --- building the mails at send time -----------------------------------------------------------


@outbox.register(CONFIRMATION, "Appointment confirmation", watchers=outbox.CLINIC_STAFF)
def _build_confirmation(mail, *, now) -> outbox.Prepared:
    return outbox.Prepared(appointment_email(_still_owed(mail, now), "confirmation"))


@outbox.register(REMINDER, "Appointment reminder", watchers=outbox.CLINIC_STAFF)
def _build_reminder(mail, *, now) -> outbox.Prepared:
    return outbox.Prepared(appointment_email(_still_owed(mail, now), "reminder"))


def _still_owed(mail, now: dt.datetime) -> Appointment:
    appointment = _with_relations().filter(pk=mail.about_id).first()
    if appointment is None:
        raise outbox.NotOwed("The appointment no longer exists.")
    if appointment.status != Status.BOOKED:
        raise outbox.NotOwed(f"The appointment is {appointment.get_status_display().lower()}.")
    if appointment.starts_at <= now:
        raise outbox.NotOwed("The appointment has already started.")
    owed_for = mail.params.get("starts_at")
    if owed_for and dt.datetime.fromisoformat(owed_for) != appointment.starts_at:
        raise outbox.NotOwed("The appointment was moved; the new time has its own mail.")
    if not appointment.client.email:
        raise outbox.Undeliverable("The client has no email address on file.")
    return appointment


def _with_relations():
    return Appointment.objects.select_related(
        "client", "therapist__user", "appointment_type", "room"
    )
