"""'Add a row' in a real browser (issue 15): the assessment form grows a range-of-motion row
in the page, with our own script (static/js/formset-rows.js), and the row is saved."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_therapist_adds_a_rom_row_in_the_page_and_saves_it(journey, demo):
    from clinic.models import Client
    from intake.models import Assessment

    karen = Client.objects.get(first_name="Karen", last_name="Whitfield")
    page = journey.login("therapist")
    page.goto(reverse("assessment_new", kwargs={"client_id": karen.pk}))
    journey.check(page, "assessment-form")
    total = page.locator('input[name="rom-TOTAL_FORMS"]')
    offered = int(total.input_value())
    rom = page.locator('[data-formset="rom"]')
    rom.get_by_role("button", name="Add a row").click()
    assert int(total.input_value()) == offered + 1
    new = f"#id_rom-{offered}"
    assert page.locator(f"{new}-norm").evaluate("el => el === document.activeElement")
    page.locator(f"{new}-norm").select_option(label="Cervical spine · Rotation (normal 80°)")
    page.locator(f"{new}-side").select_option("left")
    page.locator(f"{new}-degrees").fill("71")
    journey.check(page, "assessment-form-row-added")
    page.get_by_role("button", name="Save assessment").click()
    page.wait_for_load_state()
    journey.check(page, "assessment-saved")
    assessment = Assessment.objects.filter(client=karen).order_by("-created_at").first()
    assert list(assessment.rom.values_list("side", "degrees")) == [("left", 71)]
    journey.assert_accessible()
