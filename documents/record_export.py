"""A client's whole record as one ZIP (issue 19, item 3): requesting, building, sweeping, the
"your export is ready" mail, and spending the one-use link.

The same pipeline as plan PDFs and billing documents (documents/pipeline.py): a request writes a
`RecordExport` row (pending) and its audit entry in one transaction and only wakes a worker
after commit; a build claims the row with a conditional UPDATE (`started_at` is the claim's
token, a lease renewed by a heartbeat thread); only the holder of the token marks it ready or
failed; the sweep wakes a worker for what is owed, gives up after MAX_ATTEMPTS claims, and
expires ready exports 7 days after they were ready (and deletes spent files).

What goes in is the whole record (HIPAA's right of access covers the designated record set):
every row is read through `visible_to(requester)`, and of each row everything, for a client
asking for their own record too: SOAP text, addenda, overrides, full assessments, where the
portal shows a summary. Only the admin, therapists and the client may ask (`may_request`).
The ZIP is written part by part to a temporary file (never
held in memory): notes are rendered 50 to a PDF, plan PDFs copied from storage in chunks, and
the file's sha256 is computed as its bytes are written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import secrets
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template import loader
from django.urls import reverse
from django.utils import timezone

from billing.models import Invoice
from clinic import audit, outbox
from clinic.links import site_url
from clinic.models import Client
from clinic.permissions import Can
from clinic.roles import Role, role_of
from clinic.services.outbox import mail_owe
from clinic.wakeups import wake
from documents.models import PlanPdf, RecordExport
from documents.pipeline import SWEEP_BATCH, UNCLAIMED_AFTER, Pipeline
from intake.models import Assessment, Consent, HealthHistory
from scheduling.models import Appointment
from sessions_log.models import SessionNote
from sessions_log.selectors import note_shown

logger = logging.getLogger(__name__)
Status = RecordExport.Status

VALID_FOR = dt.timedelta(days=7)
NOTES_PER_PDF = 50
# Appointments are one table row each: a few hundred to a PDF keeps each render small.
APPOINTMENTS_PER_PDF = 250
COPY_CHUNK = 64 * 1024
READY_MAIL = "record_export_ready"
# A spent export's file is kept this long after its one download (a broken-off download is
# not retried by the link, but the file is not deleted under a response still being sent).
KEEP_AFTER_DOWNLOAD = dt.timedelta(hours=1)


# --- who may ask -----------------------------------------------------------------------------


def may_request(user, client: Client) -> bool:
    """The admin and therapists for any client; a client for their own record."""
    role = role_of(user)
    if role in (Role.ADMIN, Role.THERAPIST):
        return True
    return role == Role.CLIENT and client.user_id == user.pk


# --- requesting ------------------------------------------------------------------------------


def record_export_request(*, actor, client: Client) -> RecordExport:
    """Owe a ZIP of `client`'s whole record as `actor` may see it. A second request while one
    is still pending or being built returns that one."""
    if not may_request(actor, client):
        raise PermissionDenied("You may not ask for this client's whole record.")
    with transaction.atomic():
        Client.objects.select_for_update().filter(pk=client.pk).first()  # one request at a time
        existing = (
            RecordExport.objects.filter(client=client, status__in=[Status.PENDING, Status.BUILDING])
            .order_by("-created_at")
            .first()
        )
        if existing is not None:
            return existing
        export = RecordExport.objects.create(client=client, requested_by=actor)
        audit.record(
            actor=actor,
            action="create",
            client=client,
            target=export,
            detail="whole record export (ZIP) requested",
        )
        export_id = str(export.pk)
        transaction.on_commit(lambda: _wake_build(export_id))
    return export


def _wake_build(export_id, *, now: dt.datetime | None = None) -> bool:
    from documents.tasks import build_record_export

    if not wake(build_record_export, str(export_id)):
        return False
    RecordExport.objects.filter(pk=export_id).update(woken_at=now or timezone.now())
    return True


# --- downloading -----------------------------------------------------------------------------


def record_export_spend(*, actor, export: RecordExport, now: dt.datetime | None = None) -> bool:
    """Spend the one-use link: True when this call is the download (a conditional UPDATE, so
    two clicks at once give one file); writes the audit entry. False: expired, spent or not
    ready."""
    now = now or timezone.now()
    with transaction.atomic():
        spent = RecordExport.objects.filter(
            pk=export.pk, status=Status.READY, downloaded_at__isnull=True, expires_at__gt=now
        ).update(downloaded_at=now)
        if spent != 1:
            return False
        audit.record(
            actor=actor,
            action="download",
            client=export.client,
            target=export,
            detail=f"whole record export (ZIP, {export.size} bytes, sha256 {export.sha256[:12]})",
        )
    return True


# --- building (called by the task) -----------------------------------------------------------


def record_export_build(*, export_id: str) -> bool:
    """Build and store the ZIP if this call wins the claim; True when it did."""
    return PIPELINE.run(
        export_id, lambda token: _build_and_store(export_id, token), reason_for=_failure
    )


def _failure(error: Exception) -> str:
    # The class name only: a message could quote health data; logs hold none.
    return f"Building failed ({type(error).__name__})."


PIPELINE = Pipeline(
    model=RecordExport,
    label="record export",
    wake=lambda export_id, now: _wake_build(export_id, now=now),
    working=Status.BUILDING,
    finished_field=None,
    gave_up="Building did not finish after several attempts.",
    on_claim={"items_done": 0},
)


class _HashingSink(io.RawIOBase):
    """A write-only, unseekable stream over the temporary file: ZipFile writes each member's
    sizes after its data (data descriptors) and never seeks back, so the sha256 of the file is
    computed as its bytes are written."""

    def __init__(self, target):
        self.target = target
        self.digest = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.digest.update(data)
        self.target.write(data)
        self.size += len(data)
        return len(data)


def _build_and_store(export_id, token) -> bool:
    export = RecordExport.objects.select_related("client", "requested_by").get(pk=export_id)
    parts = RecordParts(export.client, viewer=export.requested_by)
    PIPELINE.mine(export_id, token).update(items_total=parts.total)
    with tempfile.TemporaryFile(suffix=".zip") as temporary:
        sink = _HashingSink(temporary)
        with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for done, _ in enumerate(parts.write(archive), start=1):
                PIPELINE.mine(export_id, token).update(items_done=done)
        temporary.seek(0)
        # A random name: the path tells nothing about the client and cannot be guessed.
        name = export.file.storage.save(f"exports/{secrets.token_hex(16)}.zip", File(temporary))
    now = timezone.now()
    with transaction.atomic():
        marked = PIPELINE.mine(export_id, token).update(
            status=Status.READY,
            file=name,
            sha256=sink.digest.hexdigest(),
            size=sink.size,
            items_done=parts.total,
            ready_at=now,
            expires_at=now + VALID_FOR,
            lease_until=None,
            error="",
        )
        if marked == 1:
            _owe_ready_mail(export)
    if marked != 1:
        export.file.storage.delete(name)
        logger.warning("record export %s: claim lost during build, file discarded", export_id)
        return False
    logger.info("record export %s ready (%d bytes)", export_id, sink.size)
    return True


# --- what goes in ----------------------------------------------------------------------------


@dataclass
class _Entry:
    heading: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    texts: list[tuple[str, str]] = field(default_factory=list)


NEVER_SHOWN = {"id", "ip_address"}


class RecordParts:
    """The files of one client's export as `viewer` may see them, written one by one."""

    def __init__(self, client: Client, *, viewer):
        self.client = client
        self.viewer = viewer
        self.can = Can(viewer)
        if not self.can.export_record:
            raise PermissionDenied("This role may not receive a client's whole record.")
        self.plan_pdfs = list(
            PlanPdf.objects.visible_to(viewer)
            .filter(version__plan__client=client, status=PlanPdf.Status.READY)
            .select_related("version")
            .order_by("requested_at")
        )
        self.note_ids = list(
            SessionNote.objects.visible_to(viewer)
            .filter(client=client, signed_at__isnull=False)
            .order_by("appointment__starts_at", "pk")
            .values_list("pk", flat=True)
        )
        self.invoices = Invoice.objects.visible_to(viewer).filter(client=client)
        self.has_invoices = self.invoices.exists()
        self.note_batches = [
            self.note_ids[i : i + NOTES_PER_PDF]
            for i in range(0, len(self.note_ids), NOTES_PER_PDF)
        ]
        appointments = Appointment.objects.visible_to(viewer).filter(client=client).count()
        self.appointment_batches = max(1, -(-appointments // APPOINTMENTS_PER_PDF))
        self.readme: list[tuple[str, str]] = []

    @property
    def total(self) -> int:
        # The bundle, each plan PDF, history, assessments, each batch of notes (at least one
        # file), consents, appointments, invoices (when there are), the README.
        return (
            1
            + len(self.plan_pdfs)
            + 2
            + max(1, len(self.note_batches))
            + 1
            + self.appointment_batches
            + (1 if self.has_invoices else 0)
            + 1
        )

    def write(self, archive: zipfile.ZipFile):
        """Write each part into `archive`; yields after each (for progress)."""
        yield self._fhir(archive)
        for number, pdf in enumerate(self.plan_pdfs, start=1):
            yield self._plan_pdf(archive, number, pdf)
        yield self._pdf(archive, "health-history.pdf", "Health history", self._histories())
        yield self._pdf(archive, "assessments.pdf", "Assessments", self._assessments())
        if not self.note_batches:
            yield self._pdf(archive, "notes/session-notes.pdf", "Signed session notes", [])
        for number, batch in enumerate(self.note_batches, start=1):
            yield self._notes(archive, number, batch)
        yield self._pdf(archive, "consents.pdf", "Consents", self._consents())
        for number in range(self.appointment_batches):
            name = "appointments.pdf"
            if self.appointment_batches > 1:
                name = f"appointments-{number + 1:03d}.pdf"
            yield self._pdf(archive, name, "Appointments", [], table=self._appointments(number))
        if self.has_invoices:
            yield self._pdf(archive, "invoices.pdf", "Invoices", self._invoices())
        yield self._readme(archive)

    # -- the files --

    def _fhir(self, archive) -> str:
        from documents.fhir import write_client_bundle

        name = "fhir/bundle.json"
        # Written into the ZIP entry by entry (a long record's bundle is never held whole).
        with archive.open(name, "w") as raw, io.TextIOWrapper(raw, encoding="utf-8") as out:
            count = write_client_bundle(out, self.client, viewer=self.viewer, whole_record=True)
        self.readme.append(
            (
                name,
                f"Your care as a FHIR R4 Bundle (JSON), {count} resources: for another "
                "clinic's or a physician's record system.",
            )
        )
        return name

    def _plan_pdf(self, archive, number: int, pdf: PlanPdf) -> str:
        name = f"plans/plan-{number:02d}-version-{pdf.version.number}.pdf"
        with pdf.file.open("rb") as source, archive.open(name, "w") as target:
            shutil.copyfileobj(source, target, COPY_CHUNK)
        self.readme.append(
            (
                name,
                f"Treatment plan summary, version {pdf.version.number} "
                f"(sha256 {pdf.sha256 or 'not recorded'}).",
            )
        )
        return name

    def _pdf(
        self, archive, name: str, title: str, entries: list[_Entry], *, notes=None, table=None
    ) -> str:
        from documents.pdf import html_to_pdf

        html = loader.render_to_string(
            "documents/record_export/part.html",
            {
                "clinic_name": settings.CLINIC_NAME,
                "client_name": str(self.client),
                "title": title,
                "entries": entries,
                "notes": notes,
                "table": table,
                "made_at": _when(timezone.now()),
            },
        )
        archive.writestr(name, html_to_pdf(html))
        count = len(notes if notes is not None else table if table is not None else entries)
        self.readme.append((name, f"{title}: {count} item(s), readable PDF."))
        return name

    def _notes(self, archive, number: int, batch) -> str:
        notes = (
            SessionNote.objects.visible_to(self.viewer)
            .select_related("client", "therapist", "appointment__appointment_type")
            .prefetch_related(
                "techniques__technique",
                "trigger_points",
                "measurements__rom_norm",
                "addenda__author",
            )
        )
        rows = notes.filter(pk__in=batch).order_by("appointment__starts_at", "pk")
        shown = [note_shown(note, user=self.viewer, whole_record=True) for note in rows]
        first = (number - 1) * NOTES_PER_PDF + 1
        title = f"Signed session notes {first} to {first + len(shown) - 1}"
        return self._pdf(archive, f"notes/session-notes-{number:03d}.pdf", title, [], notes=shown)

    def _readme(self, archive) -> str:
        lines = [
            f"{settings.CLINIC_NAME}: a client's whole record",
            f"Made {_when(timezone.now())} for the request of {self.viewer.get_full_name()}.",
            "",
            "What each file is:",
            "",
            *(f"{name}\n    {what}" for name, what in self.readme),
            "",
            "README.txt\n    This list.",
            "",
            "The record holds what the person who asked may see. Keep it private: it is",
            "health information.",
        ]
        archive.writestr("README.txt", "\n".join(lines) + "\n")
        return "README.txt"

    # -- the rows, read through visible_to --

    def _histories(self) -> list[_Entry]:
        rows = HealthHistory.objects.visible_to(self.viewer).filter(client=self.client)
        return [
            _entry(f"Version {h.version}, {_when(h.created_at)}", h)
            for h in rows.order_by("version")
        ]

    def _assessments(self) -> list[_Entry]:
        rows = Assessment.objects.visible_to(self.viewer).filter(client=self.client)
        return [
            _entry(f"{a.get_kind_display()} assessment, {a.assessed_on}", a)
            for a in rows.order_by("assessed_on", "created_at")
        ]

    def _consents(self) -> list[_Entry]:
        rows = Consent.objects.visible_to(self.viewer).filter(client=self.client)
        entries = []
        for consent in rows.select_related("text").order_by("signed_at"):
            entry = _entry(f"{consent.text.title} (version {consent.text.version})", consent)
            entry.texts.append(("The text signed", consent.text.body))
            entries.append(entry)
        return entries

    def _appointments(self, batch: int) -> list[tuple[str, str, str, str]]:
        rows = (
            Appointment.objects.visible_to(self.viewer)
            .filter(client=self.client)
            .select_related("therapist__user", "appointment_type")
            .order_by("starts_at", "pk")
        )[batch * APPOINTMENTS_PER_PDF : (batch + 1) * APPOINTMENTS_PER_PDF]
        return [
            (
                _when(a.starts_at),
                a.appointment_type.name,
                a.therapist.user.get_full_name(),
                a.get_status_display(),
            )
            for a in rows
        ]

    def _invoices(self) -> list[_Entry]:
        return [
            _entry(f"Invoice {i.number}, {i.issued_on}", i)
            for i in self.invoices.order_by("issued_on", "number")
        ]


def _entry(heading: str, row, *, only=None) -> _Entry:
    """A row's own fields (not its links to other rows) as label / value pairs; long text as
    paragraphs."""
    entry = _Entry(heading=heading)
    for model_field in row._meta.concrete_fields:
        name = model_field.name
        if model_field.is_relation or name in NEVER_SHOWN or (only and name not in only):
            continue
        value = getattr(row, name)
        if value in (None, "", [], {}):
            continue
        if model_field.choices:
            value = getattr(row, f"get_{name}_display")()
        elif isinstance(value, dt.datetime):
            value = _when(value)
        elif isinstance(value, (list, dict)):
            value = json.dumps(value, ensure_ascii=False)
        elif isinstance(value, bool):
            value = "yes" if value else "no"
        label = str(model_field.verbose_name).capitalize()
        if isinstance(value, str) and len(value) > 120:
            entry.texts.append((label, value))
        else:
            entry.fields.append((label, str(value)))
    return entry


def _when(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M %Z")


# --- the mail --------------------------------------------------------------------------------


def _owe_ready_mail(export: RecordExport) -> None:
    address = export.requested_by.email
    if address:
        mail_owe(
            kind=READY_MAIL,
            about=export,
            recipient=address,
            client=export.client,
            key=f"record-export-ready:{export.pk}",
        )


def status_url_name(export: RecordExport) -> tuple[str, dict]:
    """The export's status page for its requester: the portal's for a client."""
    if export.client.user_id == export.requested_by_id:
        return "record_exports_mine", {}
    return "record_exports", {"client_id": export.client_id}


@outbox.register(READY_MAIL, "Whole record export ready", watchers=outbox.CLINICIANS)
def _build_ready_mail(mail, *, now) -> outbox.Prepared:
    export = (
        RecordExport.objects.select_related("client", "requested_by")
        .filter(pk=mail.about_id, status=Status.READY, downloaded_at__isnull=True)
        .first()
    )
    if export is None or (export.expires_at and export.expires_at <= now):
        raise outbox.NotOwed("The export is no longer waiting to be downloaded.")
    name, kwargs = status_url_name(export)
    context = {
        "clinic_name": settings.CLINIC_NAME,
        "link": site_url(reverse(name, kwargs=kwargs)),
        "expires_at": _when(export.expires_at),
    }
    # Only a link: no name, no health data (a mail travels through servers we do not run).
    return outbox.Prepared(
        EmailMessage(
            subject=f"The record you asked for is ready - {settings.CLINIC_NAME}",
            body=loader.render_to_string("documents/email/record_export_ready.txt", context),
            to=[mail.recipient],
        )
    )


# --- sweeping (periodic) ---------------------------------------------------------------------


def record_export_sweep(*, now: dt.datetime | None = None, unclaimed_after=UNCLAIMED_AFTER) -> int:
    """Wake a worker for exports still owed (never woken, woken but unclaimed, or claimed by a
    worker whose lease lapsed); give up on those claimed MAX_ATTEMPTS times; expire ready
    exports past their 7 days and delete spent files. Returns how many woke."""
    now = now or timezone.now()
    RecordExport.objects.filter(status=Status.READY, expires_at__lte=now).update(
        status=Status.EXPIRED
    )
    spent = RecordExport.objects.exclude(file="").filter(
        Q(status=Status.EXPIRED) | Q(downloaded_at__lt=now - KEEP_AFTER_DOWNLOAD)
    )
    for export in spent[:SWEEP_BATCH]:
        export.file.storage.delete(export.file.name)
        RecordExport.objects.filter(pk=export.pk).update(file="")
    return PIPELINE.sweep(now=now, unclaimed_after=unclaimed_after)
