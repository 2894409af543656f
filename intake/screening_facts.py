"""What screening knows about a client on a day: the facts the contraindication rules
(treatment_plans/screening.py) are matched against. Built from the current health history by
`facts_for` (this module) or read from a JSON case by `manage.py screen_case`.

Keys are the health history's condition vocabulary (intake/conditions.py) and the medication
classes of intake/medications.py; regions are the screening region keys (head, face, neck,
upper_back, lower_back, chest, abdomen, shoulder, upper_arm, forearm, hand, hip, gluteal,
thigh, knee, calf, ankle, foot) with side "left", "right" or "" where it does not apply.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

# A full-term pregnancy, counted from the first day of the last period (Naegele's rule).
TERM_DAYS = 280

# The screening region keys, with what a person reads for each (the list above).
REGIONS: dict[str, str] = {
    "head": "head",
    "face": "face",
    "neck": "neck",
    "upper_back": "upper back",
    "lower_back": "lower back",
    "chest": "chest",
    "abdomen": "abdomen",
    "shoulder": "shoulder",
    "upper_arm": "upper arm",
    "forearm": "forearm",
    "hand": "hand",
    "hip": "hip",
    "gluteal": "buttock (gluteal)",
    "thigh": "thigh",
    "knee": "knee",
    "calf": "calf",
    "ankle": "ankle",
    "foot": "foot",
}
SIDES: dict[str, str] = {"": "", "left": "left", "right": "right"}


@dataclass(frozen=True)
class Event:
    """A condition with a date and, where it has one, a place: a surgery, an injury, a
    corticosteroid injection, a radiation field, a clot."""

    condition: str
    date: dt.date | None = None
    region: str = ""
    side: str = ""


@dataclass(frozen=True)
class MedicationMatch:
    """A drug name found in the medications the client wrote, and its class
    ("Warfarin" -> "anticoagulants")."""

    text: str
    drug_class: str


@dataclass(frozen=True)
class Facts:
    as_of: dt.date
    conditions: frozenset[str] = frozenset()
    events: tuple[Event, ...] = ()
    medications: tuple[MedicationMatch, ...] = ()
    pregnancy_due_date: dt.date | None = None
    delivery_date: dt.date | None = None
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def keys(self) -> frozenset[str]:
        """Every key a rule may name: the conditions, the matched medication classes, the
        events' conditions, and pregnancy / postpartum when their dates say so."""
        found = set(self.conditions) | {m.drug_class for m in self.medications}
        found |= {event.condition for event in self.events}
        if self.pregnancy_weeks is not None:
            found.add("pregnancy")
        return frozenset(found)

    @property
    def pregnancy_weeks(self) -> int | None:
        """Completed weeks of pregnancy on `as_of` from the due date, or None when not
        pregnant (no due date, or the due date is more than 4 weeks past)."""
        if self.pregnancy_due_date is None:
            return None
        days = TERM_DAYS - (self.pregnancy_due_date - self.as_of).days
        if days < 0 or days > TERM_DAYS + 28:
            return None
        return days // 7

    @property
    def days_since_delivery(self) -> int | None:
        if self.delivery_date is None or self.delivery_date > self.as_of:
            return None
        return (self.as_of - self.delivery_date).days

    @property
    def trimester(self) -> int | None:
        """1, 2 or 3 from the completed weeks: the 1st up to 13 weeks, the 2nd 14 to 27, the
        3rd from 28 (ACOG patient education, "How Your Fetus Grows During Pregnancy")."""
        weeks = self.pregnancy_weeks
        if weeks is None:
            return None
        return 1 if weeks <= 13 else 2 if weeks <= 27 else 3


# How long after a birth the alerts still show it: the postpartum period and its care reach
# to 12 weeks (ACOG Committee Opinion 736, "Optimizing Postpartum Care", 2018); a year covers
# a C-section scar and the "gave birth in the last 12 months" item of the checklist.
POSTPARTUM_SHOWN_DAYS = 365

ORDINALS = {1: "1st", 2: "2nd", 3: "3rd"}


def _weeks(count: int) -> str:
    return f"{count} week{'' if count == 1 else 's'}"


def pregnancy_summary(facts: Facts) -> str:
    """ "28 weeks (3rd trimester)", or "" when the facts hold no pregnancy."""
    if facts.pregnancy_weeks is None:
        return ""
    return f"{_weeks(facts.pregnancy_weeks)} ({ORDINALS[facts.trimester]} trimester)"


def postpartum_summary(facts: Facts) -> str:
    """ "6 weeks after delivery" ("3 days after delivery" in the first week), or "" when no
    birth is recorded in the last year."""
    days = facts.days_since_delivery
    if days is None or days > POSTPARTUM_SHOWN_DAYS:
        return ""
    if days < 7:
        return f"{days} day{'' if days == 1 else 's'} after delivery"
    return f"{_weeks(days // 7)} after delivery"


def legacy_surgery_event(history) -> Event | None:
    """The surgery recorded before events existed (`recent_surgery_date` / `_site`) as an
    event. The site was free text: a region and side are read from it only when it names
    exactly one region ("right forearm (volar)" -> forearm, right); otherwise no region."""
    if not (history.recent_surgery_date or history.recent_surgery_site):
        return None
    words = " ".join(re.findall(r"[a-z]+", (history.recent_surgery_site or "").lower()))
    regions = [key for key, text in _REGION_WORDS.items() if re.search(rf"\b{text}\b", words)]
    sides = [side for side in ("left", "right") if re.search(rf"\b{side}\b", words)]
    return Event(
        condition="recent_surgery",
        date=history.recent_surgery_date,
        region=regions[0] if len(regions) == 1 else "",
        side=sides[0] if len(regions) == 1 and len(sides) == 1 else "",
    )


# A region's words as a site may spell them; "upper arm" is not "arm" of "forearm".
_REGION_WORDS = {key: key.replace("_", " ") for key in REGIONS} | {"gluteal": "(?:gluteal|buttock)"}


def event_from(item: dict) -> Event:
    """An Event from a stored (or JSON case's) {"condition", "date", "region", "side"}, already
    validated (intake/models/history.py, `validate_events`)."""
    return Event(
        condition=item["condition"],
        date=dt.date.fromisoformat(item["date"]) if item.get("date") else None,
        region=item.get("region", ""),
        side=item.get("side", ""),
    )


def facts_for(history, *, as_of: dt.date) -> Facts:
    """What screening knows from one health-history version on `as_of`: the ticked conditions
    (an older key also as the keys it is read as: intake/conditions.py) and the medication
    classes the therapist confirmed; the events, with the surgery recorded before events
    existed; the drugs recognised in the medications as written; the due and delivery dates.
    None (no history yet) gives facts with nothing in them."""
    from intake import conditions
    from intake.medications import match_medications

    if history is None:
        return Facts(as_of=as_of)
    keys = conditions.read_as(history.conditions or [])
    events = [event_from(item) for item in history.events or []]
    legacy = legacy_surgery_event(history)
    if legacy is not None:
        events.insert(0, legacy)
    return Facts(
        as_of=as_of,
        conditions=keys | frozenset(history.medication_classes or []),
        events=tuple(events),
        medications=tuple(match_medications(history.medications)),
        pregnancy_due_date=history.pregnancy_due_date,
        delivery_date=history.delivery_date,
    )
