"""The one background pipeline of documents/: plan PDFs, billing documents and whole-record
exports are each a row that is the job's record, and each goes through the same steps here.

- **claim**: a conditional UPDATE takes a row that is pending and unclaimed, or whose claim's
  lease lapsed (its worker died); `started_at` is the claim's token, so only its holder marks
  the row ready or failed, and a duplicate delivery does the work at most once;
- **lease**: a heartbeat thread renews the claim while the work runs (documents/lease.py);
- **release**: a transient failure (the database or storage away) gives the row back for the
  task's retry or the sweep;
- **fail**: any other failure is final for the row, with a reason that quotes no content;
- **sweep** (beat, every 15 s): gives up on rows claimed MAX_ATTEMPTS times, and wakes a worker
  for rows still owed: never woken (the broker was down), woken but unclaimed for a while (a
  lost message), or claimed by a worker whose lease lapsed.

A plan PDF stays "pending" while it renders (its status has no working state); billing
documents and exports move to "rendering" / "building". `Pipeline.working` says which.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import OperationalError
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from documents.lease import lease_kept

logger = logging.getLogger("documents.services")

# A claim lasts this long unless its heartbeat renews it (every HEARTBEAT_SECONDS).
LEASE = dt.timedelta(seconds=20)
HEARTBEAT_SECONDS = 5
# A request whose wake-up never went out (the broker was down) is woken by the next sweep
# after this grace; one woken but still unclaimed after UNCLAIMED_AFTER lost its message.
WAKE_GRACE = dt.timedelta(seconds=10)
UNCLAIMED_AFTER = dt.timedelta(seconds=60)
# After this many claims a row that never finishes is given up as failed (a document that
# always kills its worker must not loop forever).
MAX_ATTEMPTS = 4
SWEEP_BATCH = 200
# Failures a later attempt can cure; anything else marks the row failed at once.
TRANSIENT_ERRORS = (OSError, ConnectionError, OperationalError)

# The Celery options every task of the pipeline shares: the message is acknowledged after
# the work (a killed worker's message is delivered again), transient failures retry with
# backoff, and no result is kept (the row is the record).
TASK_OPTIONS = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
    "ignore_result": True,
}


def _every_row(rows: QuerySet) -> QuerySet:
    return rows


@dataclass(frozen=True)
class Pipeline:
    """One kind of row's claim, lease, release, failure and sweep."""

    model: type
    label: str  # "plan pdf": names the row in logs and the heartbeat thread
    wake: Callable[..., bool]  # wake(pk, now=...) -> whether the broker took the message
    working: str  # the status while claimed
    pending: str = "pending"
    failed: str = "failed"
    error_field: str = "error"
    finished_field: str | None = "finished_at"
    created_field: str = "created_at"
    gave_up: str = "Rendering did not finish after several attempts."
    # Fields reset on each claim (e.g. an export's progress).
    on_claim: dict = field(default_factory=dict)
    # Narrows the rows the sweep would wake (plan PDFs: not those a newer request replaced).
    still_owed: Callable[[QuerySet], QuerySet] = _every_row

    @property
    def rows(self) -> QuerySet:
        return self.model.objects.all()

    def mine(self, pk, token: dt.datetime) -> QuerySet:
        """The row, only while this claim holds it."""
        return self.rows.filter(pk=pk, status=self.working, started_at=token)

    def claim(self, pk) -> dt.datetime | None:
        token = timezone.now()
        claimed = (
            self.rows.filter(pk=pk)
            .filter(
                Q(status=self.pending, started_at__isnull=True)
                | Q(status=self.working, lease_until__lt=token)
            )
            .update(
                status=self.working,
                started_at=token,
                lease_until=token + LEASE,
                attempts=F("attempts") + 1,
                **self.on_claim,
            )
        )
        return token if claimed == 1 else None

    def release(self, pk, token: dt.datetime) -> bool:
        released = self.mine(pk, token).update(
            status=self.pending, started_at=None, lease_until=None
        )
        return released == 1

    def lease_kept(self, pk, token: dt.datetime):
        return lease_kept(
            f"{self.label} {pk}",
            lambda: self.mine(pk, token).update(lease_until=timezone.now() + LEASE),
            every=HEARTBEAT_SECONDS,
        )

    def fail(self, pk, token: dt.datetime, reason: str) -> None:
        self.mine(pk, token).update(
            status=self.failed,
            lease_until=None,
            **{self.error_field: reason[:300]},
            **self._finished(timezone.now()),
        )
        logger.error("%s %s failed: %s", self.label, pk, reason)

    def run(self, pk, work: Callable[[dt.datetime], bool], *, reason_for) -> bool:
        """Claim the row, then `work(token)` under a kept lease; True when it did the work.
        A transient error releases the row and is raised again (for the task's retry); any
        other error fails the row with `reason_for(error)`."""
        token = self.claim(pk)
        if token is None:
            logger.info("%s %s skipped: done, failed or being worked on", self.label, pk)
            return False
        logger.info("%s %s render started", self.label, pk)
        try:
            with self.lease_kept(pk, token):
                return work(token)
        except TRANSIENT_ERRORS:
            self.release(pk, token)
            raise
        except Exception as error:  # noqa: BLE001 - any other failure is final for this row
            self.fail(pk, token, reason_for(error))
            return False

    def sweep(self, *, now: dt.datetime, unclaimed_after: dt.timedelta) -> int:
        """Give up on rows claimed MAX_ATTEMPTS times, then wake a worker for each row still
        owed (at most SWEEP_BATCH). Returns how many woke."""
        self.rows.filter(
            status=self.working, lease_until__lt=now, attempts__gte=MAX_ATTEMPTS
        ).update(
            status=self.failed,
            lease_until=None,
            **{self.error_field: self.gave_up},
            **self._finished(now),
        )
        never_woken = Q(woken_at__isnull=True, **{f"{self.created_field}__lt": now - WAKE_GRACE})
        lost = Q(woken_at__lt=now - unclaimed_after)
        owed = self.rows.filter(
            Q(status=self.pending, started_at__isnull=True) & (never_woken | lost)
            | Q(status=self.working, lease_until__lt=now)
        )
        pks = self.still_owed(owed).values_list("pk", flat=True)[:SWEEP_BATCH]
        woken = sum(self.wake(pk, now=now) for pk in pks)
        if woken:
            logger.info("%s sweep re-enqueued %d", self.label, woken)
        return woken

    def _finished(self, when: dt.datetime) -> dict:
        return {self.finished_field: when} if self.finished_field else {}


def render_failure(error: Exception) -> str:
    """Why a render failed, for the row: WeasyPrint's own words for a rendering problem (about
    our templates and files, never the document's text); otherwise only the error's class,
    since a message could quote health or billing data and logs hold none."""
    from documents.pdf import PdfRenderProblem

    if isinstance(error, PdfRenderProblem):
        return f"Rendering problem: {error}"
    return f"Rendering failed ({type(error).__name__})."
