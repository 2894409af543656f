"""Intake before the first visit: the client is asked for the forms still missing (a health
history, a consent to treatment) when their first visit is booked, and reminded two days
before it.

What "missing" means is intake's one readiness check (intake/selectors.py: `history_on_file`,
`consent_on_file`, `missing_for_care`), the same one that gates a plan or a session and that
the day view shows the front desk and the therapist. Scheduling may not import intake, so it
asks the check through the registry intake fills (clinic/readiness.py).

"First visit": the client has no earlier appointment that is not cancelled. A cancelled one
never happened, so the next booking is still the first visit; a no-show or a completed one
counts, as the client was already asked when it was booked (and a completed visit means the
clinic has met them). It is decided by start time, not by booking order: a client booked for
the 20th who then books the 12th is asked again for the 12th, which is now the first visit.

Both mails are owed through the outbox (clinic/services/outbox.py), in the transaction that
makes them owed, and built at send time from the appointment as it is then: a cancelled
appointment, or forms completed meanwhile, drop the mail instead of sending it. Each is owed
once: the ask by a conditional UPDATE of `intake_asked_at`, the reminder by one of
`intake_reminded_at` (so two workers never send it twice), and each with an outbox key.

The mails carry no health detail: the visit's time, the names of the two forms, and links to
the portal pages where they are filled in. A client without a portal account yet is told to
use their invitation (or to ask the clinic for one); the day view shows staff "No portal
account" beside what is missing, so the front desk knows an invitation is needed.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.template import loader
from django.urls import reverse
from django.utils import timezone

from accounts.models import MAX_FAILED_CHECKS, Invitation
from clinic import outbox, readiness
from clinic.clinic_time import local
from clinic.date_formats import day_time
from clinic.links import site_url
from clinic.services.outbox import deliver_now, mail_owe
from scheduling.models import Appointment

Status = Appointment.Status

ASK = "intake_forms"
REMINDER = "intake_forms_reminder"
# The reminder goes out when the visit starts within REMIND_BEFORE (two days, in elapsed hours:
# across a DST change that is 47 or 49 hours by the wall clock), and not in the last
# REMIND_NOT_WITHIN: that close, the client fills the forms in at the clinic.
REMIND_BEFORE = dt.timedelta(hours=48)
REMIND_NOT_WITHIN = dt.timedelta(hours=2)
# A reminder run handles at most this many; the next run (every few minutes) takes the rest.
REMINDER_BATCH = 500


# --- who is asked ---------------------------------------------------------------------------


def earlier_visit(client_ref: str = "client_id", starts_ref: str = "starts_at") -> Exists:
    """True where the client has an appointment, not cancelled, starting before this one."""
    return Exists(
        Appointment.objects.filter(
            client_id=OuterRef(client_ref), starts_at__lt=OuterRef(starts_ref)
        ).exclude(status=Status.CANCELLED)
    )


def _with_intake(appointments):
    """Annotated with each requirement's `on_file_<key>` and `has_earlier_visit`."""
    return readiness.annotate(appointments).annotate(has_earlier_visit=earlier_visit())


def _first_visit_missing_intake(appointments):
    """The first visits among `appointments` whose client still lacks a form, with an address."""
    return (
        _with_intake(appointments)
        .filter(readiness.incomplete(), has_earlier_visit=False)
        .exclude(client__email="")
    )


def intake_forms_ask(appointment: Appointment, *, now: dt.datetime | None = None) -> bool:
    """Inside the booking's transaction (scheduling/services/appointments.py `_notify_client`,
    which every booking passes): owe the forms mail if this is the client's first visit and a
    form is missing, once per appointment. Returns whether it was owed now."""
    now = now or timezone.now()
    pending = _first_visit_missing_intake(
        Appointment.objects.filter(pk=appointment.pk, status=Status.BOOKED)
    )
    if not pending.exists():
        return False
    if not Appointment.objects.filter(pk=appointment.pk, intake_asked_at__isnull=True).update(
        intake_asked_at=now
    ):
        return False  # asked already (a second call, or a move of the same appointment)
    appointment.intake_asked_at = now
    client = appointment.client
    return bool(
        mail_owe(
            kind=ASK,
            about=appointment,
            recipient=client.email,
            client=client,
            key=f"intake-forms:{appointment.pk}",
            now=now,
        )
    )


# --- the reminder two days before -----------------------------------------------------------


def intake_reminders_send_due(*, now: dt.datetime | None = None) -> int:
    """Owe and send every due intake reminder this worker manages to claim; returns how many
    were sent now (one the mail server could not take stays owed, and the outbox retries)."""
    # In UTC: `now + REMIND_BEFORE` on a clinic-local time would add wall-clock hours.
    now = (now or timezone.now()).astimezone(dt.UTC)
    due = list(_due(now).order_by("starts_at").values_list("pk", flat=True)[:REMINDER_BATCH])
    owed = [mail for appointment_id in due if (mail := _owe_reminder(appointment_id, now))]
    return deliver_now([mail.pk for mail in owed], now=now).get("sent", 0)


def _due(now: dt.datetime):
    return _first_visit_missing_intake(_claimable(now))


def _claimable(now: dt.datetime):
    """Booked, not yet reminded, starting within the window. A client asked once the window
    was already open (booked less than two days ahead) is not reminded: the ask was the
    reminder. Conditions on the appointment row only, so PostgreSQL re-checks them on the
    locked row when two workers' UPDATEs race."""
    now = now.astimezone(dt.UTC)
    return Appointment.objects.filter(
        Q(intake_asked_at__isnull=True) | Q(intake_asked_at__lte=F("starts_at") - REMIND_BEFORE),
        status=Status.BOOKED,
        intake_reminded_at__isnull=True,
        starts_at__gt=now + REMIND_NOT_WITHIN,
        starts_at__lte=now + REMIND_BEFORE,
    )


@transaction.atomic
def _owe_reminder(appointment_id, now: dt.datetime):
    if _claimable(now).filter(pk=appointment_id).update(intake_reminded_at=now) != 1:
        return None  # another worker has it, or it changed since it was listed
    appointment = _first_visit_missing_intake(Appointment.objects.filter(pk=appointment_id))
    appointment = appointment.select_related("client").first()
    if appointment is None:
        return None  # completed, moved behind another visit, or the address removed meanwhile
    return mail_owe(
        kind=REMINDER,
        about=appointment,
        recipient=appointment.client.email,
        client=appointment.client,
        # One reminder per time: a visit moved after its reminder is reminded again.
        key=f"intake-forms-reminder:{appointment.pk}:{appointment.starts_at.timestamp():.0f}",
        now=now,
        wake_worker=False,
    )


# --- building the mails at send time --------------------------------------------------------

SUBJECTS = {
    ASK: "Please fill in your forms before your first visit",
    REMINDER: "Reminder: your forms before your first visit",
}


@outbox.register(ASK, "Intake forms before a first visit", watchers=outbox.CLINIC_STAFF)
def _build_ask(mail, *, now) -> outbox.Prepared:
    return outbox.Prepared(intake_forms_email(_still_owed(mail, now), ASK))


@outbox.register(REMINDER, "Intake forms reminder", watchers=outbox.CLINIC_STAFF)
def _build_reminder(mail, *, now) -> outbox.Prepared:
    return outbox.Prepared(intake_forms_email(_still_owed(mail, now), REMINDER))


def _still_owed(mail, now: dt.datetime) -> Appointment:
    appointment = with_intake_status(mail.about_id)
    if appointment is None:
        raise outbox.NotOwed("The appointment no longer exists.")
    if appointment.status != Status.BOOKED:
        raise outbox.NotOwed(f"The appointment is {appointment.get_status_display().lower()}.")
    if appointment.starts_at <= now:
        raise outbox.NotOwed("The appointment has already started.")
    if not readiness.missing(appointment):
        raise outbox.NotOwed("The health history and consent are on file now.")
    if not appointment.client.email:
        raise outbox.Undeliverable("The client has no email address on file.")
    return appointment


def with_intake_status(appointment_id) -> Appointment | None:
    """The appointment with its client and what is on file (one query)."""
    return (
        _with_intake(Appointment.objects.select_related("client").filter(pk=appointment_id))
        .order_by()
        .first()
    )


def intake_forms_email(appointment: Appointment, kind: str) -> EmailMessage:
    """The mail for an appointment read by `with_intake_status`: when the visit is, which
    forms are missing (by name only) and the links to fill them in. No health detail; the
    subject names neither the client nor the visit."""
    client = appointment.client
    starts = local(appointment.starts_at)
    has_account = client.user_id is not None
    context = {
        "name": client.preferred_name or client.first_name,
        "clinic_name": settings.CLINIC_NAME,
        "clinic_phone": settings.CLINIC_PHONE,
        "when": f"{day_time(starts)} ({starts:%Z})",
        "reminder": kind == REMINDER,
        "forms": [
            (r.form, site_url(reverse(r.portal_url_name))) for r in readiness.missing(appointment)
        ],
        "has_account": has_account,
        "has_invitation": not has_account and _invitation_pending(client),
    }
    return EmailMessage(
        subject=f"{SUBJECTS[kind]} - {settings.CLINIC_NAME}",
        body=loader.render_to_string("scheduling/email/intake_forms.txt", context),
        to=[client.email],
    )


def _invitation_pending(client) -> bool:
    """An invitation that works or will: open, not expired, not locked (its link may still be
    on its way: the token is made when its own mail is sent)."""
    return (
        Invitation.objects.for_person(client=client)
        .open()
        .filter(expires_at__gt=timezone.now(), failed_checks__lt=MAX_FAILED_CHECKS)
        .exists()
    )
