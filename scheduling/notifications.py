"""The client's appointment mails (confirmation and reminder), each with an .ics attachment.

Building a mail is kept apart from sending it so the reminder service can claim, send and
release in its own order, and tests can read a mail without a mail server.
"""

from __future__ import annotations

from email import encoders
from email.mime.base import MIMEBase

from django.conf import settings
from django.core.mail import EmailMessage
from django.template import loader

from clinic.clinic_time import local
from clinic.date_formats import day_short, day_time
from scheduling.ical import appointment_ics
from scheduling.models import Appointment

KINDS = ("confirmation", "reminder")
ICS_FILENAME = "appointment.ics"

SUBJECTS = {
    "confirmation": "Your appointment on {when} is confirmed",
    "reminder": "Reminder: your appointment on {when}",
}


def appointment_email(appointment: Appointment, kind: str) -> EmailMessage:
    """The mail for `appointment` of `kind`; addressed to the client's own email only."""
    if kind not in KINDS:
        raise ValueError(f"unknown appointment mail kind {kind!r}")
    context = _context(appointment)
    message = EmailMessage(
        subject=f"{SUBJECTS[kind].format(when=context['short_when'])} - {settings.CLINIC_NAME}",
        body=loader.render_to_string(f"scheduling/email/appointment_{kind}.txt", context),
        to=[appointment.client.email],
    )
    message.attach(_ics_part(appointment))
    return message


def _context(appointment: Appointment) -> dict:
    starts, ends = local(appointment.starts_at), local(appointment.ends_at)
    therapist = appointment.therapist.user
    return {
        "name": appointment.client.preferred_name or appointment.client.first_name,
        "clinic_name": settings.CLINIC_NAME,
        "clinic_phone": settings.CLINIC_PHONE,
        "type_name": appointment.appointment_type.name,
        "when": f"{day_time(starts)}-{ends:%H:%M} ({starts:%Z})",
        "short_when": f"{day_short(starts)} at {starts:%H:%M}",
        "therapist": therapist.get_full_name() or therapist.get_username(),
        "location": (
            f"{settings.CLINIC_NAME}, {appointment.room.name}"
            if appointment.room
            else settings.CLINIC_NAME
        ),
    }


def _ics_part(appointment: Appointment) -> MIMEBase:
    """Built by hand: Django's attach() would repeat `charset` in the Content-Type, and
    base64 keeps the CRLF line endings that RFC 5545 requires intact in transit."""
    part = MIMEBase("text", "calendar", method="PUBLISH", charset="utf-8")
    part.set_payload(appointment_ics(appointment))
    encoders.encode_base64(part)
    part.add_header("Content-Disposition", "attachment", filename=ICS_FILENAME)
    return part
