"""ICD-10-CM codes as a claim needs them (issue 18): the code must exist and be billable (a
leaf of the classification; a category such as S56.1 is refused with the billable codes under
it suggested). Checked against the `simple-icd-10-cm` package (the CDC's ICD-10-CM release)."""

from __future__ import annotations

import warnings
from functools import cache

SUGGESTED = 5


@cache
def _icd():
    """The classification, loaded on first use (it reads ~100,000 codes: no process should pay
    for it at start-up). The package reads its data with importlib.resources' deprecated
    read_text/open_text; that warning is its own, not ours, so it is silenced here only."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        import simple_icd_10_cm

    return simple_icd_10_cm


def billable_problem(code: str) -> str | None:
    """What is wrong with `code` for a claim, in words a therapist can act on, or None."""
    icd = _icd()
    if not icd.is_valid_item(code):
        return f"{code} is not an ICD-10-CM code."
    if icd.is_leaf(code):
        return None
    billable = [c for c in icd.get_descendants(code) if icd.is_leaf(c)]
    shown = ", ".join(billable[:SUGGESTED])
    more = f" ({len(billable) - SUGGESTED} more)" if len(billable) > SUGGESTED else ""
    return (
        f"{code} ({icd.get_description(code)}) is a category, not a billable code: use a "
        f"more specific one, e.g. {shown}{more}."
    )


def description(code: str) -> str:
    icd = _icd()
    return icd.get_description(code) if icd.is_valid_item(code) else ""
