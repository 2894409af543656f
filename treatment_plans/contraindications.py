"""Contraindication checks: the plan's chosen techniques against the flags of the client's
current health history, by the rules the clinic admin keeps (ContraindicationRule).

A conflict is shown with its severity and reason. A "contraindicated" conflict blocks
activation until the technique is removed (which resolves it) or the therapist overrides it
with a written reason. "Clearance" conflicts can be sent to the client's physician; "caution"
conflicts inform. Warnings, never silent blocks (DOMAIN.md)."""

from __future__ import annotations

from dataclasses import dataclass

from intake.models import HealthHistory
from treatment_plans.models import (
    ClearanceRequest,
    ConflictOverride,
    ContraindicationRule,
    PlanVersion,
    Severity,
    Technique,
)

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


def current_flags(client) -> set[str]:
    """Flags of the client's latest health history (an internal check, not a user's read)."""
    history = HealthHistory.objects.filter(client=client).order_by("-version").first()
    return set(history.conditions) if history else set()


def conflicts_for(version: PlanVersion, *, flags: set[str] | None = None) -> list[Conflict]:
    """Every conflict between the version's techniques and the client's flags, most severe
    first, each with its override and latest clearance request if any. Four queries."""
    flags = current_flags(version.plan.client) if flags is None else flags
    chosen = {
        pt.technique_id: pt.technique for pt in version.techniques.select_related("technique")
    }
    if not flags or not chosen:
        return []
    rules = ContraindicationRule.objects.filter(is_active=True, condition__in=flags).select_related(
        "technique"
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
    conflicts = []
    for rule in rules:
        if rule.technique_id is not None and rule.technique_id not in chosen:
            continue
        key = (rule.pk, rule.technique_id)
        technique = chosen.get(rule.technique_id)
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


def clearance_awaited_for(pending: dict, technique) -> ClearanceRequest | None:
    """The open request that covers this technique: its own, or one about every technique."""
    return pending.get(technique.pk) or pending.get(None)
