"""Session notes and addenda have limits, in the form and in the database."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from clinic import text_limits
from sessions_log.forms.notes import AddendumForm, NoteForm
from sessions_log.models import SessionNote
from sessions_log.tests.factories import SessionNoteFactory


def test_a_100000_character_addendum_is_refused_with_its_length():
    form = AddendumForm(data={"text": "z" * 100_000})
    assert not form.is_valid()
    assert form.errors["text"] == [
        "At most 5,000 characters (you wrote 100,000). Please shorten it."
    ]


def test_a_soap_section_holds_ten_thousand_characters_and_no_more():
    field = NoteForm.base_fields["subjective"]
    assert field.max_length == text_limits.SOAP_SECTION
    field.clean("s" * text_limits.SOAP_SECTION)
    with pytest.raises(Exception, match="At most 10,000 characters"):
        field.clean("s" * (text_limits.SOAP_SECTION + 1))


def test_the_database_refuses_a_longer_section(db):
    names = {c.name for c in SessionNote._meta.constraints}
    assert "sessionnote_subjective_length" in names
    note = SessionNoteFactory()
    note.subjective = "s" * (text_limits.SOAP_SECTION + 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        note.save()
