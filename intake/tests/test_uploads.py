"""Referral letters: type by content, the 10 MB limit, private storage under a random name,
and the download view's access rule and headers."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clinic.models import AuditEntry
from clinic.storage import PRIVATE_CACHE_CONTROL
from intake.forms.consents import ReferralLetterUploadForm
from intake.models import ReferralLetter
from intake.services.uploads import MAX_BYTES, referral_letter_store, safe_file_name

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def _upload(content: bytes, name="letter.pdf", content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type)


def _store(cast, content=PDF, name="letter.pdf", content_type="application/pdf"):
    return referral_letter_store(
        actor=cast.therapist, client=cast.client, uploaded_file=_upload(content, name, content_type)
    )


@pytest.mark.parametrize(
    ("content", "name", "content_type"),
    [
        (PDF, "Letter Dr Lee.pdf", "application/pdf"),
        (PNG, "scan.png", "image/png"),
        (JPEG, "photo.jpeg", "image/jpeg"),
    ],
)
def test_real_pdf_png_jpeg_are_stored_with_hash_and_size(cast, content, name, content_type):
    letter = _store(cast, content, name, "application/octet-stream")
    assert letter.content_type == content_type  # judged from the bytes, not the browser
    assert letter.size == len(content)
    assert letter.sha256 == hashlib.sha256(content).hexdigest()
    with letter.file.open("rb") as handle:
        assert handle.read() == content
    entry = AuditEntry.objects.get(action="create", object_id=str(letter.pk))
    assert entry.client == cast.client and entry.actor == cast.therapist


@pytest.mark.parametrize(
    ("content", "name", "content_type"),
    [
        (EXE, "letter.pdf", "application/pdf"),  # a program renamed to .pdf
        (b"Dear colleague, please see ...\n", "letter.pdf", "application/pdf"),
        (b"<html><script>alert(1)</script></html>", "letter.png", "image/png"),
    ],
)
def test_other_content_is_refused_whatever_the_name_and_type(cast, content, name, content_type):
    with pytest.raises(ValidationError) as error:
        _store(cast, content, name, content_type)
    assert "PDF, PNG or JPEG, at most 10 MB" in error.value.messages[0]
    assert not ReferralLetter.objects.exists()


def test_ten_megabytes_pass_and_one_byte_more_is_refused(cast):
    just_right = PDF + b"\x00" * (MAX_BYTES - len(PDF))
    assert _store(cast, just_right).size == MAX_BYTES
    with pytest.raises(ValidationError, match="larger than 10 MB"):
        _store(cast, just_right + b"\x00")
    assert ReferralLetter.objects.count() == 1


def test_empty_file_is_refused(cast):
    with pytest.raises(ValidationError, match="empty"):
        _store(cast, b"")


def test_file_is_private_under_a_random_name(client, cast):
    letter = _store(cast, name="Maria Lopez referral.pdf")
    path = Path(letter.file.path).resolve()
    assert path.is_relative_to(Path(settings.PRIVATE_STORAGE_ROOT).resolve())
    assert not path.is_relative_to(Path(settings.STATIC_ROOT).resolve())
    for folder in settings.STATICFILES_DIRS:
        assert not path.is_relative_to(Path(folder).resolve())
    if settings.MEDIA_ROOT:
        assert not path.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert "Maria" not in letter.file.name and letter.file.name.endswith(".pdf")
    # No URL serves the stored file, under STATIC_URL, MEDIA_URL or the site root.
    client.force_login(cast.therapist)
    for prefix in {"/", f"/{settings.STATIC_URL.strip('/')}/", f"/{settings.MEDIA_URL}"}:
        assert client.get(prefix + letter.file.name).status_code == 404


@pytest.mark.parametrize("who", ["frontdesk", "physician_user", "client2_user"])
def test_only_the_client_and_clinicians_may_upload(cast, who):
    with pytest.raises(PermissionDenied):
        referral_letter_store(
            actor=getattr(cast, who), client=cast.client, uploaded_file=_upload(PDF)
        )


def test_client_uploads_own_letter_on_the_page(client, cast):
    client.force_login(cast.client_user)
    url = reverse("referral_letter_new", args=[cast.client.pk])
    response = client.post(url, {"letter": _upload(PNG, "scan.png", "image/png")})
    assert response.status_code == 302
    letter = ReferralLetter.objects.get()
    assert (letter.client, letter.uploaded_by) == (cast.client, cast.client_user)
    assert letter.original_name in client.get(url).content.decode()


def test_refused_upload_shows_the_reason_at_the_field(client, cast):
    client.force_login(cast.therapist)
    url = reverse("referral_letter_new", args=[cast.client.pk])
    response = client.post(url, {"letter": _upload(EXE, "letter.pdf")})
    assert response.status_code == 200
    assert "PDF, PNG or JPEG, at most 10 MB" in response.context["form"].errors["letter"][0]
    assert not ReferralLetter.objects.exists()


def test_field_validates_before_the_service():
    form = ReferralLetterUploadForm(data={}, files={"letter": _upload(b"plain text")})
    assert not form.is_valid()
    assert "not a PDF, PNG or JPEG" in form.errors["letter"][0]
    form = ReferralLetterUploadForm(data={}, files={"letter": _upload(PDF)})
    assert form.is_valid()


# --- download ---------------------------------------------------------------------------------


def test_download_headers_and_audit(client, cast):
    letter = _store(cast, JPEG, 'my "letter"\r\n../../x.exe', "image/jpeg")
    client.force_login(cast.client_user)
    response = client.get(reverse("referral_letter_download", args=[letter.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == JPEG
    assert response["Content-Type"] == "image/jpeg"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert disposition.endswith('filename="x.jpg"')
    assert "no-store" in response["Cache-Control"]
    assert response["Cache-Control"] == PRIVATE_CACHE_CONTROL  # one response for private files
    assert response["X-Content-Type-Options"] == "nosniff"
    entry = AuditEntry.objects.get(action="download")
    assert (entry.actor, entry.client, entry.object_id) == (
        cast.client_user,
        cast.client,
        str(letter.pk),
    )


def test_consented_physician_downloads_until_sharing_is_withdrawn(client, cast):
    from intake.services.consents import care_team_sharing_stop

    letter = _store(cast)
    url = reverse("referral_letter_download", args=[letter.pk])
    client.force_login(cast.physician_user)
    response = client.get(url)
    assert response.status_code == 200
    care_team_sharing_stop(actor=cast.client_user, care_team_member=cast.client.care_team.get())
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("who", "status"),
    [("client2_user", 404), ("physician2_user", 404), ("frontdesk", 403)],
)
def test_strangers_and_front_desk_cannot_download(client, cast, who, status):
    letter = _store(cast)
    client.force_login(getattr(cast, who))
    assert client.get(reverse("referral_letter_download", args=[letter.pk])).status_code == status
    assert not AuditEntry.objects.filter(action="download").exists()


def test_missing_file_is_404_not_500(client, cast):
    letter = _store(cast)
    letter.file.delete(save=False)
    client.force_login(cast.therapist)
    assert client.get(reverse("referral_letter_download", args=[letter.pk])).status_code == 404


@pytest.mark.parametrize(
    ("name", "extension", "expected"),
    [
        ("C:\\Users\\me\\scan.PDF", ".pdf", "scan.pdf"),
        ("../../etc/passwd", ".png", "passwd.png"),
        ("", ".jpg", "referral-letter.jpg"),
        ("letter.exe", ".pdf", "letter.pdf"),
        ('a"b;c.pdf', ".pdf", "a_b_c.pdf"),
    ],
)
def test_safe_file_name(name, extension, expected):
    assert safe_file_name(name, extension) == expected


def test_an_eleven_megabyte_upload_is_refused_before_its_body_is_read(client, cast):
    client.force_login(cast.therapist)
    url = reverse("referral_letter_new", args=[cast.client.pk])
    eleven_mb = PDF + b"\x00" * (11 * 1024 * 1024)
    response = client.post(url, {"letter": _upload(eleven_mb)})
    assert response.status_code == 413
    page = response.content.decode()
    assert "That file is too large" in page and "at most 10 MB" in page
    assert f'href="{url}"' in page
    assert not ReferralLetter.objects.exists()


def test_the_size_is_judged_from_content_length_without_reading_the_body(client, cast):
    # The body claims 11 MB and holds a few bytes: reading it would fail the test client's
    # "cannot read more than the available bytes" check, so a 413 proves nothing read it.
    client.force_login(cast.therapist)
    url = reverse("referral_letter_new", args=[cast.client.pk])
    response = client.post(url, {"letter": _upload(PDF)}, CONTENT_LENGTH=str(11 * 1024 * 1024))
    assert response.status_code == 413


def test_stored_letters_and_their_folders_are_private_to_the_app_user(cast):
    letter = _store(cast)
    path = Path(letter.file.path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
