"""The plan page's way to the progress page, with the reassessment prompt for clinicians.
A template tag because the plan page (treatment_plans) may not import this app."""

from __future__ import annotations

from django import template

from clinic.roles import CLINICAL_WRITERS, CLINICIAN_ROLES, role_of
from sessions_log.selectors_progress import plan_reassessment

register = template.Library()


@register.inclusion_tag("sessions_log/progress_link.html", takes_context=True)
def progress_link(context, plan):
    user = context["user"]
    role = role_of(user)
    # The prompt is a clinician's to-do: clients and physicians get the link only.
    due = None
    if role in CLINICIAN_ROLES and plan.status == plan.Status.ACTIVE:
        due = plan_reassessment(user=user, plan=plan)
    return {
        "plan": plan,
        "due": due,
        "writer": role in CLINICAL_WRITERS,
        "client_id": plan.client_id,
    }
