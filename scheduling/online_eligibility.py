"""Who may book a type online (`AppointmentType.online_for`): what decides "new" (no initial
assessment on file yet) and "plan" (an active treatment plan) lives in apps this one may not
import (intake and treatment_plans; ARCHITECTURE.md, layers). Portals registers a check for
each from its AppConfig.ready, the way booking_checks.py is filled.

A check takes the client and answers True or False. A kind nobody registered a check for is
refused (closed, not open): a missing registration never lets a client book what they should
not."""

from __future__ import annotations

from collections.abc import Callable

from scheduling.models import AppointmentType

OnlineFor = AppointmentType.OnlineFor
Check = Callable[..., bool]

_checks: dict[str, Check] = {}


def register(kind: str, check: Check) -> None:
    """`check(client)` -> whether the client is one of `kind` ("new" or "plan")."""
    if kind not in (OnlineFor.NEW, OnlineFor.PLAN):
        raise ValueError(f"No eligibility check is needed for {kind!r}.")
    _checks[kind] = check


def may_book(client, appointment_type: AppointmentType, *, answers: dict | None = None) -> bool:
    """Whether `client` may book `appointment_type` online. `answers` caches each kind's
    answer for one client across several types (one query per kind, not per type)."""
    kind = appointment_type.online_for
    if not appointment_type.is_active or kind == OnlineFor.NOBODY:
        return False
    if kind == OnlineFor.ANY:
        return True
    answers = {} if answers is None else answers
    if kind not in answers:
        check = _checks.get(kind)
        answers[kind] = bool(check and check(client))
    return answers[kind]


def bookable_types(client) -> list[AppointmentType]:
    """The active types `client` may book online, by name."""
    answers: dict = {}
    candidates = AppointmentType.objects.filter(is_active=True).exclude(online_for="")
    return [t for t in candidates if may_book(client, t, answers=answers)]
