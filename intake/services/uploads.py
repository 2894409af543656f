"""Referral letters: checked by their content, stored under a random name in private storage
(no URL reaches it), served only by a view that re-checks access."""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from clinic import audit
from clinic.middleware_uploads import MAX_FILE_BYTES
from clinic.models import Client
from clinic.roles import CLINICAL_WRITERS, Role, role_of
from intake.models import ReferralLetter

MAX_BYTES = MAX_FILE_BYTES


@dataclass(frozen=True)
class FileKind:
    label: str
    content_type: str
    extension: str
    magic: bytes


# The first bytes of each allowed format. The name and the browser's Content-Type are chosen by
# the sender, so neither is trusted: a renamed program still starts with "MZ".
KINDS = (
    FileKind("PDF", "application/pdf", ".pdf", b"%PDF-"),
    FileKind("PNG", "image/png", ".png", b"\x89PNG\r\n\x1a\n"),
    FileKind("JPEG", "image/jpeg", ".jpg", b"\xff\xd8\xff"),
)
ALLOWED_HELP = "PDF, PNG or JPEG, at most 10 MB"


def _refusal(reason: str) -> ValidationError:
    return ValidationError(f"{reason} Please upload a {ALLOWED_HELP}.")


def _head(uploaded_file, count: int = 16) -> bytes:
    uploaded_file.seek(0)
    head = uploaded_file.read(count)
    uploaded_file.seek(0)
    return head


def referral_letter_check(uploaded_file) -> FileKind:
    """The file's kind, judged from its first bytes; ValidationError for anything else."""
    if uploaded_file is None or uploaded_file.size == 0:
        raise _refusal("The file is empty.")
    if uploaded_file.size > MAX_BYTES:
        raise _refusal("The file is larger than 10 MB.")
    head = _head(uploaded_file)
    for kind in KINDS:
        if head.startswith(kind.magic):
            return kind
    raise _refusal("This file is not a PDF, PNG or JPEG (whatever its name says).")


def safe_file_name(name: str, extension: str) -> str:
    """A name that is safe in a Content-Disposition header and on any desktop: no path, no
    control or quote characters, and the extension of what the file really is."""
    stem = PurePath(name.replace("\\", "/")).stem
    stem = unicodedata.normalize("NFKC", stem)
    stem = re.sub(r"[^\w\- ]+", "_", stem, flags=re.UNICODE).strip(" ._")[:100]
    return f"{stem or 'referral-letter'}{extension}"


def _digest(uploaded_file) -> tuple[str, int]:
    # Size counted from the bytes themselves, not from what the upload claimed.
    sha, size = hashlib.sha256(), 0
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks():
        sha.update(chunk)
        size += len(chunk)
    uploaded_file.seek(0)
    if size > MAX_BYTES:
        raise _refusal("The file is larger than 10 MB.")
    return sha.hexdigest(), size


def _require_may_upload(actor, client: Client) -> None:
    role = role_of(actor)
    own = role == Role.CLIENT and client.user_id is not None and client.user_id == actor.pk
    if not own and role not in CLINICAL_WRITERS:
        raise PermissionDenied("Only the client or a therapist can add a letter.")


@transaction.atomic
def referral_letter_store(*, actor, client: Client, uploaded_file) -> ReferralLetter:
    _require_may_upload(actor, client)
    kind = referral_letter_check(uploaded_file)
    sha256, size = _digest(uploaded_file)
    letter = ReferralLetter(
        client=client,
        original_name=safe_file_name(uploaded_file.name or "", kind.extension),
        content_type=kind.content_type,
        size=size,
        sha256=sha256,
        uploaded_by=actor,
    )
    # A random stored name: the sender's name could collide, guess, or carry a path.
    # (If the transaction rolls back after this, an orphan file stays in private storage:
    # unreachable, and harmless beyond the disk it takes.)
    letter.file.save(f"{uuid.uuid4().hex}{kind.extension}", uploaded_file, save=False)
    letter.save()
    audit.record(
        actor=actor,
        action="create",
        client=client,
        target=letter,
        detail=f"referral letter, {kind.label}, {size} bytes",
    )
    return letter
