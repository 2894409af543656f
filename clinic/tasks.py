"""Core Celery tasks: thin, take ids, call a service."""

from __future__ import annotations

import smtplib

from celery import shared_task

from clinic import services

# Only failures that a later attempt can cure are retried.
TRANSIENT_MAIL_ERRORS = (
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    ConnectionError,
    TimeoutError,
)


@shared_task(
    autoretry_for=TRANSIENT_MAIL_ERRORS,
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=6,
)
def send_password_reset_email(user_id: str, domain: str, use_https: bool) -> bool:
    return services.password_reset_email_send(user_id=user_id, domain=domain, use_https=use_https)


@shared_task(
    autoretry_for=TRANSIENT_MAIL_ERRORS,
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=6,
)
def send_appointment_confirmation(appointment_id: str) -> bool:
    return services.appointment_confirmation_send(appointment_id=appointment_id)


@shared_task(
    autoretry_for=TRANSIENT_MAIL_ERRORS,
    retry_backoff=True,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=3,
)
def send_due_reminders() -> int:
    # Beat runs this every few minutes anyway, so a few quick retries are enough.
    return services.reminders_send_due()


@shared_task(
    autoretry_for=TRANSIENT_MAIL_ERRORS,
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=6,
)
def send_invitation_email(invitation_id: str, base_url: str) -> bool:
    # The token is made inside the service at send time: only the id crosses the broker.
    from clinic.services.invitations import invitation_email_send

    return invitation_email_send(invitation_id=invitation_id, base_url=base_url)
