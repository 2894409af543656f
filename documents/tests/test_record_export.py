"""A client's whole record as a ZIP (documents/record_export.py): what is in it, read back; the
one-use link; expiry; the mail owed; a large record's build time and memory."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import resource
import time
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from clinic.models import AuditEntry, OutboundMail
from clinic.tests.test_roles_and_urls import _plan_pdf
from documents.models import RecordExport
from documents.record_export import (
    READY_MAIL,
    record_export_build,
    record_export_request,
    record_export_sweep,
)
from intake.tests.factories import HealthHistoryFactory, TreatmentConsentFactory
from scheduling.tests.factories import AppointmentFactory
from sessions_log.models import Addendum
from sessions_log.tests.factories import SessionNoteFactory

START = timezone.now() - dt.timedelta(days=400)


def _notes(cast, count: int, *, soap="Neck stiff after a long week at the desk"):
    notes = []
    profile = cast.therapist.therapist_profile
    for i in range(count):
        appointment = AppointmentFactory(
            client=cast.client, therapist=profile, starts_at=START + dt.timedelta(days=i)
        )
        notes.append(
            SessionNoteFactory(
                appointment=appointment, subjective=f"{soap} #{i + 1}", signed_at=timezone.now()
            )
        )
    return notes


def _build(actor, client) -> RecordExport:
    export = record_export_request(actor=actor, client=client)
    assert record_export_build(export_id=str(export.pk)) is True
    export.refresh_from_db()
    return export


def _pdf_text(archive: zipfile.ZipFile, name: str) -> str:
    reader = PdfReader(io.BytesIO(archive.read(name)))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def record(cast):
    """`client` with a plan PDF, a health history, a consent and three signed notes, one with
    an addendum only clinicians see."""
    _plan_pdf(cast)
    HealthHistoryFactory(client=cast.client)
    TreatmentConsentFactory(client=cast.client, signed_by=cast.client_user)
    notes = _notes(cast, 3)
    Addendum.objects.create(note=notes[0], author=cast.therapist, text="Late entry: iced after")
    return notes


def test_the_zip_holds_the_whole_record_read_back(cast, record):
    export = _build(cast.therapist, cast.client)
    assert export.status == RecordExport.Status.READY
    assert export.items_done == export.items_total > 0
    assert export.expires_at == export.ready_at + dt.timedelta(days=7)
    assert not export.file.name.count(str(cast.client.pk))  # a random name
    with export.file.open("rb") as handle:
        content = handle.read()
    assert hashlib.sha256(content).hexdigest() == export.sha256
    assert len(content) == export.size
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert archive.testzip() is None
    names = set(archive.namelist())
    assert {
        "README.txt",
        "fhir/bundle.json",
        "health-history.pdf",
        "assessments.pdf",
        "notes/session-notes-001.pdf",
        "consents.pdf",
        "appointments.pdf",
    } <= names
    assert any(name.startswith("plans/") for name in names)
    bundle = json.loads(archive.read("fhir/bundle.json"))
    assert bundle["resourceType"] == "Bundle"
    assert any(e["resource"]["resourceType"] == "Patient" for e in bundle["entry"])
    readme = archive.read("README.txt").decode()
    for name in names - {"README.txt"}:
        assert name in readme, name
    notes = _pdf_text(archive, "notes/session-notes-001.pdf")
    assert "desk #1" in notes and "desk #3" in notes
    assert "Late entry: iced after" in notes  # the addendum, for a clinician
    assert archive.read(next(n for n in names if n.startswith("plans/"))).startswith(b"%PDF")
    appointments = _pdf_text(archive, "appointments.pdf")
    assert cast.therapist.get_full_name() in appointments


def test_a_client_gets_their_whole_record_not_the_portal_summary(cast, record):
    """HIPAA's right of access covers the designated record set: the client's own copy holds
    the SOAP text and addenda the portal leaves out, in the notes PDF and in the bundle."""
    export = _build(cast.client_user, cast.client)
    with export.file.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    notes = _pdf_text(archive, "notes/session-notes-001.pdf")
    assert "desk #1" in notes and "desk #3" in notes  # the SOAP text
    assert "Late entry: iced after" in notes  # the addendum
    bundle = archive.read("fhir/bundle.json").decode()
    assert "desk #2" in bundle and "Addendum: Late entry: iced after" in bundle


def test_the_portal_bundle_stays_a_summary_and_the_whole_record_is_not_for_physicians(cast, record):
    from documents.fhir import client_bundle
    from sessions_log.selectors import note_shown

    summary = json.dumps(client_bundle(cast.client, viewer=cast.client_user))
    assert "desk #1" not in summary and "Late entry" not in summary
    with pytest.raises(PermissionError):
        client_bundle(cast.client, viewer=cast.physician_user, whole_record=True)
    with pytest.raises(PermissionError):
        note_shown(record[0], user=cast.physician_user, whole_record=True)


def test_a_second_request_while_building_returns_the_first(cast):
    first = record_export_request(actor=cast.client_user, client=cast.client)
    again = record_export_request(actor=cast.therapist, client=cast.client)
    assert again.pk == first.pk
    assert AuditEntry.objects.filter(action="create", client=cast.client).count() == 1


def test_others_may_not_ask(cast):
    from django.core.exceptions import PermissionDenied

    for user in (cast.frontdesk, cast.biller, cast.physician_user, cast.client2_user):
        with pytest.raises(PermissionDenied):
            record_export_request(actor=user, client=cast.client)


def test_ready_owes_a_mail_with_a_link_only(cast, record, mailoutbox):
    export = _build(cast.client_user, cast.client)
    mail = OutboundMail.objects.get(kind=READY_MAIL, about_id=str(export.pk))
    assert mail.recipient == cast.client_user.email
    from clinic import outbox

    message = outbox.build(mail, now=timezone.now()).message
    assert reverse("record_exports_mine") in message.body
    assert cast.client.last_name not in message.body + message.subject
    assert "Neck" not in message.body


def test_the_link_works_once(client, cast, record):
    export = _build(cast.client_user, cast.client)
    client.force_login(cast.client_user)
    url = reverse("record_export_download", kwargs={"export_id": export.pk})
    response = client.get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Type"] == "application/zip"
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == export.sha256
    assert AuditEntry.objects.filter(action="download", client=cast.client).exists()
    again = client.get(url)
    assert again.status_code == 410
    assert b"already downloaded" in again.content


def test_only_the_requester_spends_the_link(client, cast, record):
    """A therapist who can see the client's copy on the status page cannot download it, so
    the client's one-use link is still there for the client."""
    export = _build(cast.client_user, cast.client)
    url = reverse("record_export_download", kwargs={"export_id": export.pk})
    client.force_login(cast.therapist)
    page = client.get(reverse("record_exports", kwargs={"client_id": cast.client.pk}))
    assert url not in page.content.decode()
    assert "only the one who asked can" in page.content.decode()
    refused = client.get(url)
    assert refused.status_code == 403
    assert b"Only the person who asked" in refused.content
    export.refresh_from_db()
    assert export.downloaded_at is None
    client.force_login(cast.client_user)
    assert client.get(url).status_code == 200


def test_an_expired_link_is_gone_and_its_file_deleted(client, cast, record):
    export = _build(cast.client_user, cast.client)
    later = export.expires_at + dt.timedelta(seconds=1)
    RecordExport.objects.filter(pk=export.pk).update(expires_at=timezone.now())
    client.force_login(cast.client_user)
    response = client.get(reverse("record_export_download", kwargs={"export_id": export.pk}))
    assert response.status_code == 410
    assert b"expired" in response.content
    storage, name = export.file.storage, export.file.name
    record_export_sweep(now=later)
    export.refresh_from_db()
    assert export.status == RecordExport.Status.EXPIRED
    assert not export.file and not storage.exists(name)


def test_the_status_page_refreshes_while_building(client, cast):
    record_export_request(actor=cast.client_user, client=cast.client)
    client.force_login(cast.client_user)
    response = client.get(reverse("record_exports_mine"))
    assert response.status_code == 200
    assert b'http-equiv="refresh" content="5"' in response.content
    assert response["Cache-Control"] == "private, no-store"


def test_asking_from_the_portal_and_by_staff(client, cast):
    client.force_login(cast.client_user)
    response = client.post(reverse("record_export_mine"))
    assert response["Location"] == reverse("record_exports_mine")
    client.force_login(cast.therapist)
    url = reverse("record_export_request", kwargs={"client_id": cast.client.pk})
    assert client.post(url).status_code == 302
    assert RecordExport.objects.filter(client=cast.client).count() == 1  # the same, pending


def test_the_portal_and_the_client_page_link_to_it(client, cast):
    client.force_login(cast.client_user)
    assert reverse("record_exports_mine").encode() in client.get(reverse("portal")).content
    client.force_login(cast.therapist)
    page = client.get(reverse("client_detail", kwargs={"client_id": cast.client.pk}))
    assert reverse("record_exports", kwargs={"client_id": cast.client.pk}).encode() in page.content
    client.force_login(cast.frontdesk)
    page = client.get(reverse("client_detail", kwargs={"client_id": cast.client.pk}))
    assert b"record-exports" not in page.content


def test_220_notes_build_in_bounded_time_and_memory(cast):
    """A large record: 220 signed notes (5 PDFs of at most 50), the ZIP streamed to a file."""
    _notes(cast, 220)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    export = _build(cast.therapist, cast.client)
    seconds = time.perf_counter() - started
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    with export.file.open("rb") as handle:
        archive = zipfile.ZipFile(handle)
        notes = sorted(n for n in archive.namelist() if n.startswith("notes/"))
        assert len(notes) == 5
        assert "desk #220" in _pdf_text(archive, notes[-1])
    print(f"220 notes: {seconds:.1f} s, peak RSS grew {grown_mb:.0f} MB")
    assert seconds < 180
    assert grown_mb < 400


def test_a_build_is_claimed_once_and_the_sweep_wakes_what_is_owed(cast, monkeypatch):
    from documents import record_export as module

    export = record_export_request(actor=cast.therapist, client=cast.client)
    woken = []
    monkeypatch.setattr(module, "_wake_build", lambda pk, now=None: woken.append(pk) or True)
    later = timezone.now() + dt.timedelta(minutes=1)
    assert record_export_sweep(now=later) == 1  # never woken (the broker was down)
    assert woken == [export.pk]
    assert record_export_build(export_id=str(export.pk)) is True
    assert record_export_build(export_id=str(export.pk)) is False  # a duplicate delivery


def test_a_failed_build_says_nothing_of_the_record(cast, monkeypatch):
    from documents import record_export as module

    def broken(self, archive):
        raise ValueError("Neck stiff: the client's words")
        yield  # pragma: no cover

    monkeypatch.setattr(module.RecordParts, "write", broken)
    export = record_export_request(actor=cast.therapist, client=cast.client)
    assert record_export_build(export_id=str(export.pk)) is False
    export.refresh_from_db()
    assert export.status == RecordExport.Status.FAILED
    assert export.error == "Building failed (ValueError)."
    assert not export.file
