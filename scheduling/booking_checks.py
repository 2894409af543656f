"""Warnings about a booking that apps above scheduling know (billing: a visit beyond what a
payer's authorization approved). A warning, never a refusal: the booking still saves.

This app may not import them (ARCHITECTURE.md, layers), so each registers a check from its
AppConfig.ready, the way the plan pages' parts are registered (treatment_plans/page_parts.py).
A check takes the client and the visit's start (None: no time chosen yet) and returns the
warnings, as sentences, for the staff member booking."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

Check = Callable[..., list[str]]

_checks: list[Check] = []


def register(check: Check) -> None:
    """`check(client, starts_at)` -> a list of warnings (empty: nothing to say)."""
    if check not in _checks:
        _checks.append(check)


def warnings_for(client, starts_at: dt.datetime | None) -> list[str]:
    """Every registered check's warnings for a visit of `client` at `starts_at`."""
    if client is None:
        return []
    return [warning for check in _checks for warning in check(client, starts_at)]
