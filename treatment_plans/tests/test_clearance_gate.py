"""A technique awaiting the physician's clearance is held back until they answer (issue 15,
item 5): the plan cannot be activated with it, a session note uses it only with a written
reason, and the plan page, the note form and the PDF say it awaits clearance."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from documents.pdf import plan_html
from intake.tests.factories import (
    AssessmentFactory,
    HealthHistoryFactory,
    TreatmentConsentFactory,
)
from scheduling.tests.factories import AppointmentFactory
from sessions_log.services.notes import note_save
from treatment_plans.contraindications import conflicts_for
from treatment_plans.models import ClearanceRequest
from treatment_plans.services.plans import (
    activation_problems,
    clearance_answer,
    clearance_request_send,
    plan_activate,
)
from treatment_plans.tests.factories import PlanTechniqueFactory, PlanVersionFactory, technique

pytestmark = pytest.mark.django_db
QUESTION = "Is deep tissue work on the upper back safe at her blood pressure?"


@pytest.fixture
def asked(cast):
    """A draft plan with deep tissue work for a client with uncontrolled hypertension (a
    'clearance' rule), and the question sent to the consented physician."""
    HealthHistoryFactory(client=cast.client, conditions=["uncontrolled_hypertension"])
    TreatmentConsentFactory(client=cast.client)
    AssessmentFactory(client=cast.client)  # the initial assessment
    version = PlanVersionFactory(plan__client=cast.client, plan__therapist=cast.therapist)
    PlanTechniqueFactory(version=version, technique=technique("deep_tissue"))
    [conflict] = conflicts_for(version)
    assert conflict.severity == "clearance"
    request = clearance_request_send(
        actor=cast.therapist,
        version=version,
        conflict_key=conflict.key,
        care_team_member=cast.client.care_team.get(),
        question=QUESTION,
    )
    cast.version, cast.request = version, request
    return cast


def _answer(cast, status: str):
    clearance_answer(
        actor=cast.physician_user, request=cast.request, status=status, response="As discussed"
    )


def test_a_plan_waiting_for_clearance_cannot_be_activated(asked):
    [problem] = activation_problems(asked.version)
    assert problem.startswith(f"Deep tissue massage is waiting for {asked.physician}'s clearance")
    with pytest.raises(ValidationError, match="waiting for"):
        plan_activate(actor=asked.therapist, version=asked.version)


@pytest.mark.parametrize(
    ("answer", "blocked"),
    [("approved", False), ("restricted", False), ("declined", True)],
)
def test_the_answer_decides(asked, answer, blocked):
    _answer(asked, answer)
    problems = activation_problems(asked.version)
    assert bool(problems) is blocked
    if blocked:
        assert "declined clearance for Deep tissue massage" in problems[0]
    else:
        plan_activate(actor=asked.therapist, version=asked.version)


def test_a_question_asked_for_an_earlier_version_holds_the_next_one_too(asked):
    _answer(asked, "approved")
    plan_activate(actor=asked.therapist, version=asked.version)
    later = PlanVersionFactory(plan=asked.version.plan, number=2)
    PlanTechniqueFactory(version=later, technique=technique("deep_tissue"))
    assert activation_problems(later) == []  # the physician's answer stands for the plan


def test_a_note_uses_a_technique_awaiting_clearance_only_with_a_reason(asked):
    appointment = AppointmentFactory(
        client=asked.client, therapist=asked.therapist.therapist_profile
    )
    row = {
        "technique": technique("deep_tissue"),
        "body_region": "upper back",
        "pressure": "light",
        "minutes": 10,
    }

    def save(**extra):
        return note_save(
            actor=asked.therapist,
            appointment=appointment,
            data={"subjective": "Tight", "pain_before": 6, "pain_after": 4},
            techniques=[{**row, **extra}],
            trigger_points=[],
            measurements=[],
        )

    with pytest.raises(ValidationError) as refused:
        save()
    assert "waiting for" in str(refused.value) and "clearance" in str(refused.value)
    note = save(override_reason="Light strokes only; the physician agreed by phone.")
    assert note.techniques.get().override_reason.startswith("Light strokes")
    _answer(asked, "approved")
    save()  # answered: no reason needed any more


def test_the_plan_page_the_note_form_and_the_pdf_say_it_awaits_clearance(client, asked):
    client.force_login(asked.therapist)
    page = client.get(reverse("plan_detail", args=[asked.version.plan.pk])).content.decode()
    assert "Waiting for the physician" in page
    appointment = AppointmentFactory(
        client=asked.client, therapist=asked.therapist.therapist_profile
    )
    note_form = client.get(reverse("note_edit", args=[appointment.pk])).content.decode()
    assert "Awaiting clearance" in note_form and "Deep tissue massage" in note_form
    assert "Awaiting the physician's clearance" in plan_html(asked.version)


def test_an_empty_question_is_refused(asked):
    with pytest.raises(ValidationError, match="Write the question"):
        clearance_request_send(
            actor=asked.therapist,
            version=asked.version,
            conflict_key=conflicts_for(asked.version)[0].key,
            care_team_member=asked.client.care_team.get(),
            question="   ",
        )
    assert ClearanceRequest.objects.count() == 1
