"""Checking an appointments file row by row and planning its import.

Times are the clinic's wall clock (clinic/clinic_time.py). A time the clock skips when daylight
saving starts (02:30 on a spring-forward day) is an error; a time it shows twice when it ends
(01:30 on a fall-back day) is an error unless the value carries its UTC offset
("2026-11-01 01:30 -0500").

What is reported, and what is imported anyway (documented in README.md):
- an overlap with another appointment of the therapist, the room or the client (one already
  here, or an earlier row of the file) is an error, whatever the status, except a cancelled
  one, which takes no time: the schedule is never double-booked by an import;
- outside the therapist's working hours or in their time off: an error for an appointment
  still to come (the booking rule), a warning for one in the past, which is history (the hours
  then were not necessarily today's) and is imported;
- a completed or no-show appointment in the future is an error;
- an inactive therapist's appointment still to come is an error."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from clinic import audit
from clinic.clinic_time import clinic_tz
from clinic.models import Client, Therapist
from clinic.search import fold, folded_names
from portals.imports.clients import parse_date
from portals.imports.mapping import Mapping
from portals.imports.report import Problem, Report
from portals.models import ImportedRecord
from scheduling.models import Appointment, AppointmentType, Room
from scheduling.services.appointments import outside_hours

Status = Appointment.Status
STATUSES = {
    "booked": Status.BOOKED,
    "scheduled": Status.BOOKED,
    "completed": Status.COMPLETED,
    "arrived": Status.COMPLETED,
    "cancelled": Status.CANCELLED,
    "canceled": Status.CANCELLED,
    "no_show": Status.NO_SHOW,
    "noshow": Status.NO_SHOW,
}


@dataclass
class Planned:
    line: int
    source_id: str
    appointment: Appointment


def _shown(fmt: str) -> str:
    for code, text in (("%Y", "YYYY"), ("%m", "MM"), ("%d", "DD"), ("%H", "HH"), ("%M", "MM")):
        fmt = fmt.replace(code, text)
    return fmt


def parse_local(value: str, fmt: str) -> dt.datetime:
    """The aware moment of a clinic wall-clock time, or of a time with its UTC offset.
    ValueError says why not: not a time, skipped by the clock, or shown twice."""
    for with_offset in (f"{fmt} %z", f"{fmt}%z"):
        try:
            return dt.datetime.strptime(value, with_offset).astimezone(dt.UTC)
        except ValueError:
            pass
    try:
        naive = dt.datetime.strptime(value, fmt)
    except ValueError:
        raise ValueError(f"{value} is not a date and time (expected {_shown(fmt)})") from None
    zone = clinic_tz()
    early, late = naive.replace(tzinfo=zone, fold=0), naive.replace(tzinfo=zone, fold=1)
    if early.utcoffset() != late.utcoffset():
        # Either skipped (the clock jumps over it) or shown twice (the clock goes back).
        skipped = early.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != naive
        if skipped:
            raise ValueError(
                f"{value} does not exist in {zone.key}: the clocks skip it when daylight "
                "saving time starts"
            )
        raise ValueError(
            f"{value} happens twice in {zone.key} (the clocks go back that night): give its "
            f"UTC offset, e.g. {value} {early:%z} or {value} {late:%z}"
        )
    return early.astimezone(dt.UTC)


class Lookups:
    """Every therapist, type and room, and the clients imported from this source, read once."""

    def __init__(self, mapping: Mapping):
        self.therapists: dict[str, Therapist] = {}
        for therapist in Therapist.objects.select_related("user"):
            self.therapists[therapist.user.username.casefold()] = therapist
            name = folded_names(therapist.user.first_name, therapist.user.last_name)
            self.therapists.setdefault(name, therapist)
        self.types = {t.name.casefold(): t for t in AppointmentType.objects.all()}
        self.rooms = {r.name.casefold(): r for r in Room.objects.all()}
        self.clients_by_source = dict(
            ImportedRecord.objects.filter(
                source=mapping.source, kind=ImportedRecord.Kind.CLIENT
            ).values_list("source_id", "object_id")
        )
        self.done = set(
            ImportedRecord.objects.filter(
                source=mapping.source, kind=ImportedRecord.Kind.APPOINTMENT
            ).values_list("source_id", flat=True)
        )

    def therapist(self, text: str) -> Therapist | None:
        return self.therapists.get(text.casefold()) or self.therapists.get(
            folded_names(*text.split())
        )


def _client(values, mapping, lookups, bad) -> Client | None:
    source_id = values.get("client_source_id", "")
    if source_id:
        pk = lookups.clients_by_source.get(source_id)
        if pk is not None:
            return Client.objects.filter(pk=pk).first()
        if not values.get("client_last_name"):
            bad(
                "client_source_id", f"no client imported from {mapping.source!r} has id {source_id}"
            )
            return None
    first, last = values.get("client_first_name", ""), values.get("client_last_name", "")
    birth_text = values.get("client_date_of_birth", "")
    if not (first and last and birth_text):
        bad(
            "client_source_id", "is required (or the client's first name, last name and birth date)"
        )
        return None
    try:
        birth = parse_date(birth_text, mapping.date_format)
    except ValueError as exc:
        bad("client_date_of_birth", str(exc))
        return None
    matches = list(Client.objects.same_name(first, last).filter(date_of_birth=birth)[:2])
    if not matches:
        bad("client_last_name", f"no client {first} {last} born {birth:%Y-%m-%d}")
        return None
    if len(matches) > 1:
        bad("client_last_name", f"two clients are {first} {last} born {birth:%Y-%m-%d}: give the "
            "client's source id")  # fmt: skip
        return None
    return matches[0]


def check_row(line, values, mapping: Mapping, lookups: Lookups, report: Report):
    problems: list[Problem] = []

    def bad(name, message):
        problems.append(Problem(line, name, message))

    source_id = values.get("source_id", "")
    if not source_id:
        bad("source_id", "is required (the appointment's id in the source system)")
    elif len(source_id) > 100:
        bad("source_id", f"at most 100 characters (this one has {len(source_id)})")
    client = _client(values, mapping, lookups, bad)
    therapist = None
    if not values.get("therapist"):
        bad("therapist", "is required")
    elif (therapist := lookups.therapist(values["therapist"])) is None:
        bad("therapist", f"no therapist with the username or name {values['therapist']}")
    kind = None
    if not values.get("appointment_type"):
        bad("appointment_type", "is required")
    elif (kind := lookups.types.get(values["appointment_type"].casefold())) is None:
        bad("appointment_type", f"no appointment type named {values['appointment_type']}")
    room = None
    if values.get("room") and (room := lookups.rooms.get(values["room"].casefold())) is None:
        bad("room", f"no room named {values['room']}")
    status = Status.BOOKED
    if values.get("status"):
        status = STATUSES.get(fold(values["status"]).lower().replace(" ", ""))
        status = status or STATUSES.get(values["status"].strip().lower().replace("-", "_"))
        if status is None:
            bad("status", f"{values['status']} is not one of booked, completed, cancelled, no_show")
    starts_at = ends_at = None
    if not values.get("starts_at"):
        bad("starts_at", "is required")
    else:
        try:
            starts_at = parse_local(values["starts_at"], mapping.datetime_format)
        except ValueError as exc:
            bad("starts_at", str(exc))
    if values.get("ends_at"):
        try:
            ends_at = parse_local(values["ends_at"], mapping.datetime_format)
        except ValueError as exc:
            bad("ends_at", str(exc))
        if starts_at and ends_at and ends_at <= starts_at:
            bad("ends_at", f"{values['ends_at']} is not after the start")
    if problems:
        return None, source_id, problems
    if ends_at is None:
        ends_at = starts_at + dt.timedelta(minutes=kind.duration_minutes)
    appointment = Appointment(
        client=client,
        therapist=therapist,
        room=room,
        appointment_type=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        status=status,
    )
    return appointment, source_id, []


def _conflict(item: Appointment, accepted: list[tuple[int, Appointment]]) -> str | None:
    """Why the appointment overlaps another (here already, or an earlier row), or None."""
    if item.status == Status.CANCELLED:
        return None
    others = Appointment.objects.overlapping(item.starts_at, item.ends_at)
    clash = others.filter(therapist=item.therapist).first()
    if clash:
        return f"{item.therapist} already has an appointment then (id {clash.pk})"
    if item.room is not None and others.filter(room=item.room).exists():
        return f"{item.room} is in use then"
    if others.filter(client=item.client).exists():
        return "the client already has an appointment then"
    for line, other in accepted:
        if other.status == Status.CANCELLED:
            continue
        if other.starts_at < item.ends_at and item.starts_at < other.ends_at:
            if other.therapist_id == item.therapist_id:
                return f"{item.therapist} has the appointment on line {line} then"
            if item.room is not None and other.room_id == item.room_id:
                return f"{item.room} is used by the appointment on line {line} then"
            if other.client_id == item.client_id:
                return f"the client has the appointment on line {line} then"
    return None


def plan(rows, mapping: Mapping, positions: dict[str, int], report: Report) -> list[Planned]:
    lookups = Lookups(mapping)
    now = timezone.now()
    planned: list[Planned] = []
    accepted: list[tuple[int, Appointment]] = []
    first_line_of: dict[str, int] = {}
    for line, row in rows:
        values = {
            ours: (row[at].strip() if at < len(row) else "") for ours, at in positions.items()
        }
        source_id = values.get("source_id", "")
        if source_id in first_line_of:
            report.errors.append(
                Problem(
                    line, "source_id", f"{source_id} is also on line {first_line_of[source_id]}"
                )
            )
            continue
        if source_id:
            first_line_of[source_id] = line
        if source_id in lookups.done:
            report.unchanged += 1
            continue
        appointment, source_id, problems = check_row(line, values, mapping, lookups, report)
        if problems:
            report.errors.extend(problems)
            continue
        upcoming = appointment.starts_at > now
        if upcoming and appointment.status in (Status.COMPLETED, Status.NO_SHOW):
            label = appointment.get_status_display().lower()
            report.errors.append(
                Problem(line, "status", f"a {label} appointment cannot be in the future")
            )
            continue
        if upcoming and appointment.status == Status.BOOKED and not appointment.therapist.is_active:
            report.errors.append(
                Problem(line, "therapist", f"{appointment.therapist} no longer takes appointments")
            )
            continue
        clash = _conflict(appointment, accepted)
        if clash:
            report.errors.append(Problem(line, "starts_at", f"overlap: {clash}"))
            continue
        if appointment.status != Status.CANCELLED:
            hours = outside_hours(
                therapist=appointment.therapist,
                starts_at=appointment.starts_at,
                ends_at=appointment.ends_at,
            )
            if hours and upcoming:
                report.errors.append(Problem(line, "starts_at", hours))
                continue
            if hours:
                report.warnings.append(
                    Problem(line, "starts_at", f"{hours} Imported: it is in the past (history).")
                )
        accepted.append((line, appointment))
        planned.append(Planned(line, source_id, appointment))
    return planned


def preview_row(item: Planned) -> dict:
    appointment = item.appointment
    start = appointment.starts_at.astimezone(clinic_tz())
    return {
        "line": item.line,
        "source_id": item.source_id,
        "client": str(appointment.client),
        "therapist": str(appointment.therapist),
        "type": appointment.appointment_type.name,
        "starts_at": f"{start:%Y-%m-%d %H:%M %Z}",
        "status": appointment.get_status_display(),
    }


def create(planned: list[Planned], mapping: Mapping, *, actor) -> None:
    now = timezone.now()
    for item in planned:
        appointment = item.appointment
        appointment.created_by = actor
        if appointment.status == Status.CANCELLED:
            appointment.cancelled_at = min(now, appointment.starts_at)
            appointment.cancel_reason = f"Cancelled in {mapping.source} (imported)."[:300]
    Appointment.objects.bulk_create([item.appointment for item in planned], batch_size=500)
    ImportedRecord.objects.bulk_create(
        [
            ImportedRecord(
                source=mapping.source,
                kind=ImportedRecord.Kind.APPOINTMENT,
                source_id=item.source_id,
                object_id=item.appointment.pk,
            )
            for item in planned
        ],
        batch_size=1000,
    )
    audit.record_many(
        actor=actor,
        action="create",
        entries=[
            (
                item.appointment.client,
                item.appointment,
                f"imported from {mapping.source} (id {item.source_id})",
            )
            for item in planned
        ],
    )
