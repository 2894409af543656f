"""Checking a clients file row by row and planning its import.

Each row is checked by the registration form's rules (names and texts within their limits, a
phone of phone characters, an e-mail address, a birth date that is a date, not in the future),
then against what is already here: a source id imported before is left alone (a re-run
changes nothing), and a person with the same folded name and birth date as a client already
registered, or as an earlier row of the file, is a possible duplicate (the registration rule,
`client_possible_duplicates`): reported, never merged, not imported; or, when the admin says
so (`link_duplicates`), linked to the one registered client it matches, so the source's
appointments find them. A row imported before whose values changed in the source is reported
and left as it is here. The existing clients are
looked up once per batch of rows, not once per row."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from clinic import audit, dates, text_limits
from clinic.models import Client
from clinic.search import folded_names
from portals.imports.mapping import Mapping
from portals.imports.report import Problem, Report
from portals.models import ImportedRecord

BATCH = 1000
TEXT_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "address",
    "emergency_contact_name",
    "emergency_contact_phone",
    "emergency_contact_relationship",
)


@dataclass
class Planned:
    line: int
    source_id: str
    client: Client
    # Set when the row is linked to this registered client instead of creating one: the
    # admin said the duplicate is the same person (`link_duplicates`); nothing of theirs is
    # changed, later appointment imports of this source find them by the source's id.
    existing: Client | None = None


def parse_date(value: str, date_format: str) -> dt.date:
    """A date in `date_format`; ValueError with a message naming the format."""
    try:
        return dt.datetime.strptime(value, date_format).date()
    except ValueError:
        shown = date_format.replace("%Y", "YYYY").replace("%m", "MM").replace("%d", "DD")
        raise ValueError(f"{value} is not a date (expected {shown})") from None


def _limits() -> dict[str, int]:
    return {
        name: Client._meta.get_field(name).max_length or text_limits.NAME for name in TEXT_FIELDS
    }


def check_row(line: int, values: dict[str, str], mapping: Mapping, limits) -> tuple:
    """(Client, source_id, problems) for one row; the client is None when a problem is found."""
    problems = []

    def bad(name, message):
        problems.append(Problem(line, name, message))

    source_id = values.get("source_id", "")
    if not source_id:
        bad("source_id", "is required (the client's id in the source system)")
    elif len(source_id) > 100:
        bad("source_id", f"at most 100 characters (this one has {len(source_id)})")
    for name in ("first_name", "last_name"):
        if not values.get(name):
            bad(name, "is required")
    for name in TEXT_FIELDS:
        value = values.get(name, "")
        if len(value) > limits[name]:
            bad(name, f"at most {limits[name]:,} characters (this one has {len(value):,})")
    birth = None
    if not values.get("date_of_birth"):
        bad("date_of_birth", "is required")
    else:
        try:
            birth = parse_date(values["date_of_birth"], mapping.date_format)
            dates.BIRTH_DATE(birth)
        except ValueError as exc:
            bad("date_of_birth", str(exc))
        except ValidationError as exc:
            bad("date_of_birth", f"{values['date_of_birth']}: {' '.join(exc.messages)}")
    if values.get("email"):
        try:
            validate_email(values["email"])
        except ValidationError:
            bad("email", f"{values['email']} is not an e-mail address")
    for name in ("phone", "emergency_contact_phone"):
        if values.get(name):
            try:
                text_limits.phone_characters(values[name])
            except ValidationError as exc:
                bad(name, f"{values[name]}: {' '.join(exc.messages)}")
    if problems:
        return None, source_id, problems
    client = Client(
        date_of_birth=birth,
        **{name: values.get(name, "") for name in TEXT_FIELDS},
    )
    # bulk_create skips save(): the digits and folded names are set here (pre_save does the
    # folded names too, this is for the duplicate check before it).
    client.phone_digits = "".join(ch for ch in client.phone if ch.isdigit())
    client.search_name = folded_names(client.first_name, client.last_name)
    return client, source_id, []


def plan(
    rows, mapping: Mapping, positions: dict[str, int], report: Report, *, link_duplicates=False
) -> list[Planned]:
    """The clients to create (or, with `link_duplicates`, to link to the one registered client
    with the same name and birth date); every problem, duplicate, link and unchanged row goes to
    `report`."""
    limits = _limits()
    checked: list[Planned] = []
    first_line_of: dict[str, int] = {}
    for line, row in rows:
        values = {
            ours: (row[at].strip() if at < len(row) else "") for ours, at in positions.items()
        }
        client, source_id, problems = check_row(line, values, mapping, limits)
        if source_id and source_id in first_line_of:
            problems.append(
                Problem(
                    line, "source_id", f"{source_id} is also on line {first_line_of[source_id]}"
                )
            )
        elif source_id:
            first_line_of[source_id] = line
        if problems:
            report.errors.extend(problems)
        else:
            checked.append(Planned(line, source_id, client))
    planned: list[Planned] = []
    seen: dict[tuple[str, dt.date], int] = {}
    for start in range(0, len(checked), BATCH):
        batch = checked[start : start + BATCH]
        done = dict(
            ImportedRecord.objects.filter(
                source=mapping.source,
                kind=ImportedRecord.Kind.CLIENT,
                source_id__in=[item.source_id for item in batch],
            ).values_list("source_id", "object_id")
        )
        fresh = [item for item in batch if item.source_id not in done]
        report.unchanged += len(batch) - len(fresh)
        _report_changed([item for item in batch if item.source_id in done], done, report)
        existing: dict[tuple[str, dt.date], list[Client]] = {}
        if fresh:
            for other in Client.objects.filter(
                search_name__in={item.client.search_name for item in fresh},
                date_of_birth__in={item.client.date_of_birth for item in fresh},
            ).only("id", "first_name", "last_name", "date_of_birth", "search_name"):
                existing.setdefault((other.search_name, other.date_of_birth), []).append(other)
        for item in fresh:
            key = (item.client.search_name, item.client.date_of_birth)
            if key in existing:
                _duplicate_of_registered(item, existing[key], report, link_duplicates, planned)
            elif key in seen:
                report.duplicates.append(
                    Problem(
                        item.line,
                        "",
                        f"{item.client} born {item.client.date_of_birth:%Y-%m-%d} is also on "
                        f"line {seen[key]}: not imported",
                    )
                )
            else:
                seen[key] = item.line
                planned.append(item)
    return planned


def _duplicate_of_registered(item, others: list[Client], report, link_duplicates, planned):
    """Report a row whose person is already registered; link it when the admin asked to and
    exactly one registered client matches (two matches: the admin must choose, by hand)."""
    born = f"{item.client} born {item.client.date_of_birth:%Y-%m-%d}"
    if link_duplicates and len(others) == 1:
        item.existing = others[0]
        report.linked.append(
            Problem(
                item.line,
                "",
                f"{born} linked to the registered client {others[0]} (id {others[0].pk}); "
                "nothing of theirs changed",
            )
        )
        planned.append(item)
        return
    names = ", ".join(f"client {other}, id {other.pk}" for other in others)
    why = "not imported"
    if link_duplicates:
        why = "not imported or linked: more than one registered client matches"
    report.duplicates.append(
        Problem(item.line, "", f"{born} is already registered ({names}): {why}")
    )


# The fields compared to tell the admin a row changed in the source after it was imported.
COMPARED = ("first_name", "last_name", "date_of_birth", *TEXT_FIELDS[2:])


def _report_changed(imported: list[Planned], done: dict[str, object], report: Report) -> None:
    """Rows imported before whose values differ from the client here now: reported, never
    applied (the clinic may have corrected the record since; an import must not undo that)."""
    if not imported:
        return
    ids = [done[item.source_id] for item in imported]
    here = {client.pk: client for client in Client.objects.only(*COMPARED).filter(pk__in=ids)}
    for item in imported:
        client = here.get(done[item.source_id])
        if client is None:
            continue
        differ = [name for name in COMPARED if getattr(item.client, name) != getattr(client, name)]
        if differ:
            report.changed.append(
                Problem(
                    item.line,
                    ", ".join(differ),
                    f"differs from the client here ({client}, id {client.pk}), imported "
                    "before: not updated; edit the client if the source is right",
                )
            )


def preview_row(item: Planned) -> dict:
    client = item.client
    return {
        "line": item.line,
        "source_id": item.source_id,
        "name": f"{client.first_name} {client.last_name}",
        "date_of_birth": client.date_of_birth.isoformat(),
        "email": client.email,
        "phone": client.phone,
        "becomes": f"linked to {item.existing}" if item.existing else "a new client",
    }


def create(planned: list[Planned], mapping: Mapping, *, actor) -> None:
    """Write the planned clients, their imported-record rows and an audit entry for each, in
    batches."""
    for start in range(0, len(planned), BATCH):
        batch = planned[start : start + BATCH]
        Client.objects.bulk_create([item.client for item in batch if item.existing is None])
        ImportedRecord.objects.bulk_create(
            [
                ImportedRecord(
                    source=mapping.source,
                    kind=ImportedRecord.Kind.CLIENT,
                    source_id=item.source_id,
                    object_id=(item.existing or item.client).pk,
                )
                for item in batch
            ]
        )
        audit.record_many(
            actor=actor,
            action="create",
            entries=[_audited(item, mapping.source) for item in batch],
        )


def _audited(item: Planned, source: str) -> tuple:
    if item.existing is not None:
        said = f"linked to {source}'s client id {item.source_id} (a duplicate, not merged)"
        return item.existing, item.existing, said
    return item.client, item.client, f"imported from {source} (id {item.source_id})"
