"""Contraindication checks: the plan's chosen techniques against the flags of the client's
current health history, by the rules the clinic admin keeps (ContraindicationRule).

A conflict is shown with its severity and reason. A "contraindicated" conflict blocks
activation until the technique is removed (which resolves it) or the therapist overrides it
with a written reason. "Clearance" conflicts can be sent to the client's physician; "caution"
conflicts inform. Warnings, never silent blocks (DOMAIN.md).

The matching is the engine's (treatment_plans/screening.py), the same the note screen and
`manage.py screen_case` use. A plan names techniques, not where or how: its items have no
region (so rules about a region apply: the work may go there), no position and no pressure
(rules about those are checked at the table, on the note)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from clinic.clinic_time import today
from intake.models import HealthHistory
from intake.screening_facts import Event, Facts
from treatment_plans.models import (
    ClearanceRequest,
    ConflictOverride,
    ContraindicationRule,
    PlanVersion,
    Severity,
    Technique,
)
from treatment_plans.screening import REGIONS, PlanItem, facts_keys, rule_of, screen

SEVERITY_ORDER = {Severity.CONTRAINDICATED: 0, Severity.CLEARANCE: 1, Severity.CAUTION: 2}


@dataclass(frozen=True)
class Conflict:
    rule: ContraindicationRule
    technique: Technique | None  # None: the rule concerns every technique
    override: ConflictOverride | None = None
    clearance: ClearanceRequest | None = None

    @property
    def severity(self) -> str:
        return self.rule.severity

    @property
    def reason(self) -> str:
        return self.rule.reason

    @property
    def blocking(self) -> bool:
        return self.severity == Severity.CONTRAINDICATED and self.override is None

    @property
    def awaiting_clearance(self) -> bool:
        """Asked of the physician, not answered yet: the technique waits for the answer."""
        return (
            self.clearance is not None and self.clearance.status == ClearanceRequest.Status.PENDING
        )

    @property
    def clearance_declined(self) -> bool:
        return (
            self.clearance is not None
            and self.clearance.status == ClearanceRequest.Status.DECLINED
            and self.override is None
        )

    @property
    def key(self) -> str:
        """Identifies the conflict in forms: '<rule id>:<technique id or "all">'."""
        return f"{self.rule.pk}:{self.technique.pk if self.technique else 'all'}"

    @property
    def subject(self) -> str:
        return self.technique.name if self.technique else "All techniques"


def current_history(client) -> HealthHistory | None:
    return HealthHistory.objects.filter(client=client).order_by("-version").first()


def current_flags(client) -> set[str]:
    """Flags of the client's latest health history (an internal check, not a user's read)."""
    history = current_history(client)
    return set(history.conditions) if history else set()


_SITE_WORDS = {
    "wrist": "hand",
    "finger": "hand",
    "thumb": "hand",
    "elbow": "forearm",
    "arm": "upper_arm",
    "back": "upper_back",
    "low back": "lower_back",
    "lumbar": "lower_back",
    "glute": "gluteal",
    "buttock": "gluteal",
    "shin": "calf",
    "leg": "calf",
    "toe": "foot",
    "belly": "abdomen",
    "breast": "chest",
}


def site_region(site: str) -> tuple[str, str]:
    """A body region and side read from a free-text site ("left knee" -> knee, left); ("", "")
    when no region word is found: screening then treats the site as unknown."""
    text = site.lower().replace("-", " ")
    side = next((s for s in ("left", "right") if re.search(rf"\b{s}\b", text)), "")
    words = {key.replace("_", " "): key for key in REGIONS} | _SITE_WORDS
    for word in sorted(words, key=len, reverse=True):  # "upper arm" before "arm"
        if re.search(rf"\b{word}s?\b", text):
            return words[word], side
    return "", ""


def facts_of(history: HealthHistory | None, as_of=None) -> Facts:
    """What screening knows from a health history on a day: the shared builder
    (intake.screening_facts.facts_for) where it exists, else from the history's fields."""
    as_of = as_of or today()
    if history is None:
        return Facts(as_of=as_of)
    try:
        from intake.screening_facts import facts_for
    except ImportError:
        facts_for = None
    if facts_for is not None:
        return facts_for(history, as_of=as_of)
    events = []
    if "recent_surgery" in history.conditions and (
        history.recent_surgery_date or history.recent_surgery_site
    ):
        region, side = site_region(history.recent_surgery_site)
        events.append(Event("recent_surgery", history.recent_surgery_date, region, side))
    return Facts(
        as_of=as_of,
        conditions=frozenset(history.conditions),
        events=tuple(events),
        pregnancy_due_date=history.pregnancy_due_date,
    )


def findings_for(client, items: list[PlanItem], *, as_of=None) -> list:
    """The findings for this work (technique, region, side, position, pressure) on the client's
    current health history: what the note screen checks at the table. Two queries."""
    return screen(facts_of(current_history(client), as_of), items)


def planned_item(planned) -> PlanItem:
    """A plan's technique row as screening reads it: the region (and side) named in its target
    areas, and its position and pressure when the plan gives them."""
    region, side = site_region(planned.target_areas)
    return PlanItem(
        technique=planned.technique.key,
        region=region,
        side=side,
        position=planned.position,
        pressure=planned.pressure,
    )


def conflicts_for(version: PlanVersion, *, flags: set[str] | None = None) -> list[Conflict]:
    """Every conflict between the version's techniques and the client's health history, most
    severe first, each with its override and latest clearance request if any. Five queries.
    `flags`: screen these condition keys instead of the history's."""
    history = current_history(version.plan.client)
    facts = facts_of(history)
    if flags is not None:
        facts = Facts(as_of=facts.as_of, conditions=frozenset(flags))
    planned = list(version.techniques.select_related("technique"))
    chosen = {pt.technique_id: pt.technique for pt in planned}
    keys = facts_keys(facts)
    if not keys or not chosen:
        return []
    rows = {
        str(row.pk): row
        for row in ContraindicationRule.objects.filter(
            is_active=True, condition__in=keys
        ).select_related("technique")
    }
    by_key = {t.key: t for t in chosen.values()}
    findings = screen(
        facts, [planned_item(pt) for pt in planned], [rule_of(r) for r in rows.values()]
    )
    overrides = {
        (o.rule_id, o.technique_id): o for o in version.overrides.select_related("decided_by")
    }
    clearances = {}
    # Of the whole plan, not only this version: an answer given for an earlier version still
    # stands when the plan changes, and a question still open holds the new version back too.
    asked = ClearanceRequest.objects.filter(version__plan_id=version.plan_id)
    for request in asked.select_related("care_team_member__physician").order_by("created_at"):
        clearances[(request.rule_id, request.technique_id)] = request  # the latest wins
    conflicts, seen = [], set()
    for finding in findings:
        rule = rows[finding.rule_id]
        technique = by_key[finding.technique] if rule.technique_id else None
        key = (rule.pk, rule.technique_id)
        if key in seen:
            continue  # a rule about every technique is one conflict, not one per technique
        seen.add(key)
        conflicts.append(Conflict(rule, technique, overrides.get(key), clearances.get(key)))
    return sorted(
        conflicts, key=lambda c: (SEVERITY_ORDER[c.severity], c.subject, c.rule.condition)
    )


def find_conflict(version: PlanVersion, key: str) -> Conflict | None:
    return next((c for c in conflicts_for(version) if c.key == key), None)


def pending_clearances(client) -> dict:
    """The client's clearance requests still waiting for the physician, by technique id (None:
    the rule concerns every technique); the latest request of each."""
    pending = (
        ClearanceRequest.objects.filter(
            version__plan__client=client, status=ClearanceRequest.Status.PENDING
        )
        .select_related("care_team_member__physician", "technique")
        .order_by("created_at")
    )
    return {request.technique_id: request for request in pending}


def answered_clearances(client) -> dict:
    """The physician's latest answer about each technique (None: every technique) for the
    client's plans: what the table must respect (a decline) or show (restrictions)."""
    answered = (
        ClearanceRequest.objects.filter(version__plan__client=client)
        .exclude(status=ClearanceRequest.Status.PENDING)
        .select_related("care_team_member__physician", "technique")
        .order_by("responded_at")
    )
    return {request.technique_id: request for request in answered}


def clearance_awaited_for(pending: dict, technique) -> ClearanceRequest | None:
    """The open request that covers this technique: its own, or one about every technique."""
    return pending.get(technique.pk) or pending.get(None)
