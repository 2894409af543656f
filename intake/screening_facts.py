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
from dataclasses import dataclass, field

# A full-term pregnancy, counted from the first day of the last period (Naegele's rule).
TERM_DAYS = 280


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
