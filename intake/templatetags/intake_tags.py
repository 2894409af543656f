"""Health alerts and the before-treatment checklist, for every clinical page of a client."""

from __future__ import annotations

from django import template

from clinic.permissions import Can
from intake.selectors import health_alerts_source, missing_for_care

register = template.Library()


@register.inclusion_tag("intake/_health_alerts.html", takes_context=True)
def health_alerts(context, client):
    """The flags of the current health history; nothing for roles that may not see it."""
    history = health_alerts_source(user=context["request"].user, client=client)
    return {"history": history, "client": client}


@register.inclusion_tag("intake/_care_readiness.html", takes_context=True)
def care_readiness(context, client):
    can = Can(context["request"].user)
    if not can.see_care_readiness:
        return {"show": False}
    return {"show": True, "missing": missing_for_care(client), "client": client, "can": can}


@register.simple_tag
def pain_map(regions, title="Pain map"):
    """The body chart drawn from stored intensities (read-only; the same SVG goes to PDFs)."""
    from intake.body_chart import render_body_chart

    return render_body_chart(regions or {}, interactive=False, title=title)
