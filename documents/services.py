"""Plan PDF summaries: requesting, rendering, retrying, sweeping, and telling the care team.

Our own table (PlanPdf) records what is owed, not the queue. One row per version and content
fingerprint: asking again for the same content finds the row and enqueues nothing new. The
row is written in the transaction that owes it (an activation, a signed note); the Celery
message only wakes a worker, and a broker outage is shrugged off (clinic/wakeups.py).

A render is claimed by a conditional UPDATE that stamps `started_at` (the claim's token) and
a lease (`lease_until`) on a pending row that is unclaimed or whose lease has lapsed. While it
renders, a heartbeat renews the lease every few seconds; only the holder of the token may
mark the row ready, so two deliveries of the same message (acks_late redelivery, a sweep
wake-up, a duplicate) render at most once and store one file. A worker killed mid-render stops
renewing: its lease lapses after LEASE, and the next sweep (every 15 seconds) wakes a worker
for it, so the PDF is ready well within a minute of a worker being back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import secrets
import time

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.template import loader
from django.urls import reverse
from django.utils import timezone

from clinic import audit, outbox
from clinic.links import site_url
from clinic.models import CareTeamMember
from clinic.roles import CLINICIAN_ROLES, Role, role_of
from clinic.services.outbox import mail_owe
from clinic.wakeups import wake
from documents.models import PlanPdf
from documents.pipeline import UNCLAIMED_AFTER, Pipeline, render_failure
from sessions_log.models import SessionNote
from sessions_log.progress import milestone_progress
from treatment_plans.models import PlanAcknowledgement, PlanVersion

logger = logging.getLogger(__name__)
Status = PlanPdf.Status

# Progress can change several times in a row (a reassessment entered field by field): wait
# this long before rendering, and render only the newest request.
REFRESH_DEBOUNCE_SECONDS = 30
PLAN_READY_MAIL = "plan_ready"


# --- requesting -------------------------------------------------------------------------------


def plan_pdf_fingerprint(version: PlanVersion, progress=None) -> str:
    """sha256 of what the PDF shows that can change after activation: the progress rows and
    the signed sessions its charts draw (a signed note never changes, so its id stands for
    it). Everything else belongs to the immutable version, named by its id."""
    progress = milestone_progress(version) if progress is None else progress
    payload = {
        "version": str(version.pk),
        "progress": [row.as_data() for row in progress],
        "sessions": _signed_session_ids(version),
    }
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()


def _signed_session_ids(version: PlanVersion) -> list[str]:
    notes = SessionNote.objects.filter(
        plan_version__plan_id=version.plan_id, signed_at__isnull=False
    )
    return [str(pk) for pk in notes.order_by("pk").values_list("pk", flat=True)]


def plan_pdf_request(*, version: PlanVersion, countdown: int = 0) -> PlanPdf:
    """Make sure a PDF of the version's current content exists or is on its way. Idempotent:
    a ready or pending row for the same content means nothing new is enqueued."""
    if version.activated_at is None:
        # Clients and physicians may read PDFs; a draft must never reach them.
        raise ValueError("Only an activated plan version gets a PDF.")
    fingerprint = plan_pdf_fingerprint(version)
    with transaction.atomic():
        pdf, created = _get_or_create(version, fingerprint)
        if not created:
            # The newest request decides which PDF is current (see _is_newest).
            PlanPdf.objects.filter(pk=pdf.pk).update(requested_at=timezone.now())
        revived = pdf.status == Status.FAILED and _revive(pdf)
        if created or revived:
            _enqueue(pdf, countdown=countdown)
    return pdf


def plan_pdf_refresh(*, version: PlanVersion) -> PlanPdf:
    """Progress changed: a new PDF after the debounce, unless the content is unchanged."""
    return plan_pdf_request(version=version, countdown=REFRESH_DEBOUNCE_SECONDS)


def plan_pdf_retry(*, actor, pdf: PlanPdf) -> PlanPdf:
    """Staff put a failed PDF back in the queue."""
    if role_of(actor) not in CLINICIAN_ROLES:
        raise PermissionDenied("Only therapists and the clinic admin retry a PDF.")
    with transaction.atomic():
        if not _revive(pdf):
            raise ValueError("Only a failed PDF can be retried.")
        audit.record(
            actor=actor,
            action="update",
            client=pdf.version.plan.client,
            target=pdf,
            detail=f"plan v{pdf.version.number} PDF retried",
        )
        _enqueue(pdf, countdown=0)
    pdf.refresh_from_db()
    return pdf


def _get_or_create(version: PlanVersion, fingerprint: str) -> tuple[PlanPdf, bool]:
    try:
        with transaction.atomic():  # savepoint: a racing request may insert first
            return PlanPdf.objects.get_or_create(version=version, fingerprint=fingerprint)
    except IntegrityError:
        return PlanPdf.objects.get(version=version, fingerprint=fingerprint), False


def _revive(pdf: PlanPdf) -> bool:
    revived = PlanPdf.objects.filter(pk=pdf.pk, status=Status.FAILED).update(
        status=Status.PENDING, started_at=None, attempts=0, last_error="", finished_at=None
    )
    return revived == 1


def _enqueue(pdf: PlanPdf, *, countdown: int) -> None:
    # After commit: the worker must find the row, and a rolled-back request sends nothing.
    pdf_id = str(pdf.pk)
    transaction.on_commit(lambda: _wake_render(pdf_id, countdown=countdown))


def _wake_render(pdf_id, *, countdown: int = 0, now: dt.datetime | None = None) -> bool:
    """Tell a worker to render; note when (`woken_at`, the render's expected start) only if
    the broker took the message, so the sweep knows which requests were never woken."""
    from documents.tasks import render_plan_pdf

    if not wake(render_plan_pdf, str(pdf_id), countdown=countdown):
        return False
    expected = (now or timezone.now()) + dt.timedelta(seconds=countdown)
    PlanPdf.objects.filter(pk=pdf_id).update(woken_at=expected)
    return True


# --- rendering (called by the task) --------------------------------------------------------------


def plan_pdf_render(*, pdf_id: str) -> bool:
    """Render and store the PDF if this call wins the claim; True when it did."""
    if not _is_newest(pdf_id):
        _drop_superseded(pdf_id)
        logger.info("plan pdf %s skipped: a newer request replaced it", pdf_id)
        return False
    done = PIPELINE.run(
        pdf_id, lambda token: _render_and_store(pdf_id, token), reason_for=render_failure
    )
    if done:
        logger.info("plan pdf %s ready", pdf_id)
    return done


def _newer_request():
    return PlanPdf.objects.filter(
        version_id=OuterRef("version_id"), requested_at__gt=OuterRef("requested_at")
    )


def _is_newest(pdf_id: str) -> bool:
    return PlanPdf.objects.filter(pk=pdf_id).exclude(Exists(_newer_request())).exists()


def _drop_superseded(pdf_id: str) -> None:
    # Never started, and a newer request will render: nothing is lost, nothing stays owed.
    PlanPdf.objects.filter(pk=pdf_id, status=Status.PENDING, started_at__isnull=True).delete()


# A plan PDF has no working status: it stays pending while claimed (`started_at` says so).
PIPELINE = Pipeline(
    model=PlanPdf,
    label="plan pdf",
    wake=lambda pdf_id, now: _wake_render(pdf_id, now=now),
    working=Status.PENDING,
    error_field="last_error",
    created_field="requested_at",
    # Only the newest request of a version is rendered.
    still_owed=lambda rows: rows.exclude(Exists(_newer_request())),
)


def _render_and_store(pdf_id: str, token: dt.datetime) -> bool:
    from documents.pdf import html_to_pdf, plan_html

    pdf = PlanPdf.objects.select_related("version__plan__client", "version__plan__therapist").get(
        pk=pdf_id
    )
    started = time.monotonic()
    content = html_to_pdf(plan_html(pdf.version))
    seconds = time.monotonic() - started
    # A random name: the path tells nothing about the client and cannot be guessed.
    name = pdf.file.storage.save(f"plans/{secrets.token_hex(16)}.pdf", ContentFile(content))
    with transaction.atomic():  # ready, and the care team's mails owed, together
        marked = PIPELINE.mine(pdf_id, token).update(
            status=Status.READY,
            file=name,
            sha256=hashlib.sha256(content).hexdigest(),
            size=len(content),
            render_seconds=round(seconds, 3),
            finished_at=timezone.now(),
            lease_until=None,
            last_error="",
        )
        if marked == 1:
            _owe_care_team_mails(pdf)
    if marked != 1:
        # Our claim was released (we were presumed dead) and someone else owns the row now.
        pdf.file.storage.delete(name)
        logger.warning("plan pdf %s: claim lost during render, file discarded", pdf_id)
        return False
    return True


def plan_pdf_sweep(*, now: dt.datetime | None = None, unclaimed_after=UNCLAIMED_AFTER) -> int:
    """Wake a worker for the newest requests still owed: one whose wake-up never went out
    (the broker was down), one woken but unclaimed for `unclaimed_after` (a lost message), or
    a claim whose lease lapsed (its worker died); give up on those claimed MAX_ATTEMPTS
    times. Returns how many were woken."""
    return PIPELINE.sweep(now=now or timezone.now(), unclaimed_after=unclaimed_after)


# --- the care team ------------------------------------------------------------------------------


def _owe_care_team_mails(pdf: PlanPdf) -> int:
    """Inside the transaction that marks the PDF ready: each physician sharing the client's
    care is owed one "plan ready" mail per plan version (a later PDF of the same version, with
    new progress, tells nobody again; a physician who joined since is told)."""
    members = (
        CareTeamMember.objects.filter(client_id=pdf.version.plan.client_id)
        .sharing()
        .select_related("physician__user")
    )
    owed = 0
    for member in members:
        address = _physician_address(member.physician)
        if address and mail_owe(
            kind=PLAN_READY_MAIL,
            about=pdf.version,
            recipient=address,
            client=pdf.version.plan.client,
            params={"physician": str(member.physician_id)},
            key=f"plan-ready:{pdf.version_id}:{member.physician_id}",
        ):
            owed += 1
    if owed:
        PlanPdf.objects.filter(pk=pdf.pk).update(care_team_notified_at=timezone.now())
    return owed


def _physician_address(physician) -> str:
    return physician.email or (physician.user.email if physician.user else "")


@outbox.register(PLAN_READY_MAIL, "Plan ready, to a physician", watchers=outbox.CLINICIANS)
def _build_plan_ready_mail(mail, *, now) -> outbox.Prepared:
    version = PlanVersion.objects.select_related("plan").filter(pk=mail.about_id).first()
    member = (
        CareTeamMember.objects.sharing()
        .filter(client_id=version.plan.client_id if version else None)
        .filter(physician_id=mail.params.get("physician"))
        .select_related("physician__user")
        .first()
    )
    if version is None or member is None:
        raise outbox.NotOwed("The physician no longer shares this client's care.")
    address = _physician_address(member.physician)
    if not address:
        raise outbox.Undeliverable("The physician has no email address on file.")
    return outbox.Prepared(care_team_email(version, address))


def care_team_email(version: PlanVersion, address: str) -> EmailMessage:
    context = {
        "clinic_name": settings.CLINIC_NAME,
        "link": site_url(reverse("plan_version_pdf", kwargs={"version_id": version.pk})),
        # The same care as a FHIR R4 bundle for the physician's EHR (documents/fhir/).
        "fhir_link": site_url(
            reverse("fhir_client_bundle", kwargs={"client_id": version.plan.client_id})
        ),
    }
    return EmailMessage(
        subject=f"A treatment plan for one of your patients is ready - {settings.CLINIC_NAME}",
        body=loader.render_to_string("documents/email/plan_ready.txt", context),
        to=[address],
    )


# --- acknowledgement ------------------------------------------------------------------------------


def plan_version_acknowledge(*, actor, version: PlanVersion) -> tuple[PlanAcknowledgement, bool]:
    """A consented physician confirms receipt of the version, once; (row, created)."""
    physician = getattr(actor, "physician_profile", None)
    if role_of(actor) != Role.PHYSICIAN or physician is None:
        raise PermissionDenied("Only a physician on the care team acknowledges a plan.")
    with transaction.atomic():
        acknowledgement, created = PlanAcknowledgement.objects.get_or_create(
            version=version, physician=physician
        )
        if created:
            audit.record(
                actor=actor,
                action="create",
                client=version.plan.client,
                target=version,
                detail=f"plan v{version.number} acknowledged by the physician",
            )
    return acknowledgement, created
