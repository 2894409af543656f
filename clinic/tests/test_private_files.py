"""Private files: one download response for every kind (plan PDFs, referral letters)."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import models
from django.db.models.fields.files import FieldFile
from django.http import Http404

from clinic.storage import PRIVATE_CACHE_CONTROL, private_file_response


class _Owner:
    """A stand-in for the row a private file belongs to (FieldFile needs an instance)."""


def _private_file(name: str) -> FieldFile:
    return FieldFile(_Owner(), models.FileField(storage=storages["private"]), name)


def test_a_private_file_is_an_attachment_never_cached_never_sniffed():
    name = storages["private"].save("tests/letter.pdf", ContentFile(b"%PDF-1.7 body"))
    response = private_file_response(
        _private_file(name), filename="letter.pdf", content_type="application/pdf"
    )
    assert b"".join(response.streaming_content) == b"%PDF-1.7 body"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="letter.pdf"'
    assert response["Cache-Control"] == PRIVATE_CACHE_CONTROL == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_missing_private_file_is_not_found():
    with pytest.raises(Http404):
        private_file_response(
            _private_file("tests/gone.pdf"), filename="gone.pdf", content_type="application/pdf"
        )
