"""Core Celery tasks: thin, take ids, call a service.

Mail is owed in the database (clinic/services/outbox.py): `deliver_mail` is the wake-up for one
owed mail, `sweep_outbox` (beat, every 30 seconds) sends whatever is due and was not woken,
or failed for now. Neither retries through Celery: a mail that could not go out stays owed,
with its next attempt written on its row.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from clinic.services.outbox import MAIL_LEASE, SWEEP_BUDGET_SECONDS, mail_deliver, mail_sweep

# Sending one mail takes seconds at most (EMAIL_TIMEOUT per step); the hard limit stays under
# the mail's lease, so a claim never outlives a live sender.
MAIL_SOFT_LIMIT = 40
MAIL_HARD_LIMIT = 50
assert MAIL_LEASE.total_seconds() > MAIL_HARD_LIMIT


@shared_task(
    acks_late=True,
    soft_time_limit=MAIL_SOFT_LIMIT,
    time_limit=MAIL_HARD_LIMIT,
    ignore_result=True,
)
def deliver_mail(mail_id: str) -> str:
    return mail_deliver(mail_id=mail_id)


@shared_task(soft_time_limit=SWEEP_BUDGET_SECONDS + 60, ignore_result=True)
def sweep_outbox(now: str | None = None) -> dict:
    # `now` (ISO 8601) runs the sweep's clock forward, e.g. to check a week of retries.
    return mail_sweep(now=dt.datetime.fromisoformat(now) if now else None)


@shared_task(ignore_result=True)
def purge_form_submissions() -> int:
    # Create forms' one-time tokens older than clinic.submissions.KEEP; for beat, daily.
    from clinic.submissions import form_submissions_purge

    return form_submissions_purge()
