"""More rows on the assessment form: enough empty rows without script, "Save and add more
rows" reopening the editor, an "Add a row" button for script (e2e/), and empty rows skipped."""

from __future__ import annotations

import pytest
from django.urls import reverse

from intake.models import Assessment
from intake.tests.factories import rom_norm
from intake.tests.test_assessments import _management, _post

NECK = ("Flexion", "Extension", "Rotation", "Lateral flexion")


def _six_neck_rows() -> dict:
    """A neck in every direction (six ROM rows), then four empty rows."""
    wanted = [
        ("Flexion", "central"),
        ("Extension", "central"),
        ("Rotation", "left"),
        ("Rotation", "right"),
        ("Lateral flexion", "left"),
        ("Lateral flexion", "right"),
    ]
    data = _management("rom", 10)
    for index, (movement, side) in enumerate(wanted):
        data[f"rom-{index}-norm"] = str(rom_norm(movement=movement).pk)
        data[f"rom-{index}-side"] = side
        data[f"rom-{index}-degrees"] = str(40 + index)
    return data


@pytest.fixture
def therapist(client, cast):
    client.force_login(cast.therapist)
    return client


def _new_url(cast):
    return reverse("assessment_new", kwargs={"client_id": cast.client.pk})


def test_the_new_form_offers_six_rom_rows_and_four_of_each_other_test(therapist, cast):
    for movement in NECK:
        rom_norm(movement=movement)
    page = therapist.get(_new_url(cast))
    forms = page.context["forms"]
    assert [len(forms.rom.forms), len(forms.muscles.forms), len(forms.specials.forms)] == [6, 4, 4]
    html = page.content.decode()
    assert 'name="rom-5-degrees"' in html
    assert "Save and add more rows" in html
    # For script: a hidden "Add a row" per formset, the empty row to clone, our own script.
    assert html.count("data-formset-add hidden>Add a row</button>") == 3
    assert 'name="rom-__prefix__-degrees"' in html
    assert "js/formset-rows.js" in html


def test_posting_six_rom_rows_saves_six_and_skips_the_empty_ones(therapist, cast):
    response = therapist.post(_new_url(cast), _post(**_six_neck_rows()))
    assessment = Assessment.objects.get()
    assert response["Location"] == reverse("assessment_detail", args=[assessment.pk])
    assert sorted(assessment.rom.values_list("degrees", flat=True)) == [40, 41, 42, 43, 44, 45]


def test_rows_added_in_the_page_beyond_the_offered_ones_are_saved(therapist, cast):
    """What the script posts: TOTAL_FORMS raised past the rows the server offered."""
    data = _six_neck_rows()
    data.update(_management("rom", 8))
    data["rom-7-norm"] = str(rom_norm(joint="Shoulder", movement="Flexion").pk)
    data["rom-7-side"] = "right"
    data["rom-7-degrees"] = "50"
    therapist.post(_new_url(cast), _post(**data))
    assert Assessment.objects.get().rom.count() == 7


def test_save_and_add_more_rows_reopens_the_editor_with_empty_rows_after_the_saved(therapist, cast):
    response = therapist.post(_new_url(cast), _post(**_six_neck_rows(), more_rows=""))
    assessment = Assessment.objects.get()
    edit = reverse("assessment_edit", args=[assessment.pk])
    assert response["Location"] == edit
    forms = therapist.get(edit).context["forms"]
    assert len(forms.rom.forms) == 12  # the six saved, six empty
    saved = sorted(form.initial["degrees"] for form in forms.rom.forms[:6])
    assert saved == [40, 41, 42, 43, 44, 45]
    again = therapist.post(edit, _post(**_six_neck_rows(), more_rows=""))
    assert again["Location"] == edit
