"""The plan page's way to the progress page, with the reassessment prompt for clinicians.
A template tag because the plan page (treatment_plans) may not import this app."""

from __future__ import annotations

from django import template

from clinic.permissions import Can
from sessions_log.selectors_progress import plan_reassessment

register = template.Library()


@register.inclusion_tag("sessions_log/progress_link.html", takes_context=True)
def progress_link(context, plan):
    user = context["user"]
    can = Can(user)
    # The prompt is a clinician's to-do: clients and physicians get the link only.
    due = None
    if can.see_clinical_detail and plan.status == plan.Status.ACTIVE:
        due = plan_reassessment(user=user, plan=plan)
    return {
        "plan": plan,
        "due": due,
        "writer": can.chart,
        "client_id": plan.client_id,
    }
