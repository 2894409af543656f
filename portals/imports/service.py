"""The import itself: `clinic_import(*, actor, ...)`, the one write of portals/imports.

All or nothing: a file with any error writes nothing (one transaction), unless the caller
asks to skip bad rows; a dry run reads and reports only. Each imported client and appointment has
its audit entry (imported from which source, with its id there), and the import one more with
its counts."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from clinic import audit
from clinic.roles import Role, role_of
from portals.imports import appointments, clients
from portals.imports.mapping import FIELDS, KINDS, Mapping, MappingError, guess
from portals.imports.report import FileProblem, Problem, Report, count, read_csv

PREVIEW_ROWS = 10
PLANNERS = {"clients": clients, "appointments": appointments}


def _mapping_for(kind: str, header: list[str], mapping: Mapping | None) -> Mapping:
    if mapping is None:
        found = guess(kind, header)
        if found is None:
            raise FileProblem(
                "No preset matches this file's columns. Give a mapping (our field = the "
                "file's column). The generic preset's columns are: "
                + ", ".join(name for name, (needed, _) in FIELDS[kind].items() if needed).replace(
                    "source_id", "id"
                )
                + "."
            )
        return found
    missing = mapping.missing(kind, header)
    if missing:
        raise FileProblem(
            "The file has no column for: "
            + "; ".join(f"{name} ({mapping.columns.get(name, 'not mapped')!r})" for name in missing)
            + "."
        )
    return mapping


def clinic_import(
    *,
    actor,
    kind: str,
    data: bytes,
    mapping: Mapping | None = None,
    source: str | None = None,
    dry_run: bool = False,
    skip_bad_rows: bool = False,
    link_duplicates: bool = False,
    file_name: str = "",
) -> Report:
    """Import a CSV export of clients or appointments. `actor` None is the command line
    (whoever may run manage.py); a user must be the clinic admin. A problem with the file as a
    whole raises FileProblem or MappingError; a problem with a row is in the report."""
    if actor is not None and role_of(actor) != Role.ADMIN:
        raise PermissionDenied("Only the clinic admin can import another system's data.")
    if kind not in KINDS:
        raise MappingError(f"kind must be one of {', '.join(KINDS)}")
    header, rows = read_csv(data)
    mapping = _mapping_for(kind, header, mapping)
    if source:
        mapping = Mapping(**{**mapping.__dict__, "source": source})
    report = Report(kind=kind, mapping=mapping.name, source=mapping.source, dry_run=dry_run)
    report.rows = len(rows)
    planner = PLANNERS[kind]
    positions = mapping.positions(kind, header)
    with transaction.atomic():
        if kind == "clients":
            planned = clients.plan(
                rows, mapping, positions, report, link_duplicates=link_duplicates
            )
        else:
            planned = appointments.plan(rows, mapping, positions, report)
        report.created = len(planned) - len(report.linked)  # new rows; links apart
        report.preview = [planner.preview_row(item) for item in planned[:PREVIEW_ROWS]]
        if dry_run or (report.errors and not skip_bad_rows):
            return report
        if not planned:
            report.written = True  # nothing to write: a re-run changes nothing, audits nothing
            return report
        try:
            with transaction.atomic():
                if kind == "clients":
                    clients.create(planned, mapping, actor=actor)
                else:
                    appointments.create(planned, mapping, actor=actor)
        except IntegrityError:
            # Another import (or booking) wrote the same rows meanwhile: nothing is kept.
            report.created = 0
            report.errors.append(
                Problem(
                    0,
                    "",
                    "Another import or booking changed the same rows meanwhile; "
                    "nothing was imported. Run it again.",
                )  # fmt: skip
            )
            return report
        report.written = True
        skipped = f", {count(report.error_lines, 'bad row')} skipped" if report.errors else ""
        audit.record(
            actor=actor,
            action="create",
            detail=(
                f"imported {report.created_label} from {mapping.source!r}"
                f"{f' ({file_name})' if file_name else ''}: {len(report.linked)} linked, "
                f"{report.unchanged} already there, "
                f"{len(report.duplicates)} duplicates not imported{skipped}"
            ),
        )
    return report
