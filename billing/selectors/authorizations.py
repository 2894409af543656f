"""Authorizations' visits: approved, used, booked ahead and left (issue 18, items 2 and 9).

- **used**: the live (not voided) charges drafted under the authorization;
- **booked ahead**: the client's appointments still to come (booked or checked in, not yet
  over) whose clinic-local date lies inside the authorization's dates;
- **left**: approved - used (negative when a payer was billed beyond what it approved).

`authorization_usage` takes any number of authorizations and costs the same few queries
whatever their number (a list page, the report of visits left)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from billing.models import Authorization, Charge, Coverage, PayerType
from clinic.clinic_time import day_bounds, local, today
from clinic.date_formats import day
from clinic.permissions import Can
from scheduling.models import Appointment

AHEAD = (Appointment.Status.BOOKED, Appointment.Status.CHECKED_IN)


@dataclass(frozen=True)
class AuthorizationUsage:
    authorization: Authorization
    used: int
    # Clinic-local starts of the visits still to come inside the authorization's dates.
    ahead_starts: tuple[dt.datetime, ...]

    @property
    def approved(self) -> int:
        return self.authorization.visits_approved

    @property
    def booked_ahead(self) -> int:
        return len(self.ahead_starts)

    @property
    def left(self) -> int:
        return self.approved - self.used

    @property
    def is_exhausted(self) -> bool:
        return self.left <= 0

    def booked_before(self, moment: dt.datetime) -> int:
        return sum(1 for start in self.ahead_starts if start < moment)


def authorization_usage(authorizations: Iterable[Authorization]) -> list[AuthorizationUsage]:
    """The usage of each authorization, in the order given: two queries (three when the
    authorizations' coverages were not loaded with them), whatever their number."""
    authorizations = list(authorizations)
    if not authorizations:
        return []
    client_of = _clients_of(authorizations)
    used = dict(
        Charge.objects.live()
        .filter(authorization__in=[a.pk for a in authorizations])
        .order_by()
        .values_list("authorization")
        .annotate(n=Count("pk"))
    )
    ahead = _visits_ahead(authorizations, client_of)
    return [
        AuthorizationUsage(
            authorization=a, used=used.get(a.pk, 0), ahead_starts=tuple(ahead.get(a.pk, ()))
        )
        for a in authorizations
    ]


def _clients_of(authorizations) -> dict:
    """Authorization pk -> client pk, without a query per row."""
    loaded = {a.pk: a.coverage.client_id for a in authorizations if _coverage_loaded(a)}
    missing = {a.coverage_id for a in authorizations if a.pk not in loaded}
    if missing:
        clients = dict(Coverage.objects.filter(pk__in=missing).values_list("pk", "client_id"))
        loaded.update({a.pk: clients[a.coverage_id] for a in authorizations if a.pk not in loaded})
    return loaded


def _coverage_loaded(authorization) -> bool:
    return Authorization.coverage.is_cached(authorization)


def _visits_ahead(authorizations, client_of) -> dict:
    """Authorization pk -> the starts (clinic-local, in order) of its client's visits to come
    inside its dates: one query for all of them, sorted out here."""
    first = min(a.starts_on for a in authorizations)
    last = max(a.ends_on for a in authorizations)
    starts_from, _ = day_bounds(first)
    _, ends_before = day_bounds(last)
    rows = (
        Appointment.objects.filter(
            client__in=set(client_of.values()),
            status__in=AHEAD,
            ends_at__gt=timezone.now(),
            starts_at__gte=starts_from,
            starts_at__lt=ends_before,
        )
        .order_by("starts_at")
        .values_list("client_id", "starts_at")
    )
    by_client = defaultdict(list)
    for client_id, starts_at in rows:
        by_client[client_id].append(local(starts_at))
    return {
        a.pk: [s for s in by_client[client_of[a.pk]] if a.starts_on <= s.date() <= a.ends_on]
        for a in authorizations
    }


# --- the client's coverage on a day ---------------------------------------------------------


def current_coverage(client, on: dt.date) -> Coverage | None:
    """The client's coverage billed first on `on` (priority 1 before 2), or None."""
    return (
        Coverage.objects.filter(client=client)
        .current_on(on)
        .select_related("payer")
        .order_by("priority", "starts_on")
        .first()
    )


def current_authorization(client, day: dt.date) -> Authorization | None:
    """The authorization of the client's current top-priority coverage that covers `day`, or
    None (no coverage, self-pay, or no authorization covering that day)."""
    return authorization_of(current_coverage(client, day), day)


def authorization_of(coverage: Coverage | None, day: dt.date) -> Authorization | None:
    """`coverage`'s authorization covering `day`. Of two that overlap, the one that started
    first (its visits are used up first). Drafting a charge records it on the charge."""
    if coverage is None or coverage.payer_type == PayerType.SELF_PAY:
        return None
    return (
        coverage.authorizations.filter(starts_on__lte=day, ends_on__gte=day)
        .select_related("coverage__payer")
        .order_by("starts_on", "created_at")
        .first()
    )


# --- booking beyond an authorization (registered with scheduling/booking_checks.py) ----------


def booking_warnings(client, starts_at: dt.datetime | None) -> list[str]:
    """Why a visit of `client` at `starts_at` may not be paid under the authorization of the
    coverage billed first: no visits left, or a date outside the authorization's dates. A
    coverage without any authorization needs none: no warning. `starts_at` None (no time
    chosen yet): today's authorization, counting every visit booked ahead."""
    moment = local(starts_at) if starts_at is not None else None
    on = moment.date() if moment is not None else today()
    coverage = current_coverage(client, on)
    if coverage is None or coverage.payer_type == PayerType.SELF_PAY:
        return []
    authorizations = list(coverage.authorizations.order_by("starts_on", "created_at"))
    if not authorizations:
        return []
    covering = [a for a in authorizations if a.covers(on)]
    if not covering:
        if moment is None:
            return []
        nearest = min(authorizations, key=lambda a: _distance(a, on))
        return [
            f"{day(on)} is outside authorization {nearest.number}'s dates "
            f"(from {day(nearest.starts_on)} to {day(nearest.ends_on)}): {coverage} may not "
            "pay for this visit."
        ]
    usage = authorization_usage([covering[0]])[0]
    before = usage.booked_before(moment) if moment is not None else usage.booked_ahead
    if usage.used + before < usage.approved:
        return []
    a = usage.authorization
    text = (
        f"Authorization {a.number} for {_payer(coverage)} has {max(usage.left, 0)} of "
        f"{usage.approved} visits left"
    )
    if before:
        text += f", and {before} visit{'s are' if before != 1 else ' is'} booked before this one"
    return [text + ": this visit is beyond what the payer approved."]


def _payer(coverage: Coverage) -> str:
    label = coverage.get_payer_type_display()
    return f"{label} ({coverage.payer})" if coverage.payer_id else label


def _distance(authorization: Authorization, on: dt.date) -> int:
    if on < authorization.starts_on:
        return (authorization.starts_on - on).days
    return (on - authorization.ends_on).days


def client_authorizations_usage(user, client, *, on: dt.date | None = None):
    """Usage of the client's authorizations still running (not ended, on a coverage not
    ended), for the client's page and the plan page; [] for a viewer who may not see them.

    A therapist reads authorizations (billing/querysets.py) to plan the sessions left; the
    pages show them these counts and dates only."""
    if not Can(user).see_authorizations:
        return []
    on = on or today()
    rows = (
        Authorization.objects.visible_to(user)
        .filter(coverage__client=client, ends_on__gte=on)
        .filter(Q(coverage__ends_on__isnull=True) | Q(coverage__ends_on__gte=on))
        .select_related("coverage__payer")
        .order_by("coverage__priority", "starts_on")
    )
    return authorization_usage(rows)
