"""Progress pages: one plan's progress (sessions against planned, milestones, charts,
reassessment and completion prompts, what worked), and a client's way in to it."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, redirect, render

from clinic import audit
from clinic.models import Client
from clinic.permissions import Can, role_required
from clinic.roles import Role
from sessions_log.selectors_progress import (
    current_version_by_plan_id,
    version_progress,
    what_worked,
)
from treatment_plans.models import TreatmentPlan

# Progress is shared with the client (own) and consented physicians; never the front desk.
READERS = (Role.ADMIN, Role.THERAPIST, Role.CLIENT, Role.PHYSICIAN)


@role_required(*READERS)
def plan_progress_page(request, plan_id):
    # Most plans have an activated version: it brings its plan and client in one read.
    version = current_version_by_plan_id(user=request.user, plan_id=plan_id)
    if version is not None:
        plan = version.plan
    else:
        plan = get_object_or_404(
            TreatmentPlan.objects.visible_to(request.user).select_related("client"), pk=plan_id
        )
    every_session = request.GET.get("sessions") == "all"
    progress = version_progress(
        user=request.user, plan=plan, version=version, every_session=every_session
    )
    audit.record(
        actor=request.user, action="view", client=plan.client, target=plan, detail="progress"
    )
    can = Can(request.user)
    return render(
        request,
        "sessions_log/progress.html",
        {
            "plan": plan,
            "client": plan.client,
            "progress": progress,
            "techniques": what_worked(
                user=request.user, plan=plan, sessions=progress.worked_sessions
            ),
            "staff": can.see_clinical_detail,
            "writer": can.chart,
        },
    )


@role_required(*READERS)
def client_progress(request, client_id):
    """The current plan's progress page, or a page saying there is no current plan."""
    client = get_object_or_404(Client.objects.visible_to(request.user), pk=client_id)
    plans = TreatmentPlan.objects.visible_to(request.user).filter(client=client)
    current = plans.filter(status=TreatmentPlan.Status.ACTIVE).first()
    if current is not None:
        return redirect("plan_progress", plan_id=current.pk)
    audit.record(actor=request.user, action="view", client=client, detail="progress (no plan)")
    return render(
        request,
        "sessions_log/progress_none.html",
        {"client": client, "plans": plans.order_by("-created_at")[:5]},
    )
