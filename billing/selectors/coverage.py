"""A client's coverage as the coverage page and the client's record show it: current ones in
the order they are billed, then ended ones; each with its authorizations and their visits."""

from __future__ import annotations

from dataclasses import dataclass

from billing.models import Authorization, Coverage
from billing.selectors.authorizations import AuthorizationUsage, authorization_usage
from clinic.clinic_time import today


@dataclass(frozen=True)
class CoverageRow:
    coverage: Coverage
    current: bool
    authorizations: list[AuthorizationUsage]


def coverage_rows(user, client, *, current_only: bool = False) -> list[CoverageRow]:
    """Four queries whatever the number of coverages and authorizations."""
    on = today()
    coverages = list(
        Coverage.objects.visible_to(user)
        .filter(client=client)
        .select_related("payer")
        .order_by("priority", "-starts_on")
    )
    if current_only:
        coverages = [c for c in coverages if _current(c, on)]
    authorizations = (
        Authorization.objects.visible_to(user)
        .filter(coverage__in=[c.pk for c in coverages])
        .order_by("-starts_on", "number")
    )
    by_coverage: dict = {c.pk: [] for c in coverages}
    loaded = {c.pk: c for c in coverages}
    authorizations = list(authorizations)
    for authorization in authorizations:
        authorization.coverage = loaded[authorization.coverage_id]  # no query per row
    for usage in authorization_usage(authorizations):
        by_coverage[usage.authorization.coverage_id].append(usage)
    rows = [CoverageRow(c, _current(c, on), by_coverage[c.pk]) for c in coverages]
    return sorted(rows, key=lambda row: not row.current)  # stable: current first, by priority


def _current(coverage: Coverage, on) -> bool:
    return coverage.ends_on is None or coverage.ends_on >= on
