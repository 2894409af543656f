"""Units of timed CPT codes from the minutes a signed note records (issue 18).

Two rules, as payers apply them:

- **CMS 8-minute rule** (`cms`; Medicare Claims Processing Manual, Chapter 5, section 20.2, and
  CMS MLN "Therapy services: timed codes"): the *total* timed minutes of a visit decide the
  total units (8-22 -> 1, 23-37 -> 2, 38-52 -> 3, ...: a unit is 15 minutes, and 8 or more
  minutes left over count as one more). They are given out per code: first each code's full
  15-minute units, then each remaining unit to the code with the most minutes left over.
- **Per-code rule** (`per_code`, some commercial payers): each code on its own, with at least 8
  minutes for its first unit and the same rounding after.

Untimed codes (97010 hot/cold packs) are one unit whatever the minutes; they are not counted
here. Ties in minutes left over go to the code listed first, so the result never depends on
dictionary order.
"""

from __future__ import annotations

UNIT_MINUTES = 15
THRESHOLD_MINUTES = 8  # the first unit needs more than half of 15 minutes

CMS = "cms"
PER_CODE = "per_code"
RULES = (CMS, PER_CODE)


def units_for_minutes(minutes: int) -> int:
    """Units of one span of timed minutes: 0-7 -> 0, 8-22 -> 1, 23-37 -> 2, ..."""
    if minutes < 0:
        raise ValueError("minutes cannot be negative")
    if minutes < THRESHOLD_MINUTES:
        return 0
    full, left = divmod(minutes, UNIT_MINUTES)
    return full + (1 if left >= THRESHOLD_MINUTES else 0)


def cms_units(minutes_by_code: dict[str, int]) -> dict[str, int]:
    """The CMS 8-minute rule: total units from the total timed minutes, given out per code
    (full units first, then the remainder to the codes with the most minutes left)."""
    _check(minutes_by_code)
    total = units_for_minutes(sum(minutes_by_code.values()))
    units = {code: minutes // UNIT_MINUTES for code, minutes in minutes_by_code.items()}
    left = {code: minutes % UNIT_MINUTES for code, minutes in minutes_by_code.items()}
    remaining = total - sum(units.values())
    order = list(minutes_by_code)
    # Most minutes left over first; ties to the code listed first.
    for code in sorted(order, key=lambda c: (-left[c], order.index(c)))[: max(remaining, 0)]:
        units[code] += 1
    return units


def per_code_units(minutes_by_code: dict[str, int]) -> dict[str, int]:
    """Each code on its own: at least 8 minutes for its first unit."""
    _check(minutes_by_code)
    return {code: units_for_minutes(minutes) for code, minutes in minutes_by_code.items()}


def units(minutes_by_code: dict[str, int], *, rule: str) -> dict[str, int]:
    if rule == CMS:
        return cms_units(minutes_by_code)
    if rule == PER_CODE:
        return per_code_units(minutes_by_code)
    raise ValueError(f"unknown unit rule {rule!r}: use one of {', '.join(RULES)}")


def _check(minutes_by_code: dict[str, int]) -> None:
    for code, minutes in minutes_by_code.items():
        if minutes < 0:
            raise ValueError(f"{code}: minutes cannot be negative")
