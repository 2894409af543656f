"""The therapist's create forms for plans, submitted twice (a double click, a second tab, the
browser's resend): a new plan, a new version, a clearance request (one mail), an override.
One record, and the second submit is sent to the plan with "This was already saved; here it
is."; a refused submit keeps its token and what was typed; a POST without a token saves."""

from __future__ import annotations

import uuid

import pytest
from django.core import mail
from django.urls import reverse

from clinic.submissions import FIELD
from clinic.tests.submissions import TOKEN, is_already_saved, token_in, tokens_in
from intake.tests.factories import (
    AssessmentFactory,
    HealthHistoryFactory,
    TreatmentConsentFactory,
)
from treatment_plans.contraindications import conflicts_for
from treatment_plans.models import (
    ClearanceRequest,
    ConflictOverride,
    PlanVersion,
    TreatmentPlan,
)
from treatment_plans.services import plans as plan_services
from treatment_plans.tests.test_plans import _form


@pytest.fixture
def therapist(client, cast):
    """The therapist signed in; the client has high blood pressure (deep tissue needs a
    physician's clearance), is on warfarin (cupping is contraindicated), has consented and
    has been assessed."""
    HealthHistoryFactory(
        client=cast.client, conditions=["uncontrolled_hypertension", "anticoagulants"]
    )
    TreatmentConsentFactory(client=cast.client)
    AssessmentFactory(client=cast.client)
    client.force_login(cast.therapist)
    return client


def _plan_with(client, cast, *techniques) -> TreatmentPlan:
    client.post(reverse("plan_new", args=[cast.client.pk]), _form(*techniques))
    return TreatmentPlan.objects.get()


def _detail(plan) -> str:
    return reverse("plan_detail", args=[plan.pk])


# --- a new plan -------------------------------------------------------------------------------


def test_a_new_plan_submitted_twice_is_saved_once(therapist, cast):
    url = reverse("plan_new", args=[cast.client.pk])
    data = {**_form("swedish"), FIELD: token_in(therapist.get(url))}
    first = therapist.post(url, data)
    second = therapist.post(url, data)

    plan = TreatmentPlan.objects.get()
    assert first["Location"] == _detail(plan) and is_already_saved(second, _detail(plan))
    assert PlanVersion.objects.count() == 1


def test_a_refused_new_plan_keeps_its_token_and_text_and_then_saves_once(therapist, cast):
    url = reverse("plan_new", args=[cast.client.pk])
    token = token_in(therapist.get(url))
    refused = therapist.post(url, {**_form(), FIELD: token})  # no technique
    assert refused.status_code == 200 and token_in(refused) == token
    assert "Chin tucks, doorway stretch" in refused.content.decode()

    saved = therapist.post(url, {**_form("swedish"), FIELD: token})
    again = therapist.post(url, {**_form("swedish"), FIELD: token})
    plan = TreatmentPlan.objects.get()
    assert saved["Location"] == _detail(plan) and is_already_saved(again, _detail(plan))


def test_a_new_plan_without_a_token_is_saved(therapist, cast):
    response = therapist.post(reverse("plan_new", args=[cast.client.pk]), _form("swedish"))
    assert response["Location"] == _detail(TreatmentPlan.objects.get())


def test_editing_a_draft_carries_no_token(therapist, cast):
    plan = _plan_with(therapist, cast, "swedish")
    assert tokens_in(therapist.get(reverse("plan_edit", args=[plan.pk]))) == []


# --- a new version ----------------------------------------------------------------------------


@pytest.fixture
def active_plan(therapist, cast) -> TreatmentPlan:
    plan = _plan_with(therapist, cast, "swedish")
    plan_services.plan_activate(actor=cast.therapist, version=plan.versions.get())
    return plan


def test_change_the_plan_clicked_twice_starts_one_new_version(therapist, active_plan):
    url = reverse("plan_new_version", args=[active_plan.pk])
    data = {FIELD: token_in(therapist.get(_detail(active_plan)))}
    first = therapist.post(url, data)
    second = therapist.post(url, data)

    assert list(active_plan.versions.values_list("number", flat=True).order_by("number")) == [1, 2]
    assert first["Location"] == _detail(active_plan)
    assert is_already_saved(second, _detail(active_plan))


def test_change_the_plan_without_a_token_starts_a_new_version(therapist, active_plan):
    therapist.post(reverse("plan_new_version", args=[active_plan.pk]))
    assert active_plan.versions.count() == 2


# --- clearance requests and overrides ---------------------------------------------------------


def _conflict(plan, severity: str):
    return next(c for c in conflicts_for(plan.versions.get()) if c.severity == severity)


def _clearance(plan, cast, **extra) -> dict:
    return {
        "conflict": _conflict(plan, "clearance").key,
        "care_team_member": str(cast.client.care_team.get().pk),
        "question": "Is deep work on the upper back safe at her blood pressure?",
        **extra,
    }


def _token_of(client, plan, url: str, conflict_key: str) -> str:
    """The token of the plan page's form that posts `conflict_key` to `url`."""
    page = client.get(_detail(plan)).content.decode()
    [form] = [
        form
        for form in page.split("<form")[1:]
        if f'action="{url}"' in form and f'name="conflict" value="{conflict_key}"' in form
    ]
    [token] = TOKEN.findall(form)
    return token


def test_a_clearance_request_submitted_twice_is_sent_once(
    therapist, cast, django_capture_on_commit_callbacks
):
    cast.physician.email = "dr@example.test"
    cast.physician.save()
    plan = _plan_with(therapist, cast, "deep_tissue", "cupping")
    url = reverse("plan_clearance", args=[plan.pk])
    data = _clearance(plan, cast)
    data[FIELD] = _token_of(therapist, plan, url, data["conflict"])
    with django_capture_on_commit_callbacks(execute=True):
        first = therapist.post(url, data)
        second = therapist.post(url, data)

    assert ClearanceRequest.objects.count() == 1 and len(mail.outbox) == 1
    assert first["Location"] == _detail(plan) and is_already_saved(second, _detail(plan))


def test_a_refused_clearance_request_keeps_its_token_and_question(therapist, cast):
    plan = _plan_with(therapist, cast, "deep_tissue", "cupping")
    url = reverse("plan_clearance", args=[plan.pk])
    token = _token_of(therapist, plan, url, _clearance(plan, cast)["conflict"])
    refused = therapist.post(
        url, {**_clearance(plan, cast, care_team_member=str(uuid.uuid4())), FIELD: token}
    )
    assert refused.status_code == 200 and token in tokens_in(refused)
    assert "at her blood pressure?" in refused.content.decode()

    saved = therapist.post(url, {**_clearance(plan, cast), FIELD: token})
    again = therapist.post(url, {**_clearance(plan, cast), FIELD: token})
    assert ClearanceRequest.objects.count() == 1
    assert saved["Location"] == _detail(plan) and is_already_saved(again, _detail(plan))


def test_a_clearance_request_without_a_token_is_sent(therapist, cast):
    plan = _plan_with(therapist, cast, "deep_tissue", "cupping")
    therapist.post(reverse("plan_clearance", args=[plan.pk]), _clearance(plan, cast))
    assert ClearanceRequest.objects.count() == 1


def _override(plan, reason="Dry cupping on the upper back only, INR checked weekly.") -> dict:
    return {"conflict": _conflict(plan, "contraindicated").key, "reason": reason}


def test_an_override_submitted_twice_is_recorded_once_and_told_so(therapist, cast):
    plan = _plan_with(therapist, cast, "deep_tissue", "cupping")
    url = reverse("plan_override", args=[plan.pk])
    data = _override(plan)
    data[FIELD] = _token_of(therapist, plan, url, data["conflict"])
    first = therapist.post(url, data)
    second = therapist.post(url, data)

    assert ConflictOverride.objects.count() == 1
    assert first["Location"] == _detail(plan) and is_already_saved(second, _detail(plan))


def test_a_refused_override_keeps_its_token_and_reason(therapist, cast):
    plan = _plan_with(therapist, cast, "deep_tissue", "cupping")
    url = reverse("plan_override", args=[plan.pk])
    token = _token_of(therapist, plan, url, _override(plan)["conflict"])
    refused = therapist.post(url, {**_override(plan, reason="INR ok"), FIELD: token})
    assert refused.status_code == 200 and token in tokens_in(refused)
    assert "INR ok" in refused.content.decode()

    saved = therapist.post(url, {**_override(plan), FIELD: token})
    again = therapist.post(url, {**_override(plan), FIELD: token})
    assert ConflictOverride.objects.count() == 1
    assert saved["Location"] == _detail(plan) and is_already_saved(again, _detail(plan))


def test_an_override_without_a_token_is_recorded(therapist, cast):
    plan = _plan_with(therapist, cast, "deep_tissue", "cupping")
    therapist.post(reverse("plan_override", args=[plan.pk]), _override(plan))
    assert ConflictOverride.objects.count() == 1
