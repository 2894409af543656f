"""More rows in the session-note editor: three empty rows of each kind without script, an
"Add a row" button for script (e2e/), rows added in the page saved, empty rows skipped."""

from __future__ import annotations

from django.urls import reverse

from sessions_log.forms.notes import REGION_CHOICES
from sessions_log.models import SessionNote
from sessions_log.tests import test_notes
from sessions_log.tests.test_notes import _note, _tech

visit = test_notes.visit  # the same appointment fixture


def test_the_editor_offers_three_rows_of_each_kind_and_an_add_button(client, cast, visit):
    client.force_login(cast.therapist)
    page = client.get(reverse("note_edit", args=[visit.pk]))
    counts = [len(page.context[name].forms) for name in ("techniques", "points", "measurements")]
    assert counts == [3, 3, 3]
    html = page.content.decode()
    assert html.count("data-formset-add hidden>Add a row</button>") == 3
    assert 'name="techniques-__prefix__-minutes"' in html
    assert "js/formset-rows.js" in html


def test_five_techniques_and_four_points_are_saved_and_empty_rows_skipped(client, cast, visit):
    regions = [value for value, _ in REGION_CHOICES if value][:5]
    rows = {"techniques-TOTAL_FORMS": "7", "points-TOTAL_FORMS": "6"}
    for index, region in enumerate(regions):
        rows |= {
            f"techniques-{index}-technique": _tech("swedish"),
            f"techniques-{index}-body_region": region,
            f"techniques-{index}-pressure": "moderate",
            f"techniques-{index}-minutes": "5",
        }
    for index in range(4):
        rows |= {
            f"points-{index}-location": f"Point {index}",
            f"points-{index}-side": "left",
            f"points-{index}-hold_seconds": "12",
        }
    client.force_login(cast.therapist)
    response = client.post(reverse("note_edit", args=[visit.pk]), _note(**rows))
    assert response.status_code == 302
    note = SessionNote.objects.get()
    assert note.techniques.count() == 5 and note.trigger_points.count() == 4
    again = client.get(reverse("note_edit", args=[visit.pk]))
    assert len(again.context["techniques"].forms) == 8  # the five saved, three empty
