"""Plan PDF tasks: thin, take string ids, call a service (treatment_plans.services.pdf).

Routed to the `pdf` queue (CELERY_TASK_ROUTES), so slow renders never hold up mail. Results
are not kept: the PlanPdf row is the job's record.
"""

from __future__ import annotations

import datetime as dt
import os

from celery import shared_task

from treatment_plans.services import pdf as services

# A render normally takes well under a second; the limits stop a pathological document
# from holding a worker. STALE_AFTER in the service is longer than the hard limit.
RENDER_SOFT_LIMIT = 60
RENDER_HARD_LIMIT = 90
assert services.STALE_AFTER.total_seconds() > RENDER_HARD_LIMIT


def _test_pause() -> float:
    # Integration tests slow a render down in one worker's environment, to kill it mid-way.
    return float(os.environ.get("CLINIC_TEST_PDF_DELAY") or 0)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=RENDER_SOFT_LIMIT,
    time_limit=RENDER_HARD_LIMIT,
    autoretry_for=services.TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
    ignore_result=True,
)
def render_plan_pdf(pdf_id: str) -> bool:
    return services.plan_pdf_render(pdf_id=pdf_id, pause_seconds=_test_pause())


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=services.TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=6,
    ignore_result=True,
)
def notify_care_team(pdf_id: str) -> int:
    return services.plan_pdf_notify_care_team(pdf_id=pdf_id)


@shared_task(ignore_result=True)
def sweep_plan_pdfs(stale_seconds: int | None = None) -> int:
    # Beat runs this every few minutes; a failed run is simply the next run's work.
    if stale_seconds is None:
        return services.plan_pdf_sweep()
    return services.plan_pdf_sweep(stale_after=dt.timedelta(seconds=stale_seconds))
