"""Writes of treatment plans. A plan's versions are drafts until activated; an activated
version never changes (a change starts a new draft), so the care team's copy stays true."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from clinic import audit
from clinic.clinic_time import local
from clinic.models import CareTeamMember, Client
from clinic.roles import CLINICAL_WRITERS, role_of
from intake.models import Assessment
from intake.selectors import missing_for_care
from treatment_plans import signals
from treatment_plans.contraindications import conflicts_for, find_conflict
from treatment_plans.models import (
    ClearanceRequest,
    ConflictOverride,
    Milestone,
    PlanTechnique,
    PlanVersion,
    TreatmentPlan,
)

VERSION_FIELDS = (
    "health_goal",
    "clinical_reason",
    "referral",
    "start_date",
    "sessions_per_week",
    "planned_sessions",
    "session_minutes",
    "review_dates",
    "other_treatments",
    "home_care",
    "body_mechanics",
)
MILESTONE_FIELDS = (
    "kind",
    "description",
    "rom_norm",
    "side",
    "comparator",
    "target_value",
    "baseline_value",
    "by_session",
    "status",
)


def _require_therapist(actor) -> None:
    if role_of(actor) not in CLINICAL_WRITERS:
        raise PermissionDenied("Only therapists write treatment plans.")


def _require_draft(version: PlanVersion) -> None:
    if not version.is_draft:
        raise ValidationError(
            "This version is active and cannot change. Start a new version to make changes."
        )


def _check_content(techniques: list[dict], milestones: list[dict]) -> None:
    errors = {}
    if not techniques:
        errors["techniques"] = "Choose at least one technique, with its target areas and reason."
    for milestone in milestones:
        if milestone["kind"] == Milestone.Kind.TEXT and not milestone.get("description"):
            errors["milestones"] = "Describe each milestone."
        if milestone["kind"] != Milestone.Kind.TEXT and milestone.get("target_value") is None:
            errors["milestones"] = "Give each measurable milestone a target value."
    if errors:
        raise ValidationError(errors)


def _write_rows(version: PlanVersion, techniques: list[dict], milestones: list[dict]) -> None:
    version.techniques.all().delete()
    version.milestones.all().delete()
    PlanTechnique.objects.bulk_create(
        PlanTechnique(version=version, order=n, **row) for n, row in enumerate(techniques)
    )
    Milestone.objects.bulk_create(
        Milestone(version=version, order=n, **{k: row.get(k) for k in MILESTONE_FIELDS if k in row})
        for n, row in enumerate(milestones)
    )


def _fill(version: PlanVersion, data: dict) -> None:
    for name in VERSION_FIELDS:
        if name in data:
            setattr(version, name, data[name])
    version.referral = version.referral or ""
    version.full_clean(exclude=["plan", "created_by"])


@transaction.atomic
def plan_create(
    *, actor, client: Client, data: dict, techniques: list[dict], milestones: list[dict]
) -> TreatmentPlan:
    """A new plan with its first (draft) version."""
    _require_therapist(actor)
    _check_content(techniques, milestones)
    plan = TreatmentPlan.objects.create(client=client, therapist=actor)
    version = PlanVersion(plan=plan, number=1, created_by=actor)
    _fill(version, data)
    version.save()
    _write_rows(version, techniques, milestones)
    audit.record(actor=actor, action="create", client=client, target=plan, detail="plan v1 (draft)")
    return plan


@transaction.atomic
def plan_version_save(
    *, actor, version: PlanVersion, data: dict, techniques: list[dict], milestones: list[dict]
) -> PlanVersion:
    _require_therapist(actor)
    version = PlanVersion.objects.select_for_update().get(pk=version.pk)
    _require_draft(version)
    _check_content(techniques, milestones)
    _fill(version, data)
    version.save()
    _write_rows(version, techniques, milestones)
    audit.record(
        actor=actor,
        action="update",
        client=version.plan.client,
        target=version,
        detail=f"plan v{version.number} (draft) edited",
    )
    return version


NO_INITIAL_ASSESSMENT = (
    "The client has no initial assessment yet: record it (mobility, range of motion, "
    "imbalances) before the plan is activated."
)


def has_initial_assessment(client_id, *, on=None) -> bool:
    """Whether the client has an initial assessment (dated on or before `on`, a date, when
    given): first things first, before a plan is activated or a session noted. An internal
    check, not a read shown to a user."""
    found = Assessment.objects.filter(client_id=client_id, kind=Assessment.Kind.INITIAL)
    if on is not None:
        found = found.filter(assessed_on__lte=on)
    return found.exists()


def activation_problems(version: PlanVersion, conflicts=None) -> list[str]:
    """Why the version cannot be activated now (empty: it can). `conflicts`: already computed
    by the caller, to save the queries."""
    problems = [f"The client still needs {m.what}." for m in missing_for_care(version.plan.client)]
    if not has_initial_assessment(version.plan.client_id):
        problems.append(NO_INITIAL_ASSESSMENT)
    if not version.techniques.exists():  # the plan page's prefetched rows: no query
        problems.append("The plan has no technique.")
    for conflict in conflicts_for(version) if conflicts is None else conflicts:
        if conflict.blocking:
            problems.append(
                f"Unresolved contraindication: {conflict.subject} ({conflict.reason}) Remove the "
                "technique or override it with a written reason."
            )
        elif conflict.awaiting_clearance:
            asked = conflict.clearance
            problems.append(
                f"{conflict.subject} is waiting for {asked.care_team_member.physician}'s "
                f"clearance (asked {local(asked.created_at):%-d %b %Y}). Activate once they "
                "answer, or remove the technique."
            )
        elif conflict.clearance_declined:
            problems.append(
                f"{conflict.clearance.care_team_member.physician} declined clearance for "
                f"{conflict.subject}. "
                "Remove the technique."
            )
    return problems


@transaction.atomic
def plan_activate(*, actor, version: PlanVersion) -> PlanVersion:
    """Freeze the draft as the plan's active version; the previous one is superseded; the PDF
    for the care team is requested once the transaction commits."""
    _require_therapist(actor)
    # The plan first, then the version: the order plan_close and plan_new_version take. With
    # the version first, an activation racing a close waited only at the plan's UPDATE and
    # then set the closed plan back to active.
    plan = (
        TreatmentPlan.objects.select_for_update().select_related("client").get(pk=version.plan_id)
    )
    version = PlanVersion.objects.select_for_update().get(pk=version.pk)
    version.plan = plan
    if version.activated_at is not None:  # a double submit: the first one activated it
        raise ValidationError(f"Version {version.number} of this plan is already activated.")
    if plan.status not in (TreatmentPlan.Status.ACTIVE, TreatmentPlan.Status.DRAFT):
        raise ValidationError("This plan is closed. Start a new plan instead.")
    problems = activation_problems(version)
    if problems:
        raise ValidationError(problems)
    now = timezone.now()
    plan.versions.filter(activated_at__isnull=False, superseded_at__isnull=True).update(
        superseded_at=now
    )
    version.activated_at, version.activated_by = now, actor
    version.save(update_fields=["activated_at", "activated_by"])
    plan.status = TreatmentPlan.Status.ACTIVE
    plan.save(update_fields=["status"])
    audit.record(
        actor=actor,
        action="sign",
        client=plan.client,
        target=version,
        detail=f"plan v{version.number} activated",
    )
    # documents/ owes the care team a PDF of it, in this transaction.
    signals.plan_version_activated.send(sender=PlanVersion, version=version)
    return version


@transaction.atomic
def plan_new_version(*, actor, plan: TreatmentPlan) -> PlanVersion:
    """A new draft copied from the latest version (its techniques, milestones and overrides);
    the active version stays in force until the draft is activated."""
    _require_therapist(actor)
    plan = TreatmentPlan.objects.select_for_update().get(pk=plan.pk)
    latest = plan.versions.order_by("-number").first()
    if latest.is_draft:
        raise ValidationError("A draft version already exists; edit that one.")
    if plan.status not in (TreatmentPlan.Status.ACTIVE, TreatmentPlan.Status.DRAFT):
        raise ValidationError("This plan is closed. Start a new plan instead.")
    draft = PlanVersion(plan=plan, number=latest.number + 1, created_by=actor)
    _fill(draft, {name: getattr(latest, name) for name in VERSION_FIELDS})
    draft.save()
    _copy_rows(latest, draft)
    audit.record(
        actor=actor,
        action="create",
        client=plan.client,
        target=draft,
        detail=f"plan v{draft.number} (draft) started from v{latest.number}",
    )
    return draft


def _copy_rows(source: PlanVersion, target: PlanVersion) -> None:
    for model, related in (
        (PlanTechnique, "techniques"),
        (Milestone, "milestones"),
        (ConflictOverride, "overrides"),
    ):
        rows = list(getattr(source, related).all())
        for row in rows:
            row.pk, row.version = None, target
            row._state.adding = True
        model.objects.bulk_create(rows)


@transaction.atomic
def conflict_override(*, actor, version: PlanVersion, conflict_key: str, reason: str):
    _require_therapist(actor)
    version = PlanVersion.objects.select_for_update().get(pk=version.pk)
    _require_draft(version)
    reason = reason.strip()
    if len(reason) < 10:
        raise ValidationError({"reason": "Write why it is safe to go ahead (at least a sentence)."})
    conflict = find_conflict(version, conflict_key)
    if conflict is None:
        raise ValidationError("That warning no longer applies to this plan.")
    if conflict.override is not None:
        raise ValidationError("This warning is already overridden.")
    override = ConflictOverride.objects.create(
        version=version,
        rule=conflict.rule,
        technique=conflict.technique,
        reason=reason,
        decided_by=actor,
    )
    audit.record(
        actor=actor,
        action="update",
        client=version.plan.client,
        target=override,
        detail=f"override: {conflict.subject} / {conflict.rule.condition}",
    )
    return override


@transaction.atomic
def clearance_request_send(
    *,
    actor,
    version: PlanVersion,
    conflict_key: str,
    care_team_member: CareTeamMember,
    question: str,
) -> ClearanceRequest:
    """Ask a physician on the care team (with sharing consent) to clear a technique."""
    _require_therapist(actor)
    conflict = find_conflict(version, conflict_key)
    if conflict is None:
        raise ValidationError("That warning no longer applies to this plan.")
    if care_team_member.client_id != version.plan.client_id or not care_team_member.is_sharing:
        raise ValidationError(
            {"care_team_member": "Choose a physician on this client's care team who may see it."}
        )
    if not question.strip():
        raise ValidationError({"question": "Write the question for the physician."})
    request = ClearanceRequest.objects.create(
        version=version,
        rule=conflict.rule,
        technique=conflict.technique,
        care_team_member=care_team_member,
        question=question.strip(),
        created_by=actor,
    )
    audit.record(
        actor=actor,
        action="create",
        client=version.plan.client,
        target=request,
        detail=f"clearance requested from {care_team_member.physician}",
    )
    _mail_clearance_request(request)
    return request


def _mail_clearance_request(request: ClearanceRequest) -> None:
    from treatment_plans.clearance import clearance_request_owe

    clearance_request_owe(request)


@transaction.atomic
def clearance_answer(
    *, actor, request: ClearanceRequest, status: str, response: str
) -> ClearanceRequest:
    """The physician answers: approve, approve with restrictions, or decline, with text. The
    answer shows on the therapist's plan beside the warning."""
    from treatment_plans.models import ClearanceRequest as Request

    request = (
        Request.objects.select_for_update().select_related("care_team_member").get(pk=request.pk)
    )
    member = request.care_team_member
    if member.physician.user_id != actor.pk or not member.is_sharing:
        raise PermissionDenied("This request is not addressed to you.")
    if request.status != Request.Status.PENDING:
        raise ValidationError("This request is already answered.")
    if status not in (Request.Status.APPROVED, Request.Status.RESTRICTED, Request.Status.DECLINED):
        raise ValidationError({"status": "Choose approve, approve with restrictions, or decline."})
    if status != Request.Status.APPROVED and not response.strip():
        raise ValidationError({"response": "Say what the restrictions are, or why you decline."})
    request.status, request.response = status, response.strip()
    request.responded_at = timezone.now()
    request.save(update_fields=["status", "response", "responded_at"])
    audit.record(
        actor=actor,
        action="sign",
        client=request.version.plan.client,
        target=request,
        detail=f"clearance {status}",
    )
    return request


@transaction.atomic
def plan_close(*, actor, plan: TreatmentPlan, status: str, reason: str = "") -> TreatmentPlan:
    _require_therapist(actor)
    if status not in (TreatmentPlan.Status.COMPLETED, TreatmentPlan.Status.DISCONTINUED):
        raise ValidationError("A plan closes as completed or discontinued.")
    plan = TreatmentPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != TreatmentPlan.Status.ACTIVE:
        raise ValidationError("Only an active plan can be closed.")
    if status == TreatmentPlan.Status.DISCONTINUED and not reason.strip():
        raise ValidationError({"reason": "Say why the plan is discontinued."})
    plan.status, plan.closed_at, plan.close_reason = status, timezone.now(), reason.strip()[:300]
    plan.save(update_fields=["status", "closed_at", "close_reason"])
    audit.record(
        actor=actor, action="update", client=plan.client, target=plan, detail=f"plan {status}"
    )
    return plan
