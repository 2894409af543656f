"""Plan PDF summaries: requesting, rendering, retrying, sweeping, and telling the care team.

Our own table (PlanPdf) records what is owed, not the queue. One row per version and content
fingerprint: asking again for the same content finds the row and enqueues nothing new.

A render is claimed by a conditional UPDATE that stamps `started_at` on a pending, unclaimed
row; that stamp is the claim's token. Only the holder of the token may mark the row ready, so
two deliveries of the same message (acks_late redelivery, a sweep re-enqueue, a duplicate)
render at most once and store one file. A worker killed mid-render leaves a stale claim: the
sweep releases it after STALE_AFTER (longer than the task's hard time limit, so a live
render is never released) and re-enqueues, so the PDF still ends ready exactly once.
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
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Exists, F, OuterRef
from django.template import loader
from django.urls import reverse
from django.utils import timezone

from clinic import audit
from clinic.models import CareTeamMember
from clinic.roles import CLINICIAN_ROLES, Role, role_of
from treatment_plans.models import PlanAcknowledgement, PlanPdf, PlanVersion
from treatment_plans.progress import milestone_progress, session_note_model

logger = logging.getLogger(__name__)
Status = PlanPdf.Status

# Progress can change several times in a row (a reassessment entered field by field): wait
# this long before rendering, and render only the newest request.
REFRESH_DEBOUNCE_SECONDS = 30
# A claim or a request older than this is presumed lost (killed worker, lost message). Above
# the task's hard time limit (treatment_plans.tasks) and the refresh debounce.
STALE_AFTER = dt.timedelta(minutes=5)
# After this many claims a row that never finishes is given up as failed (a PDF that always
# kills its worker must not loop forever).
MAX_ATTEMPTS = 4
SWEEP_BATCH = 200
# Failures a later attempt can cure; anything else marks the row failed at once.
TRANSIENT_ERRORS = (OSError, ConnectionError, OperationalError)


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
    note_model = session_note_model()
    if note_model is None:
        return []
    notes = note_model.objects.filter(
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
            actor=actor, action="update", client=pdf.version.plan.client, target=pdf,
            detail=f"plan v{pdf.version.number} PDF retried",
        )  # fmt: skip
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
    from treatment_plans.tasks import render_plan_pdf

    # After commit: the worker must find the row, and a rolled-back request sends nothing.
    pdf_id = str(pdf.pk)
    transaction.on_commit(
        lambda: render_plan_pdf.apply_async(args=[pdf_id], countdown=countdown or None)
    )


# --- rendering (called by the task) --------------------------------------------------------------


def plan_pdf_render(*, pdf_id: str, pause_seconds: float = 0) -> bool:
    """Render and store the PDF if this call wins the claim; True when it did.
    `pause_seconds` (tests only) holds the claimed render open, to kill a worker mid-way."""
    if not _is_newest(pdf_id):
        _drop_superseded(pdf_id)
        logger.info("plan pdf %s skipped: a newer request replaced it", pdf_id)
        return False
    token = _claim(pdf_id)
    if token is None:
        logger.info("plan pdf %s skipped: ready, failed or being rendered", pdf_id)
        return False
    logger.info("plan pdf %s render started", pdf_id)
    if pause_seconds:
        time.sleep(pause_seconds)
    try:
        done = _render_and_store(pdf_id, token)
    except TRANSIENT_ERRORS:
        _release(pdf_id, token)  # the retry (or the sweep) may claim it again
        raise
    except Exception as error:  # noqa: BLE001 - any other failure is final for this row
        _fail(pdf_id, token, error)
        return False
    if done:
        logger.info("plan pdf %s ready", pdf_id)
        _enqueue_notification(pdf_id)
    return done


def _is_newest(pdf_id: str) -> bool:
    newer = PlanPdf.objects.filter(
        version_id=OuterRef("version_id"), requested_at__gt=OuterRef("requested_at")
    )
    return PlanPdf.objects.filter(pk=pdf_id).exclude(Exists(newer)).exists()


def _drop_superseded(pdf_id: str) -> None:
    # Never started, and a newer request will render: nothing is lost, nothing stays owed.
    PlanPdf.objects.filter(pk=pdf_id, status=Status.PENDING, started_at__isnull=True).delete()


def _claim(pdf_id: str) -> dt.datetime | None:
    token = timezone.now()
    claimed = PlanPdf.objects.filter(
        pk=pdf_id, status=Status.PENDING, started_at__isnull=True
    ).update(started_at=token, attempts=F("attempts") + 1)
    return token if claimed == 1 else None


def _release(pdf_id, token: dt.datetime) -> bool:
    released = PlanPdf.objects.filter(pk=pdf_id, status=Status.PENDING, started_at=token).update(
        started_at=None
    )
    return released == 1


def _render_and_store(pdf_id: str, token: dt.datetime) -> bool:
    from treatment_plans.pdf import html_to_pdf, plan_html

    pdf = PlanPdf.objects.select_related("version__plan__client", "version__plan__therapist").get(
        pk=pdf_id
    )
    started = time.monotonic()
    content = html_to_pdf(plan_html(pdf.version))
    seconds = time.monotonic() - started
    # A random name: the path tells nothing about the client and cannot be guessed.
    name = pdf.file.storage.save(f"plans/{secrets.token_hex(16)}.pdf", ContentFile(content))
    marked = PlanPdf.objects.filter(pk=pdf_id, status=Status.PENDING, started_at=token).update(
        status=Status.READY,
        file=name,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        render_seconds=round(seconds, 3),
        finished_at=timezone.now(),
        last_error="",
    )
    if marked != 1:
        # Our claim was released (we were presumed dead) and someone else owns the row now.
        pdf.file.storage.delete(name)
        logger.warning("plan pdf %s: claim lost during render, file discarded", pdf_id)
        return False
    return True


def _fail(pdf_id: str, token: dt.datetime, error: Exception) -> None:
    # The class name only: a message could quote plan text, and logs hold no health data.
    reason = f"Rendering failed ({type(error).__name__})."
    PlanPdf.objects.filter(pk=pdf_id, status=Status.PENDING, started_at=token).update(
        status=Status.FAILED, last_error=reason, finished_at=timezone.now()
    )
    logger.error("plan pdf %s failed: %s", pdf_id, type(error).__name__)


# --- sweeping (periodic) ---------------------------------------------------------------------


def plan_pdf_sweep(*, now: dt.datetime | None = None, stale_after: dt.timedelta = STALE_AFTER):
    """Re-enqueue the newest requests left pending too long: never picked up (a lost message)
    or claimed by a worker that died. Returns how many were re-enqueued."""
    now = now or timezone.now()
    cutoff = now - stale_after
    _give_up(cutoff)
    newer = PlanPdf.objects.filter(
        version_id=OuterRef("version_id"), requested_at__gt=OuterRef("requested_at")
    )
    stale = (
        PlanPdf.objects.filter(status=Status.PENDING, requested_at__lt=cutoff)
        .exclude(started_at__gte=cutoff)
        .exclude(Exists(newer))
        .values_list("pk", "started_at")[:SWEEP_BATCH]
    )
    requeued = 0
    for pdf_id, started_at in stale:
        if started_at is not None and not _release(pdf_id, started_at):
            continue  # finished or re-claimed between the listing and now
        _enqueue_now(pdf_id)
        requeued += 1
    if requeued:
        logger.info("plan pdf sweep re-enqueued %d", requeued)
    return requeued


def _give_up(cutoff: dt.datetime) -> None:
    PlanPdf.objects.filter(
        status=Status.PENDING, started_at__lt=cutoff, attempts__gte=MAX_ATTEMPTS
    ).update(
        status=Status.FAILED,
        last_error="Rendering did not finish after several attempts.",
        finished_at=timezone.now(),
    )


def _enqueue_now(pdf_id) -> None:
    from treatment_plans.tasks import render_plan_pdf

    render_plan_pdf.apply_async(args=[str(pdf_id)])


# --- the care team ------------------------------------------------------------------------------


def _enqueue_notification(pdf_id: str) -> None:
    from treatment_plans.tasks import notify_care_team

    notify_care_team.apply_async(args=[pdf_id])


def plan_pdf_notify_care_team(*, pdf_id: str) -> int:
    """Mail each consented physician of the client, once per plan version, that the plan is
    ready; returns how many mails went out. The mail holds a link and no health data."""
    if not _claim_notification(pdf_id):
        return 0
    pdf = PlanPdf.objects.select_related("version__plan").get(pk=pdf_id)
    addresses = care_team_addresses(pdf.version.plan.client_id)
    try:
        with get_connection() as connection:
            for address in addresses:
                care_team_email(pdf.version, address, connection=connection).send()
    except TRANSIENT_ERRORS:
        _release_notification(pdf_id)
        raise
    logger.info("plan pdf %s: care team notified (%d)", pdf_id, len(addresses))
    return len(addresses)


@transaction.atomic
def _claim_notification(pdf_id: str) -> bool:
    # The version row lock serialises PDFs of the same version becoming ready at once, so
    # "no PDF of this version has notified yet" cannot be true for two of them.
    pdf = PlanPdf.objects.filter(pk=pdf_id, status=Status.READY).first()
    if pdf is None:
        return False
    PlanVersion.objects.select_for_update().get(pk=pdf.version_id)
    if PlanPdf.objects.filter(
        version_id=pdf.version_id, care_team_notified_at__isnull=False
    ).exists():
        return False
    claimed = PlanPdf.objects.filter(pk=pdf_id, care_team_notified_at__isnull=True).update(
        care_team_notified_at=timezone.now()
    )
    return claimed == 1


def _release_notification(pdf_id: str) -> None:
    PlanPdf.objects.filter(pk=pdf_id).update(care_team_notified_at=None)


def care_team_addresses(client_id) -> list[str]:
    members = (
        CareTeamMember.objects.filter(client_id=client_id)
        .sharing()
        .select_related("physician__user")
    )
    addresses = []
    for member in members:
        physician = member.physician
        address = physician.email or (physician.user.email if physician.user else "")
        if address and address not in addresses:
            addresses.append(address)
    return addresses


def care_team_email(version: PlanVersion, address: str, *, connection=None) -> EmailMessage:
    context = {
        "clinic_name": settings.CLINIC_NAME,
        "link": site_url(reverse("plan_version_pdf", kwargs={"version_id": version.pk})),
    }
    return EmailMessage(
        subject=f"A treatment plan for one of your patients is ready - {settings.CLINIC_NAME}",
        body=loader.render_to_string("email/plan_ready.txt", context),
        to=[address],
        connection=connection,
    )


def site_url(path: str) -> str:
    """An absolute link for mails sent outside a request: CLINIC_SITE_URL, else the first
    trusted origin (the deployment's public address), else the first allowed host."""
    if settings.CLINIC_SITE_URL:
        return settings.CLINIC_SITE_URL.rstrip("/") + path
    if settings.CSRF_TRUSTED_ORIGINS:
        return settings.CSRF_TRUSTED_ORIGINS[0].rstrip("/") + path
    hosts = [h for h in settings.ALLOWED_HOSTS if h and "*" not in h and not h.startswith(".")]
    scheme = "http" if settings.DEBUG else "https"
    return f"{scheme}://{hosts[0] if hosts else 'localhost'}{path}"


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
                actor=actor, action="create", client=version.plan.client, target=version,
                detail=f"plan v{version.number} acknowledged by the physician",
            )  # fmt: skip
    return acknowledgement, created
