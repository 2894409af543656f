"""'Add a row' on the plan form (issue 15): techniques and milestones carry the formset
markup static/js/formset-rows.js clones; rows added in the page are saved."""

from __future__ import annotations

from django.urls import reverse

from treatment_plans.models import PlanVersion
from treatment_plans.tests import test_plans
from treatment_plans.tests.test_plans import NPRS_MILESTONE, _new_plan

ready = test_plans.ready  # the same client with a health history and a consent


def test_the_plan_form_offers_add_a_row_for_techniques_and_milestones(client, ready):
    client.force_login(ready.therapist)
    html = client.get(reverse("plan_new", args=[ready.client.pk])).content.decode()
    assert html.count("data-formset-add hidden>Add a row</button>") == 2
    assert 'name="techniques-__prefix__-rationale"' in html
    assert 'name="milestones-__prefix__-target_value"' in html
    assert "js/formset-rows.js" in html


def test_three_techniques_and_three_milestones_added_in_the_page_are_saved(client, ready):
    milestones = [
        NPRS_MILESTONE,
        {**NPRS_MILESTONE, "by_session": "4", "target_value": "5"},
        {**NPRS_MILESTONE, "by_session": "6", "target_value": "4"},
    ]
    _new_plan(client, ready, "swedish", "trigger_point", "reflexology", milestones=milestones)
    version = PlanVersion.objects.get()
    assert version.techniques.count() == 3 and version.milestones.count() == 3
