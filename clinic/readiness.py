"""What a client must have on file before a first treatment, as registered by the app that
keeps it: intake registers a health history and a standing consent to treatment (its
readiness check, intake/selectors.py, the one that gates a plan or a session).

Scheduling stands beside intake and may not import it (.importlinter), yet the intake forms
mail before a first visit and the day view's "Health history missing" ask the same check; they
ask it here, as the core delivers owed mail about rows it never imports (clinic/outbox.py).
Each requirement gives a database expression, so a list of many appointments or clients is
annotated in its one query instead of asking per row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Expression, Q, QuerySet


@dataclass(frozen=True)
class Requirement:
    key: str  # a short name: the annotation is f"on_file_{key}"
    missing: str  # what a calendar says when it is missing ("Health history missing")
    form: str  # what the client is asked to fill in ("Health history (intake form)")
    portal_url_name: str  # the client portal's page where they fill it in
    # The outer query's client column (e.g. "client_id", "pk") -> true where it is on file.
    on_file: Callable[[str], Expression]

    @property
    def field(self) -> str:
        return f"on_file_{self.key}"


_REQUIREMENTS: dict[str, Requirement] = {}


def register(requirement: Requirement) -> None:
    """From the keeping app's AppConfig.ready."""
    _REQUIREMENTS[requirement.key] = requirement


def requirements() -> list[Requirement]:
    return list(_REQUIREMENTS.values())


def annotate(queryset: QuerySet, client_ref: str = "client_id") -> QuerySet:
    """`queryset` with an `on_file_<key>` boolean per requirement for the row's client."""
    return queryset.annotate(**{r.field: r.on_file(client_ref) for r in requirements()})


def incomplete() -> Q:
    """For a query through `annotate`: some requirement is not on file."""
    condition = Q(pk__in=[])  # nothing required: nothing is missing
    for requirement in requirements():
        condition |= Q(**{requirement.field: False})
    return condition


def missing(row) -> list[Requirement]:
    """The requirements not on file for an annotated row (a model instance or a values() dict)."""
    if isinstance(row, dict):
        return [r for r in requirements() if not row[r.field]]
    return [r for r in requirements() if not getattr(row, r.field)]
