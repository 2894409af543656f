"""The contraindication engine: a client's facts (intake/screening_facts.py) against the
work planned or done (technique, body region and side, position, pressure), by the rules the
clinic admin keeps (ContraindicationRule). Used by the plan screen, the note screen and
`manage.py screen_case`.

`screen(facts, items)` is pure given the rules: it reads the active rules once (one query)
unless they are passed in, and returns findings in a fixed order (most severe first, then
technique, condition).

How a rule matches an item (PlanItem):
- its condition is among the facts' keys (conditions, medication classes, dated events,
  pregnancy from the due date, postpartum from the delivery date);
- its technique is the item's, or it concerns every technique;
- regions: when the rule names regions, the item's region is one of them. An item that names
  no region (a plan names techniques, not where) may be anywhere, so the rule applies;
- positions / pressures: when the rule names any, the item's position / pressure is one of
  them (an item that names none does not match: such rules are checked at the table);
- time: pregnancy weeks (from the due date), days since the matching event's date (since the
  delivery for postpartum). A condition known without a date matches every day window: the
  therapist must ask;
- local scope: the work is on the area of a matching event: its region, or another region of
  the same limb the rule names (a clot in the left calf: the whole left leg), on its side. A
  condition known without a site matches wherever the rule's regions allow.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from intake.screening_facts import Event, Facts

REGIONS = (
    "head",
    "face",
    "neck",
    "upper_back",
    "lower_back",
    "chest",
    "abdomen",
    "shoulder",
    "upper_arm",
    "forearm",
    "hand",
    "hip",
    "gluteal",
    "thigh",
    "knee",
    "calf",
    "ankle",
    "foot",
)
SIDES = ("left", "right")
POSITIONS = ("prone", "supine", "side_lying", "seated")
PRESSURES = ("light", "moderate", "deep")
TECHNIQUES = (
    "swedish",
    "deep_tissue",
    "trigger_point",
    "sports",
    "reflexology",
    "myofascial_release",
    "prenatal",
    "cupping",
)
# The catalogue's older key for the prenatal technique; both are accepted.
TECHNIQUE_ALIASES = {"prenatal": "prenatal_postnatal"}

ARM = ("shoulder", "upper_arm", "forearm", "hand")
LEG = ("hip", "gluteal", "thigh", "knee", "calf", "ankle", "foot")
LIMBS = (ARM, LEG)

# The health history's condition vocabulary (issue 17), beside the checklist's older keys
# (intake/conditions.py), the medication classes (intake/medications.py) and what dates say.
CONDITIONS = (
    "anticoagulants",
    "antiplatelets",
    "corticosteroids",
    "bleeding_disorder",
    "dvt_current",
    "dvt_history",
    "varicose_veins",
    "uncontrolled_hypertension",
    "heart_failure",
    "pacemaker",
    "recent_surgery",
    "recent_fracture",
    "acute_injury",
    "osteoporosis",
    "cancer_current",
    "cancer_history",
    "bone_metastases",
    "radiation_site",
    "lymphedema",
    "lymph_node_removal",
    "diabetes",
    "neuropathy",
    "epilepsy",
    "fever",
    "contagious_skin",
    "skin_condition",
    "open_wound",
    "abdominal_aortic_aneurysm",
    "carotid_artery_disease",
    "kidney_failure",
    "liver_failure",
    "steroid_injection",
    "postpartum",
    "c_section",
)
MEDICATION_CLASSES = (
    "anticoagulants",
    "antiplatelets",
    "corticosteroids",
    "analgesics",
    "muscle_relaxants",
    "diabetes_drugs",
    "bisphosphonates",
    "chemotherapy",
    "antihypertensives",
)
# Older checklist keys with one meaning in the new vocabulary: a history written before the
# split still meets the rules. "dvt" was "now or in the past": screened as current (the safe
# reading) until the history is reviewed.
LEGACY_KEYS = {
    "dvt": "dvt_current",
    "fracture": "recent_fracture",
    "fever_infection": "fever",
    "infectious_skin": "contagious_skin",
    "cancer_treatment": "cancer_current",
}

SEVERITY_RANK = {"contraindicated": 0, "clearance": 1, "caution": 2}


def condition_keys() -> frozenset[str]:
    """Every key a rule or a case may name."""
    from intake import conditions

    return frozenset(CONDITIONS) | set(MEDICATION_CLASSES) | conditions.KEYS | {"pregnancy"}


@dataclass(frozen=True)
class PlanItem:
    """One piece of work: a technique key, and where and how when known."""

    technique: str
    region: str = ""
    side: str = ""
    position: str = ""
    pressure: str = ""


@dataclass(frozen=True)
class Finding:
    technique: str  # the item's technique key
    severity: str
    scope: str  # "general" or "local"
    condition: str
    region: str  # the item's region ("" when the item names none)
    reason: str
    source: str
    rule_id: str
    side: str = ""
    rule_technique: str = ""  # "" when the rule concerns every technique


@dataclass(frozen=True)
class Rule:
    """A rule as the engine reads it (a ContraindicationRule row, or written by a test)."""

    id: str
    condition: str
    technique: str = ""  # "" for every technique
    severity: str = "caution"
    local: bool = False
    regions: tuple[str, ...] = ()
    positions: tuple[str, ...] = ()
    pressures: tuple[str, ...] = ()
    pregnancy_weeks_from: int | None = None
    pregnancy_weeks_to: int | None = None
    days_from: int | None = None
    days_to: int | None = None
    reason: str = ""
    source: str = ""

    @property
    def scope(self) -> str:
        return "local" if self.local else "general"


def rule_of(row) -> Rule:
    technique = row.technique.key if row.technique_id else ""
    return Rule(
        id=str(row.pk),
        condition=row.condition,
        technique=technique,
        severity=row.severity,
        local=row.local,
        regions=tuple(row.regions or ()),
        positions=tuple(row.positions or ()),
        pressures=tuple(row.pressures or ()),
        pregnancy_weeks_from=row.pregnancy_weeks_from,
        pregnancy_weeks_to=row.pregnancy_weeks_to,
        days_from=row.days_from,
        days_to=row.days_to,
        reason=row.reason,
        source=row.source,
    )


def active_rules() -> list[Rule]:
    """The active rules, in one query."""
    from treatment_plans.models import ContraindicationRule

    rows = ContraindicationRule.objects.filter(is_active=True).select_related("technique")
    return [rule_of(row) for row in rows]


def facts_keys(facts: Facts) -> frozenset[str]:
    """The facts' keys, with postpartum from the delivery date and older keys translated."""
    keys = set(facts.keys)
    if facts.days_since_delivery is not None:
        keys.add("postpartum")
    keys |= {LEGACY_KEYS[key] for key in keys if key in LEGACY_KEYS}
    return frozenset(keys)


def _events(facts: Facts, condition: str) -> list[Event]:
    legacy = {old for old, new in LEGACY_KEYS.items() if new == condition}
    return [e for e in facts.events if e.condition == condition or e.condition in legacy]


def _days_since(facts: Facts, event: Event | None, condition: str) -> int | None:
    if event is not None and event.date is not None:
        return (facts.as_of - event.date).days
    if condition in ("postpartum", "c_section"):
        return facts.days_since_delivery
    return None


def _in_days(rule: Rule, days: int | None) -> bool:
    if rule.days_from is None and rule.days_to is None:
        return True
    if days is None:
        return True  # known without a date: the therapist must ask
    if rule.days_from is not None and days < rule.days_from:
        return False
    return rule.days_to is None or days <= rule.days_to


def _in_weeks(rule: Rule, weeks: int | None) -> bool:
    if rule.pregnancy_weeks_from is None and rule.pregnancy_weeks_to is None:
        return True
    if weeks is None:
        return False
    if rule.pregnancy_weeks_from is not None and weeks < rule.pregnancy_weeks_from:
        return False
    return rule.pregnancy_weeks_to is None or weeks <= rule.pregnancy_weeks_to


def _same_area(rule: Rule, event: Event, item: PlanItem) -> bool:
    if not item.region:
        return True  # the item may be anywhere
    if item.region != event.region:
        limb = next((limb for limb in LIMBS if event.region in limb), ())
        if not (item.region in limb and item.region in rule.regions):
            return False
    return not (event.side and item.side and event.side != item.side)


def _technique_matches(rule: Rule, item: PlanItem) -> bool:
    if not rule.technique:
        return True
    names = {item.technique, TECHNIQUE_ALIASES.get(item.technique, item.technique)}
    return rule.technique in names or TECHNIQUE_ALIASES.get(rule.technique) in names


def _matches(rule: Rule, facts: Facts, item: PlanItem) -> bool:
    if not _technique_matches(rule, item):
        return False
    if rule.regions and item.region and item.region not in rule.regions:
        return False
    if rule.positions and item.position not in rule.positions:
        return False
    if rule.pressures and item.pressure not in rule.pressures:
        return False
    if not _in_weeks(rule, facts.pregnancy_weeks):
        return False
    events = _events(facts, rule.condition)
    if rule.local:
        placed = [e for e in events if e.region]
        if placed:
            return any(
                _same_area(rule, e, item) and _in_days(rule, _days_since(facts, e, rule.condition))
                for e in placed
            )
    if events and any(e.date for e in events):
        return any(_in_days(rule, _days_since(facts, e, rule.condition)) for e in events)
    return _in_days(rule, _days_since(facts, None, rule.condition))


def screen(
    facts: Facts, items: Iterable[PlanItem], rules: list[Rule] | None = None
) -> list[Finding]:
    """Every finding for these items: most severe first, then technique, condition."""
    keys = facts_keys(facts)
    rules = active_rules() if rules is None else rules
    relevant = [rule for rule in rules if rule.condition in keys]
    found = set()
    for item in items:
        for rule in relevant:
            if _matches(rule, facts, item):
                found.add(
                    Finding(
                        technique=item.technique,
                        severity=rule.severity,
                        scope=rule.scope,
                        condition=rule.condition,
                        region=item.region,
                        reason=rule.reason,
                        source=rule.source,
                        rule_id=rule.id,
                        side=item.side,
                        rule_technique=rule.technique,
                    )
                )
    return sorted(
        found,
        key=lambda f: (
            SEVERITY_RANK.get(f.severity, 9),
            f.technique,
            f.condition,
            f.region,
            f.side,
            f.rule_id,
        ),
    )


# A case as JSON (manage.py screen_case; the README documents the format).


class CaseError(ValueError):
    """A malformed case: the message names the key or value at fault."""


CASE_KEYS = ("as_of", "history", "plan")
HISTORY_KEYS = ("conditions", "medications", "pregnancy_due_date", "delivery_date", "events")
EVENT_KEYS = ("condition", "date", "region", "side")
ITEM_KEYS = ("technique", "region", "side", "position", "pressure")


def _object(value, where: str, allowed: tuple[str, ...]) -> dict:
    if not isinstance(value, dict):
        raise CaseError(f"{where}: expected an object")
    if unknown := sorted(set(value) - set(allowed)):
        raise CaseError(f"{where}: unknown key “{unknown[0]}” (known: {', '.join(allowed)})")
    return value


def _date(value, where: str):
    import datetime as dt

    if value is None:
        return None
    if not isinstance(value, str):
        raise CaseError(f"{where}: expected a date as YYYY-MM-DD or null")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CaseError(f"{where}: “{value}” is not a date (YYYY-MM-DD)") from None


def _key(value, where: str, allowed, what: str, *, empty: bool = True) -> str:
    if value is None and empty:
        return ""
    if not isinstance(value, str):
        raise CaseError(f"{where}: expected a {what} key (a string)")
    if value == "" and empty:
        return ""
    if value not in allowed:
        raise CaseError(f"{where}: unknown {what} key “{value}”")
    return value


def parse_case(
    data, *, technique_keys=TECHNIQUES, match_medications=None
) -> tuple[Facts, list[PlanItem]]:
    """A case (parsed JSON) as facts and plan items. `match_medications(text)` reads the
    medications text (intake.medications.match_medications); without it none are matched.
    Raises CaseError naming the key or value at fault."""
    import datetime as dt

    from intake.screening_facts import MedicationMatch

    case = _object(data, "case", CASE_KEYS)
    as_of = _date(case.get("as_of"), "as_of") or dt.date.today()
    history = _object(case.get("history", {}), "history", HISTORY_KEYS)
    known = condition_keys()
    raw = history.get("conditions", [])
    if not isinstance(raw, list):
        raise CaseError("history.conditions: expected a list of condition keys")
    conditions = frozenset(
        _key(key, f"history.conditions[{i}]", known, "condition", empty=False)
        for i, key in enumerate(raw)
    )
    text = history.get("medications", "") or ""
    if not isinstance(text, str):
        raise CaseError("history.medications: expected the medications as written (a string)")
    matches = tuple(match_medications(text)) if (match_medications and text) else ()
    medications = tuple(
        m if isinstance(m, MedicationMatch) else MedicationMatch(m.text, m.drug_class)
        for m in matches
    )
    raw_events = history.get("events", [])
    if not isinstance(raw_events, list):
        raise CaseError("history.events: expected a list of events")
    events = []
    for i, raw_event in enumerate(raw_events):
        where = f"history.events[{i}]"
        event = _object(raw_event, where, EVENT_KEYS)
        if "condition" not in event:
            raise CaseError(f"{where}: missing key “condition”")
        events.append(
            Event(
                condition=_key(
                    event["condition"], f"{where}.condition", known, "condition", empty=False
                ),
                date=_date(event.get("date"), f"{where}.date"),
                region=_key(event.get("region"), f"{where}.region", REGIONS, "region"),
                side=_key(event.get("side"), f"{where}.side", SIDES, "side"),
            )
        )
    plan = case.get("plan", [])
    if not isinstance(plan, list):
        raise CaseError("plan: expected a list of items")
    items = []
    techniques = set(technique_keys) | set(TECHNIQUES) | set(TECHNIQUE_ALIASES.values())
    for i, raw_item in enumerate(plan):
        where = f"plan[{i}]"
        item = _object(raw_item, where, ITEM_KEYS)
        if "technique" not in item:
            raise CaseError(f"{where}: missing key “technique”")
        items.append(
            PlanItem(
                technique=_key(
                    item["technique"], f"{where}.technique", techniques, "technique", empty=False
                ),
                region=_key(item.get("region"), f"{where}.region", REGIONS, "region"),
                side=_key(item.get("side"), f"{where}.side", SIDES, "side"),
                position=_key(item.get("position"), f"{where}.position", POSITIONS, "position"),
                pressure=_key(item.get("pressure"), f"{where}.pressure", PRESSURES, "pressure"),
            )
        )
    facts = Facts(
        as_of=as_of,
        conditions=conditions,
        events=tuple(events),
        medications=medications,
        pregnancy_due_date=_date(history.get("pregnancy_due_date"), "history.pregnancy_due_date"),
        delivery_date=_date(history.get("delivery_date"), "history.delivery_date"),
    )
    return facts, items


def finding_json(finding: Finding) -> dict:
    return {
        "technique": finding.technique,
        "severity": finding.severity,
        "scope": finding.scope,
        "condition": finding.condition,
        "region": finding.region,
        "side": finding.side,
        "reason": finding.reason,
        "source": finding.source,
        "rule": finding.rule_id,
    }
