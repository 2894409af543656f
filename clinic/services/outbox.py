"""Owing, delivering, retrying and resending mail (the outbox, clinic/models/outbox.py).

- `mail_owe` writes the row inside the caller's transaction and wakes a worker after commit.
  A broker outage only loses the wake-up: the row stays, and the sweep sends it.
- `mail_deliver` claims one row with a conditional UPDATE that sets a lease, builds the mail,
  sends it, and records the outcome under the same claim. Two deliveries of one row (a
  wake-up and a sweep, a redelivered message) send it once; a worker killed mid-send leaves a
  lease that lapses after MAIL_LEASE, and the mail goes out on the next sweep.
- A mail server that cannot be reached (or answers 4xx) means "try again later": backoff from
  30 seconds up to 30 minutes, for GIVE_UP_AFTER (days). An answer of 5xx for the address
  means it will never be accepted: the row is failed with the server's words, and the front
  desk sees it with a resend button.

Every function takes `now`, so tests can run the clock forward instead of sleeping.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import random
import smtplib
import time
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import get_connection
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from clinic import audit, outbox
from clinic.models.outbox import OutboundMail
from clinic.roles import STAFF_ROLES, role_of
from clinic.wakeups import wake

logger = logging.getLogger(__name__)
Status = OutboundMail.Status

# How long a claim on one mail lasts: above the delivery task's hard time limit
# (clinic.tasks) and a send's few SMTP steps at EMAIL_TIMEOUT (10 s) each, so a live sender
# keeps it, and short, so a dead one's mail goes out again at the next sweep after it.
MAIL_LEASE = dt.timedelta(seconds=60)
GIVE_UP_AFTER = dt.timedelta(days=7)
FIRST_RETRY = dt.timedelta(seconds=30)
LONGEST_RETRY = dt.timedelta(minutes=30)
SWEEP_BATCH = 200
# A sweep stops starting new mails after this long; the next sweep takes the rest.
SWEEP_BUDGET_SECONDS = 60.0


# --- owing -------------------------------------------------------------------------------------


def mail_owe(
    *,
    kind: str,
    about,
    recipient: str,
    client=None,
    params: dict | None = None,
    key: str | None = None,
    now: dt.datetime | None = None,
    wake_worker: bool = True,
) -> OutboundMail | None:
    """Record that `kind` mail about `about` is owed to `recipient`. Call it inside the
    transaction that makes the mail owed. With a `key`, a second call owes nothing more
    (returns None). `wake_worker=False` when the caller delivers it itself after commit."""
    now = now or timezone.now()
    mail = OutboundMail(
        kind=kind,
        about_id=str(about.pk if hasattr(about, "pk") else about),
        recipient=recipient,
        client=client,
        params=params or {},
        key=key,
        created_at=now,
        next_attempt_at=now,
        give_up_at=now + GIVE_UP_AFTER,
    )
    try:
        with transaction.atomic():  # a savepoint: a duplicate key leaves the caller's work
            mail.save(force_insert=True)
    except IntegrityError:
        if key and OutboundMail.objects.filter(key=key).exists():
            return None
        raise
    if wake_worker:
        _wake_after_commit(mail.pk)
    return mail


def _wake_after_commit(mail_id) -> None:
    from clinic.tasks import deliver_mail

    mail_id = str(mail_id)
    transaction.on_commit(lambda: wake(deliver_mail, mail_id))


# --- delivering --------------------------------------------------------------------------------


def mail_deliver(*, mail_id, now: dt.datetime | None = None, connection=None) -> str:
    """Send one owed mail if this call wins its claim. Returns what happened: "sent",
    "retry", "failed", "dropped" or "skipped" (not due, not waiting, or claimed elsewhere)."""
    now = now or timezone.now()
    token = _claim(mail_id, now)
    if token is None:
        return "skipped"
    mail = OutboundMail.objects.get(pk=mail_id)
    try:
        prepared = outbox.build(mail, now=now)
    except outbox.NotOwed as reason:
        return _finish(mail, token, Status.DROPPED, error=str(reason))
    except outbox.Undeliverable as reason:
        return _finish(mail, token, Status.FAILED, error=str(reason))
    except DatabaseError as error:
        return _retry(mail, token, now, f"The database was unavailable ({type(error).__name__}).")
    return _send(mail, token, prepared, now=now, connection=connection)


def _claim(mail_id, now: dt.datetime) -> uuid.UUID | None:
    token = uuid.uuid4()
    claimed = (
        OutboundMail.objects.filter(pk=mail_id, status=Status.WAITING, next_attempt_at__lte=now)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(claim=token, lease_until=now + MAIL_LEASE, attempts=F("attempts") + 1)
    )
    return token if claimed == 1 else None


def _send(mail, token, prepared: outbox.Prepared, *, now, connection) -> str:
    message = prepared.message
    # One Message-ID per owed mail: should a crash ever make us send it twice, the
    # recipient's mail program sees the same message.
    message.extra_headers = {**message.extra_headers, "Message-ID": _message_id(mail)}
    if connection is not None:
        message.connection = connection
    recipient = ", ".join(message.to)
    try:
        message.send()
    except Exception as error:  # noqa: BLE001 - classified below; nothing is lost either way
        if _never_accepted(error):
            return _finish(mail, token, Status.FAILED, error=_describe(error), recipient=recipient)
        return _retry(mail, token, now, _describe(error), recipient=recipient)
    outcome = _finish(mail, token, Status.SENT, recipient=recipient, sent_at=timezone.now())
    if outcome == "sent" and prepared.after_sent is not None:
        prepared.after_sent()
    return outcome


def _message_id(mail) -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ") or "clinic.invalid"
    return f"<{mail.pk}@{domain}>"


def _never_accepted(error: Exception) -> bool:
    """True when the server refused for good (5xx for the recipients, the sender or the
    content); a refused sign-in (535) is the clinic's set-up and worth retrying once fixed."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return False
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return False


def _describe(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        answers = [f"{code} {_text(words)}" for code, words in error.recipients.values()]
        return _trim("The mail server refused the address: " + "; ".join(answers))
    if isinstance(error, smtplib.SMTPResponseException):
        return _trim(f"The mail server answered {error.smtp_code} {_text(error.smtp_error)}")
    if isinstance(error, OSError):
        return _trim(f"The mail server could not be reached ({type(error).__name__}: {error}).")
    return _trim(f"Sending failed ({type(error).__name__}).")


def _text(words) -> str:
    return words.decode(errors="replace") if isinstance(words, bytes) else str(words)


def _trim(text: str) -> str:
    return text if len(text) <= 300 else text[:297] + "..."


def _finish(mail, token, status: str, *, error: str = "", **fields) -> str:
    done = OutboundMail.objects.filter(pk=mail.pk, claim=token).update(
        status=status, last_error=_trim(error), lease_until=None, claim=None, **fields
    )
    if done != 1:
        # Our lease lapsed and someone else holds the row now: their outcome stands.
        logger.warning("mail %s: claim lost before the outcome was recorded", mail.pk)
        return "skipped"
    if status == Status.FAILED:
        # The reason stays on the row: a server's refusal usually quotes the address.
        logger.warning("mail %s (%s): failed, reason on the row", mail.pk, mail.kind)
    else:
        logger.info("mail %s (%s): %s%s", mail.pk, mail.kind, status, f": {error}" if error else "")
    return str(status)


def _retry(mail, token, now: dt.datetime, error: str, **fields) -> str:
    if now >= mail.give_up_at:
        gave_up = f"Still not sent after {GIVE_UP_AFTER.days} days. Last problem: {error}"
        return _finish(mail, token, Status.FAILED, error=gave_up, **fields)
    later = now + retry_delay(mail.attempts)
    done = OutboundMail.objects.filter(pk=mail.pk, claim=token).update(
        next_attempt_at=later, last_error=_trim(error), lease_until=None, claim=None, **fields
    )
    logger.info(
        "mail %s (%s): attempt %d failed, next at %s",
        mail.pk,
        mail.kind,
        mail.attempts,
        later.isoformat(),
    )
    return "retry" if done == 1 else "skipped"


def retry_delay(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min, ... capped at 30 min, each +-20 % so a backlog spreads out."""
    doublings = min(max(attempts - 1, 0), 16)  # 30 s x 2**16 is far past the cap already
    delay = min(FIRST_RETRY * 2**doublings, LONGEST_RETRY)
    return delay * random.uniform(0.8, 1.2)  # noqa: S311 - jitter, not secrecy


# --- the sweep (periodic) ----------------------------------------------------------------------


def mail_sweep(*, now: dt.datetime | None = None, budget_seconds: float = SWEEP_BUDGET_SECONDS):
    """Deliver what is owed and due, oldest first. Returns counts of outcomes."""
    now = now or timezone.now()
    due = list(_due(now).values_list("pk", flat=True)[:SWEEP_BATCH])
    outcomes = deliver_now(due, now=now, budget_seconds=budget_seconds) if due else {}
    if outcomes:
        logger.info("outbox sweep: %s", outcomes)
    return outcomes


def deliver_now(
    mail_ids, *, now: dt.datetime, budget_seconds: float = SWEEP_BUDGET_SECONDS
) -> dict[str, int]:
    """Deliver these mails over one mail-server connection. Stops at the first mail the
    server could not take for now (the rest would fail the same way, and stay owed) or when
    the budget is spent."""
    started = time.monotonic()
    outcomes: dict[str, int] = {}
    connection = _open_connection()
    try:
        for mail_id in mail_ids:
            outcome = mail_deliver(mail_id=mail_id, now=now, connection=connection)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            if outcome == "retry" or time.monotonic() - started > budget_seconds:
                break
    finally:
        _close_quietly(connection)
    return outcomes


def _open_connection():
    connection = get_connection()
    # A server that cannot be reached: each send tries again and records why it failed.
    with contextlib.suppress(Exception):
        connection.open()
    return connection


def _due(now: dt.datetime):
    return (
        OutboundMail.objects.filter(status=Status.WAITING, next_attempt_at__lte=now)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .order_by("next_attempt_at")
    )


def _close_quietly(connection) -> None:
    with contextlib.suppress(Exception):  # a half-open SMTP session: nothing left to save
        connection.close()


# --- staff: resend and the backlog ------------------------------------------------------------


@transaction.atomic
def mail_resend(*, actor, mail: OutboundMail, now: dt.datetime | None = None) -> OutboundMail:
    """Put a failed mail back in the outbox (after the address was corrected, say)."""
    if role_of(actor) not in STAFF_ROLES:
        raise PermissionDenied("Only clinic staff resend mail.")
    now = now or timezone.now()
    resent = OutboundMail.objects.filter(pk=mail.pk, status=Status.FAILED).update(
        status=Status.WAITING,
        attempts=0,
        next_attempt_at=now,
        give_up_at=now + GIVE_UP_AFTER,
        last_error="",
        claim=None,
        lease_until=None,
    )
    if resent != 1:
        raise ValueError("Only a mail that could not be delivered can be sent again.")
    audit.record(
        actor=actor,
        action="update",
        client=mail.client,
        target=mail,
        detail=f"mail sent again: {mail.label}",
    )
    _wake_after_commit(mail.pk)
    mail.refresh_from_db()
    return mail
