"""Plan PDF and billing document tasks: thin, take string ids, call a service
(documents/services.py, documents/billing_services.py).

Routed to the `pdf` queue (CELERY_TASK_ROUTES), so slow renders never hold up mail. Results
are not kept: the PlanPdf or BillingDocument row is the job's record. The care team's "plan
ready" mails are owed in the outbox when a PDF becomes ready (clinic/services/outbox.py sends
them).
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from documents import billing_services, services
from documents.pipeline import TASK_OPTIONS

# A render normally takes well under a second; the limits stop a pathological document
# from holding a worker. A killed render's lease lapses (pipeline.LEASE) and the sweep
# wakes a worker for it again.
RENDER_SOFT_LIMIT = 60
RENDER_HARD_LIMIT = 90


@shared_task(**TASK_OPTIONS, soft_time_limit=RENDER_SOFT_LIMIT, time_limit=RENDER_HARD_LIMIT)
def render_plan_pdf(pdf_id: str) -> bool:
    return services.plan_pdf_render(pdf_id=pdf_id)


@shared_task(ignore_result=True)
def sweep_plan_pdfs(unclaimed_seconds: int | None = None) -> int:
    # Beat runs this every 15 seconds; a failed run is simply the next run's work.
    if unclaimed_seconds is None:
        return services.plan_pdf_sweep()
    return services.plan_pdf_sweep(unclaimed_after=dt.timedelta(seconds=unclaimed_seconds))


# --- billing documents (documents/billing_services.py): the same limits, retries and sweep ---


@shared_task(**TASK_OPTIONS, soft_time_limit=RENDER_SOFT_LIMIT, time_limit=RENDER_HARD_LIMIT)
def render_billing_document(doc_id: str) -> bool:
    return billing_services.billing_document_render(doc_id=doc_id)


@shared_task(ignore_result=True)
def sweep_billing_documents(unclaimed_seconds: int | None = None) -> int:
    # Beat runs this every 15 seconds, beside the plan PDFs' sweep.
    if unclaimed_seconds is None:
        return billing_services.billing_document_sweep()
    return billing_services.billing_document_sweep(
        unclaimed_after=dt.timedelta(seconds=unclaimed_seconds)
    )


# --- a client's whole record (documents/record_export.py): longer limits, the same sweep ----

# A large record (hundreds of notes, 50 to a PDF) takes a minute or two; the lease keeps a
# live build's claim, the limits stop a pathological one.
EXPORT_SOFT_LIMIT = 600
EXPORT_HARD_LIMIT = 660


@shared_task(**TASK_OPTIONS, soft_time_limit=EXPORT_SOFT_LIMIT, time_limit=EXPORT_HARD_LIMIT)
def build_record_export(export_id: str) -> bool:
    from documents.record_export import record_export_build

    return record_export_build(export_id=export_id)


@shared_task(ignore_result=True)
def sweep_record_exports() -> int:
    # Beat runs this every 15 seconds: wakes owed builds, expires old links.
    from documents.record_export import record_export_sweep

    return record_export_sweep()
