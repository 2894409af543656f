"""A plan's ICD-10-CM diagnoses (issue 18): add, remove, reorder; for therapists (they chart).
Everyone who reads the plan sees them on the plan page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render

from clinic import audit
from clinic.permissions import Can, role_required
from intake.diagnoses import billable_problem, description
from intake.selectors import current_health_history
from treatment_plans.forms.diagnoses import DiagnosisAddForm
from treatment_plans.models import PlanDiagnosis, TreatmentPlan
from treatment_plans.services import diagnoses as services

CHARTERS = tuple(Can.chart.fget.roles)


def _suggestion(request, plan, held) -> dict | None:
    """The health history's ICD-10 code, offered as a one-click add while the plan has none
    (and only when it is billable: a category would be refused)."""
    if held:
        return None
    history = current_health_history(user=request.user, client=plan.client)
    code = services.normalise(history.icd10_code) if history and history.icd10_code else ""
    if not code or billable_problem(code):
        return None
    return {"code": code, "description": description(code)}


@role_required(*CHARTERS)
def plan_diagnoses(request, plan_id):
    plan = get_object_or_404(
        TreatmentPlan.objects.visible_to(request.user).select_related("client", "therapist"),
        pk=plan_id,
    )
    form = DiagnosisAddForm()
    if request.method == "POST":
        action = request.POST.get("action", "add")
        if action == "add":
            form = DiagnosisAddForm(request.POST)
            if form.is_valid():
                try:
                    added = services.plan_diagnosis_add(
                        actor=request.user, plan=plan, code=form.cleaned_data["code"]
                    )
                except ValidationError as error:
                    for message in error.message_dict.get("code", error.messages):
                        form.add_error("code", message)
                else:
                    messages.success(request, f"{added.code} added as diagnosis {added.position}.")
                    return redirect("plan_diagnoses", plan_id=plan.pk)
        else:
            diagnosis = _diagnosis(request, plan)
            if diagnosis is None:
                messages.error(request, "That diagnosis is no longer on the plan.")
            elif action == "remove":
                services.plan_diagnosis_remove(actor=request.user, diagnosis=diagnosis)
                messages.success(request, f"{diagnosis.code} removed.")
            elif action in ("up", "down"):
                services.plan_diagnosis_move(
                    actor=request.user, diagnosis=diagnosis, up=action == "up"
                )
            return redirect("plan_diagnoses", plan_id=plan.pk)
    else:
        audit.record(
            actor=request.user,
            action="view",
            client=plan.client,
            target=plan,
            detail="plan diagnoses",
        )
    held = list(PlanDiagnosis.objects.visible_to(request.user).filter(plan=plan))
    return render(
        request,
        "treatment_plans/diagnoses.html",
        {
            "plan": plan,
            "client": plan.client,
            "diagnoses": held,
            "form": form,
            "full": len(held) >= PlanDiagnosis.MAX,
            "suggestion": _suggestion(request, plan, held),
        },
    )


def _diagnosis(request, plan) -> PlanDiagnosis | None:
    try:
        return (
            PlanDiagnosis.objects.visible_to(request.user)
            .filter(plan=plan, pk=request.POST.get("diagnosis", ""))
            .first()
        )
    except ValidationError:  # not a UUID
        return None
