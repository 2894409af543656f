"""Health alerts and the before-treatment checklist, for every clinical page of a client."""

from __future__ import annotations

from django import template

from clinic.clinic_time import today
from clinic.date_formats import day
from clinic.permissions import Can
from intake.medications import class_label, match_medications
from intake.screening_facts import facts_for, postpartum_summary, pregnancy_summary
from intake.selectors import health_alerts_source, missing_for_care

register = template.Library()

BIRTH_KEYS = ("postpartum", "c_section")


@register.inclusion_tag("intake/_health_alerts.html", takes_context=True)
def health_alerts(context, client):
    """The flags of the current health history, with the weeks of a pregnancy or since a
    birth on today's date and the medications recognised in what the client wrote (and, for
    the therapist, a button to confirm their classes into the history); nothing for roles
    that may not see it."""
    request = context["request"]
    history = health_alerts_source(user=request.user, client=client)
    if history is None:
        return {"history": None, "client": client}
    facts = facts_for(history, as_of=today())
    pregnancy, postpartum = pregnancy_summary(facts), postpartum_summary(facts)
    lines = []
    for flag, detail in history.flag_details:
        extra = ""
        if flag.key == "pregnancy":
            extra = pregnancy
        if flag.key in BIRTH_KEYS and postpartum:
            extra, postpartum = postpartum, ""  # once, on the first of the two
        lines.append((flag.label, "; ".join(part for part in (detail, extra) if part)))
    if pregnancy and "pregnancy" not in history.conditions:  # a due date, the box not ticked
        lines.append(("Pregnant", f"{pregnancy}, due {day(history.pregnancy_due_date)}"))
    if postpartum:
        lines.append(("Gave birth", f"{postpartum} (on {day(history.delivery_date)})"))
    held = set(history.medication_classes) | set(history.conditions)
    matches = [
        {"text": m.text, "label": class_label(m.drug_class), "confirmed": m.drug_class in held}
        for m in facts.medications
    ]
    to_confirm = [
        k for k in dict.fromkeys(m.drug_class for m in facts.medications) if k not in held
    ]
    return {
        "history": history,
        "client": client,
        "lines": lines,
        "matches": matches,
        "to_confirm": to_confirm if Can(request.user).chart else [],
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }


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


@register.simple_tag
def recognised_medications(history):
    """The drugs recognised in a version's medications as written, each with its class and
    whether the history already holds that class (confirmed, or ticked on the checklist)."""
    held = set(history.medication_classes or []) | set(history.conditions or [])
    return [
        {"text": m.text, "label": class_label(m.drug_class), "confirmed": m.drug_class in held}
        for m in match_medications(history.medications)
    ]


@register.filter
def medication_class(key):
    """What a person reads for a medication class key ("anticoagulants": "anticoagulant")."""
    return class_label(key)
