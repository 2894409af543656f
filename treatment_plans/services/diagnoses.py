"""Writes of a plan's ICD-10-CM diagnoses (issue 18): at most four, in order (CMS-1500 box 21,
A-D, which each charge line points to), each existing and billable (intake/diagnoses.py).
Therapists chart them; one transaction each, audited."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from clinic import audit
from clinic.roles import CLINICAL_WRITERS, role_of
from intake.diagnoses import billable_problem, description
from intake.models.history import validate_icd10
from treatment_plans.models import PlanDiagnosis, TreatmentPlan

FULL = "A claim holds four diagnoses: remove one first."


def normalise(code: str) -> str:
    """As a claim prints it: upper case, the dot after the category ("m542" -> "M54.2")."""
    code = "".join((code or "").split()).upper()
    if "." not in code and len(code) > 3:
        code = f"{code[:3]}.{code[3:]}"
    return code


def _require_therapist(actor) -> None:
    if role_of(actor) not in CLINICAL_WRITERS:
        raise PermissionDenied("Only therapists chart a plan's diagnoses.")


def _locked(plan: TreatmentPlan) -> TreatmentPlan:
    """The plan row locked: two therapists adding at once cannot both take position 4."""
    return TreatmentPlan.objects.select_for_update().select_related("client").get(pk=plan.pk)


@transaction.atomic
def plan_diagnosis_add(*, actor, plan: TreatmentPlan, code: str) -> PlanDiagnosis:
    _require_therapist(actor)
    plan = _locked(plan)
    code = normalise(code)
    if not code:
        raise ValidationError({"code": "Type an ICD-10-CM code, e.g. M54.2."})
    try:
        validate_icd10(code)
    except ValidationError as error:
        raise ValidationError({"code": error.messages}) from None
    if problem := billable_problem(code):
        raise ValidationError({"code": problem})
    held = list(plan.diagnoses.order_by("position"))
    if any(d.code == code for d in held):
        raise ValidationError({"code": f"{code} is already on this plan."})
    if len(held) >= PlanDiagnosis.MAX:
        raise ValidationError({"code": FULL})
    diagnosis = PlanDiagnosis.objects.create(
        plan=plan,
        position=len(held) + 1,
        code=code,
        description=description(code)[:250],
        added_by=actor,
    )
    audit.record(
        actor=actor,
        action="create",
        client=plan.client,
        target=diagnosis,
        detail=f"plan diagnosis {diagnosis.position}: {code}",
    )
    return diagnosis


@transaction.atomic
def plan_diagnosis_remove(*, actor, diagnosis: PlanDiagnosis) -> None:
    """Remove one; those after it move up a place (no gap: A-D stay A-D)."""
    _require_therapist(actor)
    plan = _locked(diagnosis.plan)
    diagnosis = PlanDiagnosis.objects.get(pk=diagnosis.pk, plan=plan)
    position, code = diagnosis.position, diagnosis.code
    diagnosis.delete()
    for later in plan.diagnoses.filter(position__gt=position).order_by("position"):
        later.position -= 1
        later.save(update_fields=["position"])
    audit.record(
        actor=actor,
        action="delete",
        client=plan.client,
        target=plan,
        detail=f"plan diagnosis {position} removed: {code}",
    )


@transaction.atomic
def plan_diagnosis_move(*, actor, diagnosis: PlanDiagnosis, up: bool) -> None:
    """Swap a diagnosis with the one above (or below) it. The two rows exchange their codes
    (positions are unique and 1-4, so there is no free place to pass through)."""
    _require_therapist(actor)
    plan = _locked(diagnosis.plan)
    diagnosis = PlanDiagnosis.objects.get(pk=diagnosis.pk, plan=plan)
    other = plan.diagnoses.filter(position=diagnosis.position + (-1 if up else 1)).first()
    if other is None:
        return
    fields = ("code", "description", "added_by_id", "added_at")
    mine = {name: getattr(diagnosis, name) for name in fields}
    theirs = {name: getattr(other, name) for name in fields}
    # Codes are unique per plan too: park one on a placeholder while they swap.
    PlanDiagnosis.objects.filter(pk=diagnosis.pk).update(code="~")
    PlanDiagnosis.objects.filter(pk=other.pk).update(**mine)
    PlanDiagnosis.objects.filter(pk=diagnosis.pk).update(**theirs)
    audit.record(
        actor=actor,
        action="update",
        client=plan.client,
        target=plan,
        detail=f"plan diagnoses reordered: {mine['code']} to {other.position}",
    )
