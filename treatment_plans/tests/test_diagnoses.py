"""A plan's ICD-10-CM diagnoses: billable codes only (a category refused with billable ones
suggested), no duplicate, at most four; normalised; reordered and removed without gaps; the
health history's code offered; shown on the plan page to its readers."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.models import AuditEntry
from intake.tests.factories import HealthHistoryFactory
from treatment_plans.models import PlanDiagnosis
from treatment_plans.services.diagnoses import normalise, plan_diagnosis_add
from treatment_plans.tests.factories import PlanVersionFactory
from treatment_plans.views.diagnoses import plan_diagnoses

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(cast):
    version = PlanVersionFactory(
        plan__client=cast.client, plan__therapist=cast.therapist, activated_at=timezone.now()
    )
    return version.plan


@pytest.fixture
def therapist(client, cast):
    client.force_login(cast.therapist)
    return client


def _url(plan):
    return reverse("plan_diagnoses", args=[plan.pk])


def _add(therapist, plan, code):
    return therapist.post(_url(plan), {"action": "add", "code": code})


def _codes(plan):
    return list(plan.diagnoses.order_by("position").values_list("position", "code"))


@pytest.mark.parametrize(
    ("typed", "code"),
    [("m542", "M54.2"), ("M54.2", "M54.2"), (" m54.2 ", "M54.2"), ("s56111a", "S56.111A")],
)
def test_codes_are_normalised(typed, code):
    assert normalise(typed) == code


def test_a_billable_code_is_added_with_its_description_and_audited(therapist, cast, plan):
    response = _add(therapist, plan, "m542")
    assert response.status_code == 302
    diagnosis = PlanDiagnosis.objects.get(plan=plan)
    assert (diagnosis.position, diagnosis.code) == (1, "M54.2")
    assert diagnosis.description == "Cervicalgia" and diagnosis.added_by == cast.therapist
    entry = AuditEntry.objects.get(action="create", object_id=str(diagnosis.pk))
    assert entry.client == cast.client


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("S56.1", "is a category, not a billable code: use a more specific one, e.g. S56.1"),
        ("12.3", "Not an ICD-10 code."),
        ("M99.99", "M99.99 is not an ICD-10-CM code."),
        ("", "Type an ICD-10-CM code, e.g. M54.2."),
    ],
)
def test_refusals_are_at_the_field_with_the_code_kept(therapist, plan, code, message):
    response = _add(therapist, plan, code)
    assert response.status_code == 200
    errors = response.context["form"].errors["code"]
    assert any(message in error for error in errors), errors
    if code:
        assert f'value="{code}"'.encode() in response.content
    assert not PlanDiagnosis.objects.exists()


def test_a_duplicate_is_refused(therapist, plan):
    _add(therapist, plan, "M54.2")
    response = _add(therapist, plan, "m542")
    assert response.context["form"].errors["code"] == ["M54.2 is already on this plan."]


FOUR = ["M54.2", "M62.830", "M79.18", "S16.1XXD"]


def test_at_most_four(therapist, plan):
    for code in FOUR:
        assert _add(therapist, plan, code).status_code == 302
    response = _add(therapist, plan, "M54.50")
    assert response.context["form"].errors["code"] == [
        "A claim holds four diagnoses: remove one first."
    ]
    assert plan.diagnoses.count() == 4


def test_remove_closes_the_gap_and_reorder_swaps(therapist, plan):
    for code in FOUR[:3]:
        _add(therapist, plan, code)
    first, second, third = plan.diagnoses.order_by("position")
    therapist.post(_url(plan), {"action": "remove", "diagnosis": str(second.pk)})
    assert _codes(plan) == [(1, "M54.2"), (2, "M79.18")]
    third = plan.diagnoses.get(code="M79.18")
    therapist.post(_url(plan), {"action": "up", "diagnosis": str(third.pk)})
    assert _codes(plan) == [(1, "M79.18"), (2, "M54.2")]
    moved = plan.diagnoses.get(position=2)
    therapist.post(_url(plan), {"action": "down", "diagnosis": str(moved.pk)})  # already last
    assert _codes(plan) == [(1, "M79.18"), (2, "M54.2")]
    response = therapist.post(_url(plan), {"action": "remove", "diagnosis": "nonsense"})
    assert response.status_code == 302


def test_the_health_historys_code_is_offered_while_there_is_none(therapist, cast, plan):
    HealthHistoryFactory(client=cast.client, icd10_code="M54.2")
    page = therapist.get(_url(plan))
    assert page.context["suggestion"]["code"] == "M54.2"
    assert AuditEntry.objects.filter(action="view", client=cast.client).exists()
    _add(therapist, plan, "M54.2")  # the one-click add posts the code
    assert therapist.get(_url(plan)).context["suggestion"] is None


def test_a_category_in_the_history_is_not_offered(therapist, cast, plan):
    HealthHistoryFactory(client=cast.client, icd10_code="S56.1")
    assert therapist.get(_url(plan)).context["suggestion"] is None


def test_only_therapists_chart_them(cast, plan):
    from django.core.exceptions import PermissionDenied

    assert plan_diagnoses.allowed_roles == {"therapist"}
    with pytest.raises(PermissionDenied):
        plan_diagnosis_add(actor=cast.admin, plan=plan, code="M54.2")


def test_the_plan_page_shows_them_to_its_readers(client, cast, plan):
    plan_diagnosis_add(actor=cast.therapist, plan=plan, code="M54.2")
    url = reverse("plan_detail", args=[plan.pk])
    for user in (cast.therapist, cast.admin, cast.client_user, cast.physician_user):
        client.force_login(user)
        content = client.get(url).content
        assert b"M54.2" in content and b"Cervicalgia" in content, user
        assert (b"Edit the diagnoses" in content) is (user == cast.therapist), user
