"""Scheduling's Celery tasks: thin, call a service."""

from __future__ import annotations

from celery import shared_task

from scheduling.services.intake_forms import intake_reminders_send_due
from scheduling.services.offers import offers_expire
from scheduling.services.reminders import reminders_send_due


@shared_task(ignore_result=True)
def send_due_reminders() -> int:
    # Beat runs this every few minutes; an unsent reminder stays owed in the outbox.
    return reminders_send_due()


@shared_task(ignore_result=True)
def send_due_intake_reminders() -> int:
    # Beat runs this every few minutes: first visits two days ahead with forms still missing.
    return intake_reminders_send_due()


@shared_task(ignore_result=True)
def expire_offers() -> int:
    # Beat runs this every few minutes; an expired link says so even before it runs.
    return offers_expire()
