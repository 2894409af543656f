"""Writing, checking and activating treatment plans through the therapist's pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from clinic.models import AuditEntry
from intake.tests.factories import (
    AssessmentFactory,
    HealthHistoryFactory,
    TreatmentConsentFactory,
)
from treatment_plans.contraindications import conflicts_for
from treatment_plans.models import ClearanceRequest, ConflictOverride, PlanVersion, Technique
from treatment_plans.services import plans as plan_services
from treatment_plans.tests.factories import PlanVersionFactory


@pytest.fixture
def ready(cast):
    """`client` has a health history (on warfarin), a treatment consent and an initial
    assessment."""
    HealthHistoryFactory(client=cast.client, conditions=["anticoagulants"])
    TreatmentConsentFactory(client=cast.client)
    AssessmentFactory(client=cast.client)
    return cast


def _tech(key):
    return Technique.objects.get(key=key)


NPRS_MILESTONE = {
    "kind": "nprs",
    "comparator": "lte",
    "target_value": "3",
    "baseline_value": "6",
    "by_session": "8",
}


def _form(*techniques, milestones=None, **extra):
    data = {
        "health_goal": "A full work day without neck pain",
        "clinical_reason": "Cervicalgia",
        "referral": "Dr. Cho",
        "start_date": dt.date.today().isoformat(),
        "sessions_per_week": "1",
        "planned_sessions": "8",
        "session_minutes": "60",
        "review_date_1": "",
        "review_date_2": "",
        "other_treatments": "Physical therapy twice a week",
        "home_care": "Chin tucks, doorway stretch",
        "body_mechanics": "Screen at eye level",
        "techniques-TOTAL_FORMS": str(max(len(techniques), 1)),
        "techniques-INITIAL_FORMS": "0",
        "techniques-MIN_NUM_FORMS": "0",
        "techniques-MAX_NUM_FORMS": "8",
    }
    for n, key in enumerate(techniques):
        data[f"techniques-{n}-technique"] = str(_tech(key).pk)
        data[f"techniques-{n}-target_areas"] = "Neck and upper back"
        data[f"techniques-{n}-rationale"] = f"Reason for {key}"
    if milestones is None:
        milestones = [NPRS_MILESTONE]
    data.update(
        {
            "milestones-TOTAL_FORMS": str(max(len(milestones), 1)),
            "milestones-INITIAL_FORMS": "0",
            "milestones-MIN_NUM_FORMS": "0",
            "milestones-MAX_NUM_FORMS": "12",
        }
    )
    for n, row in enumerate(milestones):
        for key, value in row.items():
            data[f"milestones-{n}-{key}"] = value
    data.update(extra)
    return data


def _new_plan(client, cast, *techniques, **kwargs):
    client.force_login(cast.therapist)
    return client.post(reverse("plan_new", args=[cast.client.pk]), _form(*techniques, **kwargs))


def test_therapist_writes_a_draft_plan(client, ready):
    response = _new_plan(client, ready, "swedish", "trigger_point")
    version = PlanVersion.objects.get()
    assert response["Location"] == reverse("plan_detail", args=[version.plan.pk])
    assert version.is_draft and version.plan.therapist == ready.therapist
    assert [t.technique.key for t in version.techniques.all()] == ["swedish", "trigger_point"]
    assert version.milestones.get().summary == "Pain (NPRS 0-10) at most 3 by session 8"
    assert AuditEntry.objects.filter(action="create", client=ready.client).exists()


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"techniques": ()}, "Choose at least one technique"),
        ({"sessions_per_week": "0"}, "Sessions per week must be more than zero"),
        ({"sessions_per_week": "-1"}, "Sessions per week must be more than zero"),
        ({"planned_sessions": "0"}, "Plan at least one session"),
        (
            {"milestones": [{"kind": "nprs", "comparator": "lte", "target_value": ""}]},
            "A measurable milestone needs a target",
        ),
        ({"milestones": [{"kind": "text", "description": ""}]}, "Describe the milestone"),
        (
            {"milestones": [{"kind": "nprs", "comparator": "lte", "target_value": "12"}]},
            "Between 0 and 10",
        ),
        ({"health_goal": ""}, "This field is required"),
    ],
)
def test_bad_plans_are_refused_at_the_field_and_kept(client, ready, kwargs, message):
    techniques = kwargs.pop("techniques", ("swedish",))
    response = _new_plan(client, ready, *techniques, **kwargs)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "Chin tucks, doorway stretch" in html  # nothing typed is lost
    assert not PlanVersion.objects.exists()


def test_anticoagulant_client_sees_warnings_and_a_contraindication_blocks_activation(client, ready):
    _new_plan(client, ready, "deep_tissue", "cupping")
    version = PlanVersion.objects.get()
    severities = {(c.subject, c.severity) for c in conflicts_for(version)}
    assert severities == {
        ("Deep tissue massage", "caution"),
        ("Cupping therapy", "contraindicated"),
    }
    page = client.get(reverse("plan_detail", args=[version.plan.pk])).content.decode()
    assert "Contraindication warnings" in page and "Bleeding risk" in page
    assert "Unresolved contraindication: Cupping therapy" in page
    response = client.post(reverse("plan_activate", args=[version.plan.pk]), follow=True)
    assert "Unresolved contraindication" in response.content.decode()
    version.refresh_from_db()
    assert version.is_draft


def test_override_with_a_reason_allows_activation(
    client, ready, django_capture_on_commit_callbacks
):
    _new_plan(client, ready, "deep_tissue", "cupping")
    version = PlanVersion.objects.get()
    cupping = next(c for c in conflicts_for(version) if c.severity == "contraindicated")
    url = reverse("plan_override", args=[version.plan.pk])
    short = client.post(url, {"conflict": cupping.key, "reason": "ok"})
    assert b"at least a sentence" in short.content
    client.post(
        url,
        {
            "conflict": cupping.key,
            "reason": "Dry cupping on the upper back only, INR checked weekly.",
        },
    )
    assert ConflictOverride.objects.get().decided_by == ready.therapist
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("plan_activate", args=[version.plan.pk]))
    version.refresh_from_db()
    assert not version.is_draft and version.plan.status == "active"
    page = client.get(reverse("plan_detail", args=[version.plan.pk])).content.decode()
    assert "INR checked weekly" in page


def test_removing_the_technique_resolves_the_conflict(client, ready):
    _new_plan(client, ready, "swedish", "cupping")
    version = PlanVersion.objects.get()
    client.post(reverse("plan_edit", args=[version.plan.pk]), _form("swedish"))
    assert conflicts_for(version) == []


def test_activating_twice_says_the_version_is_already_active(client, ready):
    _new_plan(client, ready, "swedish")
    plan = PlanVersion.objects.get().plan
    client.post(reverse("plan_activate", args=[plan.pk]))
    again = client.post(reverse("plan_activate", args=[plan.pk]), follow=True)
    assert "Version 1 of this plan is already activated." in again.content.decode()
    assert AuditEntry.objects.filter(action="sign", client=ready.client).count() == 1


def test_a_draft_of_a_closed_plan_is_not_activated(client, ready):
    """Activation checks the plan it locks: a draft left over from before a close must not
    set the closed plan back to active."""
    _new_plan(client, ready, "swedish")
    plan = PlanVersion.objects.get().plan
    plan_services.plan_activate(actor=ready.therapist, version=plan.versions.get())
    draft = plan_services.plan_new_version(actor=ready.therapist, plan=plan)
    plan_services.plan_close(actor=ready.therapist, plan=plan, status="completed")

    with pytest.raises(ValidationError, match="This plan is closed"):
        plan_services.plan_activate(actor=ready.therapist, version=draft)
    plan.refresh_from_db()
    draft.refresh_from_db()
    assert plan.status == "completed" and draft.is_draft


def test_activation_is_gated_on_health_history_and_consent(client, cast):
    _new_plan(client, cast, "swedish")
    version = PlanVersion.objects.get()
    page = client.get(reverse("plan_detail", args=[version.plan.pk])).content.decode()
    assert "a health history (intake form)" in page and "a signed consent to treatment" in page
    client.post(reverse("plan_activate", args=[version.plan.pk]))
    version.refresh_from_db()
    assert version.is_draft


def test_an_active_version_is_frozen_and_a_change_is_a_new_version(
    client, ready, django_capture_on_commit_callbacks
):
    _new_plan(client, ready, "swedish")
    plan = PlanVersion.objects.get().plan
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("plan_activate", args=[plan.pk]))
    edit = client.get(reverse("plan_edit", args=[plan.pk]))
    assert edit.status_code == 302  # the active version cannot be edited
    client.post(reverse("plan_new_version", args=[plan.pk]))
    v1, v2 = plan.versions.order_by("number")
    assert v2.is_draft and [t.technique_id for t in v2.techniques.all()] == [
        t.technique_id for t in v1.techniques.all()
    ]
    client.post(
        reverse("plan_edit", args=[plan.pk]),
        _form("swedish", "trigger_point", home_care="New stretches"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("plan_activate", args=[plan.pk]))
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert v1.superseded_at is not None and v2.activated_at is not None
    assert v1.home_care == "Chin tucks, doorway stretch" and v2.home_care == "New stretches"
    old = client.get(reverse("plan_version_detail", args=[v1.pk])).content.decode()
    assert "Chin tucks, doorway stretch" in old and "replaced" in old


def test_clearance_request_goes_to_the_physician_without_health_data(
    client, cast, django_capture_on_commit_callbacks
):
    HealthHistoryFactory(client=cast.client, conditions=["uncontrolled_hypertension"])
    TreatmentConsentFactory(client=cast.client)
    cast.physician.email = "dr@example.test"
    cast.physician.save()
    _new_plan(client, cast, "deep_tissue")
    version = PlanVersion.objects.get()
    [conflict] = conflicts_for(version)
    assert conflict.severity == "clearance"
    member = cast.client.care_team.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("plan_clearance", args=[version.plan.pk]),
            {
                "conflict": conflict.key,
                "care_team_member": str(member.pk),
                "question": "Is deep work safe?",
            },
        )
    request = ClearanceRequest.objects.get()
    assert request.status == "pending" and request.care_team_member == member
    [message] = mail.outbox
    assert message.to == ["dr@example.test"]
    assert cast.client.last_name not in message.body and "hypertension" not in message.body.lower()


def test_client_and_physician_never_see_a_draft(client, cast):
    version = PlanVersionFactory(plan__client=cast.client, plan__therapist=cast.therapist)
    for user in (cast.client_user, cast.physician_user):
        client.force_login(user)
        assert client.get(reverse("plan_detail", args=[version.plan.pk])).status_code == 404
        assert client.get(reverse("plan_version_detail", args=[version.pk])).status_code == 404
    version.activated_at = timezone.now()
    version.save()
    client.force_login(cast.client_user)
    page = client.get(reverse("plan_detail", args=[version.plan.pk])).content.decode()
    assert "A full work day without neck pain" in page and "Contraindication warnings" not in page


def test_the_admin_reads_plans_but_does_not_write_them(client, ready):
    client.force_login(ready.admin)
    assert (
        client.post(reverse("plan_new", args=[ready.client.pk]), _form("swedish")).status_code
        == 403
    )
    assert not PlanVersion.objects.exists()


@pytest.mark.parametrize("rows", [1, 6])
def test_plan_page_queries_do_not_grow(client, ready, rows, django_assert_max_num_queries):
    keys = [
        "swedish",
        "trigger_point",
        "myofascial_release",
        "deep_tissue",
        "sports",
        "reflexology",
    ][:rows]
    milestones = [{"kind": "nprs", "comparator": "lte", "target_value": "3"}] * rows
    _new_plan(client, ready, *keys, milestones=milestones)
    plan = PlanVersion.objects.get().plan
    # Measured 24: the milestones' latest values (issue 15) read the milestones, the signed
    # sessions and the assessments once, whatever the number of rows; a draft's activation
    # check asks once whether the client has an initial assessment (issue 17). 26 since
    # issue 18: the plan's diagnoses, and the authorizations' visits shown to the therapist.
    with django_assert_max_num_queries(26):
        assert client.get(reverse("plan_detail", args=[plan.pk])).status_code == 200


def test_draft_rows_are_hidden_from_client_and_physician(cast):
    from treatment_plans.models import Milestone
    from treatment_plans.tests.factories import MilestoneFactory

    draft = PlanVersionFactory(plan__client=cast.client, plan__therapist=cast.therapist)
    MilestoneFactory(version=draft)
    for user in (cast.client_user, cast.physician_user):
        assert not Milestone.objects.visible_to(user).exists()
    assert Milestone.objects.visible_to(cast.therapist).count() == 1


def test_active_plan_page_offers_the_pdf_to_the_client(
    client, ready, django_capture_on_commit_callbacks
):
    _new_plan(client, ready, "swedish")
    plan = PlanVersion.objects.get().plan
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("plan_activate", args=[plan.pk]))
    client.force_login(ready.client_user)
    page = client.get(reverse("plan_detail", args=[plan.pk])).content.decode()
    assert "PDF ready" in page and "Download the plan summary" in page


def test_a_signed_session_changes_the_pdf_fingerprint_even_without_a_pain_milestone(cast):
    from documents.services import plan_pdf_fingerprint
    from scheduling.tests.factories import AppointmentFactory
    from sessions_log.tests.factories import SessionNoteFactory

    version = PlanVersionFactory(plan__client=cast.client, activated_at=timezone.now())
    before = plan_pdf_fingerprint(version)
    note = SessionNoteFactory(
        appointment=AppointmentFactory(client=cast.client), plan_version=version
    )
    assert plan_pdf_fingerprint(version) == before  # a draft note is not shown
    note.signed_at = timezone.now()
    note.save()
    assert plan_pdf_fingerprint(version) != before


def test_plan_page_prints_the_latest_value_as_now_and_the_baseline_as_baseline(client, cast):
    """Issue 15: the page printed the baseline as "now" (`(now 55) Met` while the latest was 70)."""
    from intake.tests.factories import AssessmentFactory, RangeOfMotionFactory, rom_norm
    from treatment_plans.tests.factories import MilestoneFactory

    version = PlanVersionFactory(
        plan__client=cast.client,
        plan__therapist=cast.therapist,
        plan__status="active",
        activated_at=timezone.now(),
    )
    MilestoneFactory(
        version=version,
        kind="rom",
        rom_norm=rom_norm(),
        side="right",
        comparator="gte",
        baseline_value=55,
        target_value=70,
        status="met",
    )
    measured_on = dt.date(2026, 12, 3)
    assessment = AssessmentFactory(client=cast.client, assessed_on=measured_on)
    RangeOfMotionFactory(assessment=assessment, norm=rom_norm(), side="right", degrees=70)
    client.force_login(cast.therapist)
    for url in (
        reverse("plan_detail", args=[version.plan.pk]),
        reverse("plan_version_detail", args=[version.pk]),
    ):
        page = client.get(url).content.decode()
        assert "(now 55)" not in page
        assert "(baseline 55; now 70, measured Thu 3 Dec 2026)" in page
