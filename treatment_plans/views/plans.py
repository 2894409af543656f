"""Plan pages: the list per client, the editor (draft versions), the plan with its
contraindication warnings, overrides, clearance requests and activation, and each version."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from clinic import audit
from clinic.models import CareTeamMember, Client
from clinic.permissions import Can, role_required
from clinic.roles import Role
from clinic.submissions import creates_once, saved
from intake.models import Assessment
from intake.selectors import current_health_history
from treatment_plans import page_parts
from treatment_plans.contraindications import conflicts_for
from treatment_plans.forms.plans import (
    ClearanceForm,
    CloseForm,
    MilestoneFormSet,
    OverrideForm,
    PlanVersionForm,
    TechniqueFormSet,
    milestone_initial,
    technique_initial,
)
from treatment_plans.models import PlanDiagnosis, PlanVersion, TreatmentPlan
from treatment_plans.services import plans as plan_services

READERS = (Role.ADMIN, Role.THERAPIST, Role.CLIENT, Role.PHYSICIAN)
THERAPIST = (Role.THERAPIST,)


def _client(request, client_id) -> Client:
    return get_object_or_404(Client.objects.visible_to(request.user), pk=client_id)


def _plan(request, plan_id) -> TreatmentPlan:
    return get_object_or_404(
        TreatmentPlan.objects.visible_to(request.user).select_related("client", "therapist"),
        pk=plan_id,
    )


VERSION_ROWS = (
    "techniques__technique",
    "milestones__rom_norm",
    "overrides__rule",
    "overrides__decided_by",
)


def _shown_version(request, plan) -> PlanVersion | None:
    """Staff see the newest version (a draft if one exists); others the active one."""
    versions = PlanVersion.objects.visible_to(request.user).filter(plan=plan)
    return (
        versions.select_related("activated_by", "created_by")
        .prefetch_related(*VERSION_ROWS)
        .order_by("-number")
        .first()
    )


@role_required(*READERS)
def plan_list(request, client_id):
    client = _client(request, client_id)
    plans = TreatmentPlan.objects.visible_to(request.user).filter(client=client)
    audit.record(actor=request.user, action="list", client=client, detail="treatment plans")
    return render(
        request,
        "treatment_plans/plan_list.html",
        {
            "client": client,
            "plans": plans.select_related("therapist"),
            "may_write": Can(request.user).chart,
        },
    )


def _editor(request, *, client, version=None, initial=None):
    post = request.POST if request.method == "POST" else None
    return (
        PlanVersionForm(post, instance=version, initial=initial or {}),
        TechniqueFormSet(post, prefix="techniques", initial=technique_initial(version)),
        MilestoneFormSet(
            post, prefix="milestones", initial=_milestones_start(request, client, version)
        ),
    )


def _milestones_start(request, client, version):
    if version is not None:
        return milestone_initial(version)
    latest = Assessment.objects.visible_to(request.user).filter(client=client).first()
    if latest is None or latest.nprs is None:
        return []
    return [{"kind": "nprs", "comparator": "lte", "baseline_value": latest.nprs, "target_value": 3}]


def _from_history(request, client) -> dict:
    history = current_health_history(user=request.user, client=client)
    if history is None:
        return {}
    who = history.referring_physician or history.referring_physician_name
    code = f" ({history.icd10_code})" if history.icd10_code else ""
    referral = f"{who}: {history.diagnosis}{code}" if who else history.diagnosis + code
    return {
        "health_goal": history.client_goals,
        "clinical_reason": history.diagnosis,
        "referral": referral[:300],
    }


def _save_editor(request, forms, save):
    form, techniques, milestones = forms
    if not (form.is_valid() and techniques.is_valid() and milestones.is_valid()):
        return None
    try:
        return save(form.version_data(), techniques.rows(), milestones.rows())
    except ValidationError as error:
        _attach(error, form)
        return None


def _attach(error, form):
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages_ in error.message_dict.items():
        if field in form.fields:
            form.add_error(field, messages_)
        else:
            form.add_error(None, messages_)


@role_required(*THERAPIST)
@creates_once
def plan_new(request, client_id):
    client = _client(request, client_id)
    forms = _editor(request, client=client, initial=_from_history(request, client))
    if request.method == "GET":  # the editor shows the client's history and warnings
        audit.record(actor=request.user, action="view", client=client, detail="new plan form")
    if request.method == "POST":
        plan = _save_editor(
            request,
            forms,
            lambda data, techniques, milestones: plan_services.plan_create(
                actor=request.user,
                client=client,
                data=data,
                techniques=techniques,
                milestones=milestones,
            ),
        )
        if plan is not None:
            messages.success(request, "Draft plan saved. Check the warnings, then activate it.")
            return saved(redirect("plan_detail", plan_id=plan.pk))
    return _render_editor(request, client, forms, plan=None)


@role_required(*THERAPIST)
def plan_edit(request, plan_id):
    plan = _plan(request, plan_id)
    version = _shown_version(request, plan)
    if not version.is_draft:
        messages.info(request, "The active version cannot change. Start a new version first.")
        return redirect("plan_detail", plan_id=plan.pk)
    forms = _editor(request, client=plan.client, version=version)
    if request.method == "POST":
        saved = _save_editor(
            request,
            forms,
            lambda data, techniques, milestones: plan_services.plan_version_save(
                actor=request.user,
                version=version,
                data=data,
                techniques=techniques,
                milestones=milestones,
            ),
        )
        if saved is not None:
            messages.success(request, f"Draft version {version.number} saved.")
            return redirect("plan_detail", plan_id=plan.pk)
    return _render_editor(request, plan.client, forms, plan=plan, version=version)


def _render_editor(request, client, forms, *, plan, version=None):
    form, techniques, milestones = forms
    return render(
        request,
        "treatment_plans/plan_form.html",
        {
            "client": client,
            "plan": plan,
            "version": version,
            "form": form,
            "techniques": techniques,
            "milestones": milestones,
        },
    )


@role_required(*READERS)
def plan_detail(request, plan_id):
    plan = _plan(request, plan_id)
    version = _shown_version(request, plan)
    audit.record(actor=request.user, action="view", client=plan.client, target=version or plan)
    return _render_detail(request, plan, version)


def _render_detail(request, plan, version, *, override_form=None, clearance_form=None, status=200):
    can = Can(request.user)
    staff, writer = can.see_clinical_detail, can.chart
    conflicts = conflicts_for(version) if staff and version else []
    members = (
        CareTeamMember.objects.sharing().filter(client=plan.client).select_related("physician")
    )
    draft = writer and version is not None and version.is_draft
    versions = PlanVersion.objects.visible_to(request.user).filter(plan=plan).order_by("-number")
    return render(
        request,
        "treatment_plans/plan_detail.html",
        {
            "plan": plan,
            "client": plan.client,
            "version": version,
            "conflicts": conflicts,
            "staff": staff,
            "writer": writer,
            "problems": plan_services.activation_problems(version, conflicts) if draft else [],
            "versions": versions,
            "override_form": override_form,
            "clearance_form": clearance_form,
            "members": members,
            "close_form": CloseForm(),
            "diagnoses": PlanDiagnosis.objects.visible_to(request.user).filter(plan=plan),
            **page_parts.context_for(
                "progress",
                "latest_pdf",
                "reassessment_due",
                "authorizations",
                user=request.user,
                version=version,
            ),
        },
        status=status,
    )


@role_required(*READERS)
def plan_version_detail(request, version_id):
    version = get_object_or_404(
        PlanVersion.objects.visible_to(request.user)
        .select_related("plan__client", "created_by", "activated_by")
        .prefetch_related(*VERSION_ROWS),
        pk=version_id,
    )
    audit.record(actor=request.user, action="view", client=version.plan.client, target=version)
    return render(
        request,
        "treatment_plans/version_detail.html",
        {
            "version": version,
            "plan": version.plan,
            "client": version.plan.client,
            **page_parts.context_for("progress", user=request.user, version=version),
        },
    )


def _act(request, plan_id, action, success):
    """Run a POSTed plan action; a refusal comes back as a message on the plan page. Only a
    success is `saved` (which counts under @creates_once: a new version)."""
    plan = _plan(request, plan_id)
    try:
        action(plan)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("plan_detail", plan_id=plan.pk)
    messages.success(request, success)
    return saved(redirect("plan_detail", plan_id=plan.pk))


@role_required(*THERAPIST)
@require_POST
def plan_activate(request, plan_id):
    return _act(
        request,
        plan_id,
        lambda plan: plan_services.plan_activate(
            actor=request.user, version=_shown_version(request, plan)
        ),
        "Plan activated. The PDF summary for the care team is being prepared.",
    )


@role_required(*THERAPIST)
@require_POST
@creates_once
def plan_new_version(request, plan_id):
    return _act(
        request,
        plan_id,
        lambda plan: plan_services.plan_new_version(actor=request.user, plan=plan),
        "A new draft version was started from the active one.",
    )


@role_required(*THERAPIST)
@require_POST
def plan_close(request, plan_id):
    form = CloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose how the plan ends.")
        return redirect("plan_detail", plan_id=plan_id)
    return _act(
        request,
        plan_id,
        lambda plan: plan_services.plan_close(actor=request.user, plan=plan, **form.cleaned_data),
        "Plan closed.",
    )


@role_required(*THERAPIST)
@require_POST
@creates_once
def plan_override(request, plan_id):
    return _conflict_action(
        request,
        plan_id,
        make_form=lambda plan: OverrideForm(request.POST),
        act=lambda version, data: plan_services.conflict_override(
            actor=request.user,
            version=version,
            conflict_key=data["conflict"],
            reason=data["reason"],
        ),
        success="Override recorded; it will be printed in the plan PDF.",
        form_name="override_form",
    )


@role_required(*THERAPIST)
@require_POST
@creates_once
def plan_clearance(request, plan_id):
    return _conflict_action(
        request,
        plan_id,
        make_form=lambda plan: ClearanceForm(
            request.POST, members=CareTeamMember.objects.sharing().filter(client=plan.client)
        ),
        act=lambda version, data: plan_services.clearance_request_send(
            actor=request.user,
            version=version,
            conflict_key=data["conflict"],
            care_team_member=data["care_team_member"],
            question=data["question"],
        ),
        success="Clearance request sent to the physician.",
        form_name="clearance_form",
    )


def _conflict_action(request, plan_id, *, make_form, act, success, form_name):
    """A form about one contraindication warning: on success back to the plan, otherwise the
    plan page again with the form's errors beside that warning."""
    plan = _plan(request, plan_id)
    version = _shown_version(request, plan)
    form = make_form(plan)
    if form.is_valid():
        try:
            act(version, form.cleaned_data)
        except ValidationError as error:
            _attach(error, form)
        else:
            messages.success(request, success)
            return saved(redirect("plan_detail", plan_id=plan.pk))
    return _render_detail(request, plan, version, **{form_name: form})
