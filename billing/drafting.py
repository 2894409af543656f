"""What a signed note bills as (issue 18, item 5): pure logic, no database. The service
(`billing/services/charges.py`) reads the note, the coverage and the fees, and asks here for
the lines and for the remarks a biller should read before posting.

- Each technique of the note bills as its catalogue code (`TechniqueBillingCode`); a technique
  with no code is left out, with a remark. Minutes are summed per code.
- Timed codes' units come from `billing.units` by the payer's unit rule (self-pay: CMS); a
  timed code whose units come to 0 is dropped, with a remark. Untimed codes are one unit.
- Unit fee: the payer's fee for the code, else the code's self-pay fee. Amount = units x fee.
- A self-pay visit whose appointment type has a flat fee (`AppointmentTypeFee`) is billed that
  fee instead: it is spread over the lines in proportion to their units, in cents, and the
  cents left over by the division go to the first line. Each such line's `unit_fee` is its
  share divided by its units (rounded to the cent; shown for information), so on these lines
  `amount` may differ from units x unit fee by a cent; an edit of the line recomputes
  amount = units x unit fee.
- Modifiers: GP on every timed line for commercial payers (services under an outpatient
  therapy plan of care); 59 on 97140 when 97124 is billed on the same visit (CMS NCCI PTP
  edits: the column 1/column 2 pair 97124/97140 needs a distinct-service modifier). Billers
  may change both.
- Each line points to every diagnosis of the charge ("1", "12", ... up to four).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from billing.models.charges import MAX_DIAGNOSES
from billing.models.money import CENT
from billing.units import THRESHOLD_MINUTES, units_for_minutes
from billing.units import units as units_by_rule

GP = "GP"  # therapy services under an outpatient plan of care
DISTINCT = "59"  # distinct procedural service
# CMS NCCI procedure-to-procedure (PTP) edits: 97140 (column 2) bundles into 97124 (column 1)
# unless a modifier shows the services were distinct (separate regions).
NCCI_PAIRS = {"97140": "97124"}

NO_DIAGNOSIS = "no diagnosis: add ICD-10 codes to the plan before posting"
NO_LINES = "no billable line: the note's techniques bill as no code with a unit"


@dataclass(frozen=True)
class Technique:
    """One technique row of the note: its name, the code it bills as (None: none), minutes."""

    name: str
    code: str | None
    minutes: int


@dataclass(frozen=True)
class Code:
    code: str
    description: str
    timed: bool
    fee: Decimal  # per unit, for this payer


@dataclass
class Line:
    code: str
    description: str
    timed_minutes: int | None
    units: int
    unit_fee: Decimal
    amount: Decimal
    modifiers: list[str] = field(default_factory=list)
    diagnosis_pointers: str = ""


@dataclass
class Draft:
    lines: list[Line]
    remarks: list[str]


def minutes_by_code(techniques: Iterable[Technique]) -> dict[str, int]:
    """Minutes summed per code, codes in CPT order (so the result never depends on the order
    the techniques were written in)."""
    totals: dict[str, int] = {}
    for technique in techniques:
        if technique.code:
            totals[technique.code] = totals.get(technique.code, 0) + technique.minutes
    return dict(sorted(totals.items()))


def draft(
    techniques: list[Technique],
    *,
    codes: Mapping[str, Code],
    rule: str,
    commercial: bool,
    diagnoses: int,
    flat_fee: Decimal | None = None,
) -> Draft:
    """The lines and remarks of a visit. `codes` has every code the techniques bill as."""
    remarks = uncoded_remarks(techniques)
    minutes = minutes_by_code(techniques)
    timed = {code: m for code, m in minutes.items() if codes[code].timed}
    units = units_by_rule(timed, rule=rule) if timed else {}
    lines = []
    for code, spent in minutes.items():
        info = codes[code]
        if info.timed and units[code] == 0:
            remarks.append(_no_unit(code, spent, total=sum(timed.values()), rule=rule))
            continue
        count = units[code] if info.timed else 1
        lines.append(
            Line(
                code=code,
                description=info.description,
                timed_minutes=spent if info.timed else None,
                units=count,
                unit_fee=info.fee,
                amount=cents(info.fee * count),
                modifiers=[GP] if commercial and info.timed else [],
                diagnosis_pointers=pointers(diagnoses),
            )
        )
    billed = {line.code for line in lines}
    for line in lines:
        if NCCI_PAIRS.get(line.code) in billed:
            line.modifiers.append(DISTINCT)
    if flat_fee is not None and lines:
        spread_flat_fee(lines, flat_fee)
    return Draft(lines=lines, remarks=remarks)


def uncoded_remarks(techniques: Iterable[Technique]) -> list[str]:
    return [
        f"{t.name} ({t.minutes} minutes) has no billing code: left out of the charge"
        for t in techniques
        if not t.code
    ]


def dropped_remarks(techniques: list[Technique], *, codes: Mapping[str, Code], rule: str):
    """The remarks about timed codes whose minutes made no unit (for a charge already drafted,
    recomputed from its note: see billing/selectors/charges.py)."""
    minutes = minutes_by_code(techniques)
    timed = {code: m for code, m in minutes.items() if code in codes and codes[code].timed}
    units = units_by_rule(timed, rule=rule) if timed else {}
    total = sum(timed.values())
    return [
        _no_unit(code, m, total=total, rule=rule) for code, m in timed.items() if not units[code]
    ]


def _no_unit(code: str, minutes: int, *, total: int, rule: str) -> str:
    if minutes < THRESHOLD_MINUTES:
        return f"{code}: {minutes} minutes, below the {THRESHOLD_MINUTES} minutes of a unit"
    return (
        f"{code}: {minutes} minutes, no unit left by the CMS 8-minute rule (the visit's "
        f"{total} timed minutes make {units_for_minutes(total)})"
    )


def pointers(diagnoses: int) -> str:
    """Every diagnosis of the charge, by position: 0 -> "", 1 -> "1", 3 -> "123"."""
    return "".join(str(i) for i in range(1, min(diagnoses, MAX_DIAGNOSES) + 1))


def spread_flat_fee(lines: list[Line], fee: Decimal) -> None:
    """Share `fee` out over `lines` in proportion to their units, in cents; the cents the
    division leaves go to the first line, so the shares add up to `fee` exactly."""
    total_units = sum(line.units for line in lines)
    shares = [
        (fee * line.units / total_units).quantize(CENT, rounding=ROUND_DOWN) for line in lines
    ]
    shares[0] += fee - sum(shares)
    for line, share in zip(lines, shares, strict=True):
        line.amount = share
        line.unit_fee = cents(share / line.units)


def cents(amount: Decimal) -> Decimal:
    """`amount` rounded to the cent, half up (as billing.models.money.cents, without models)."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)
