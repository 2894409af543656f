"""Which column of the source's CSV holds which of our fields.

A mapping is our field -> the source's column name, with the formats of its dates. The presets
are column names of common exports; the named ones are guesses from those products' public help
pages, not official formats. A custom mapping is a TOML file:

    source = "oldclinic"          # names the source system (idempotency key); default: the preset
    date_format = "%m/%d/%Y"      # birth dates
    datetime_format = "%m/%d/%Y %H:%M"   # appointment start / end, clinic time
    [columns]
    source_id = "Patient ID"
    first_name = "First Name"
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field

KINDS = ("clients", "appointments")

CLIENT_FIELDS = {
    # our field: (required, what it is)
    "source_id": (True, "the client's id in the source system"),
    "first_name": (True, "first name"),
    "last_name": (True, "last name"),
    "date_of_birth": (True, "date of birth (date_format)"),
    "email": (False, "e-mail address"),
    "phone": (False, "phone number"),
    "address": (False, "postal address"),
    "emergency_contact_name": (False, "emergency contact's name"),
    "emergency_contact_phone": (False, "emergency contact's phone"),
    "emergency_contact_relationship": (False, "emergency contact's relationship"),
}
APPOINTMENT_FIELDS = {
    "source_id": (True, "the appointment's id in the source system"),
    "client_source_id": (False, "the client's id in the source system (imported before)"),
    "client_first_name": (False, "the client's first name (with last name and birth date)"),
    "client_last_name": (False, "the client's last name"),
    "client_date_of_birth": (False, "the client's date of birth (date_format)"),
    "therapist": (True, "the therapist's username or full name"),
    "appointment_type": (True, "the appointment type's name"),
    "starts_at": (True, "start, clinic time (datetime_format), optionally with a UTC offset"),
    "ends_at": (False, "end (datetime_format); without it the type's duration"),
    "room": (False, "the room's name"),
    "status": (False, "booked, completed, cancelled or no_show (default booked)"),
}
FIELDS = {"clients": CLIENT_FIELDS, "appointments": APPOINTMENT_FIELDS}


@dataclass(frozen=True)
class Mapping:
    name: str
    source: str
    columns: dict[str, str]  # our field -> the source's column
    date_format: str = "%Y-%m-%d"
    datetime_format: str = "%Y-%m-%d %H:%M"
    guessed: bool = field(default=False, compare=False)

    def missing(self, kind: str, header: list[str]) -> list[str]:
        """Our required fields whose column is not in `header` (compared without case or
        surrounding spaces)."""
        present = {_norm(name) for name in header}
        required = [name for name, (needed, _) in FIELDS[kind].items() if needed]
        gone = [name for name in required if _norm(self.columns.get(name, "")) not in present]
        if kind == "appointments":
            by_id = _norm(self.columns.get("client_source_id", "")) in present
            by_name = all(
                _norm(self.columns.get(name, "")) in present
                for name in ("client_first_name", "client_last_name", "client_date_of_birth")
            )
            if not (by_id or by_name):
                gone.append("client_source_id (or client_first_name, client_last_name, "
                            "client_date_of_birth)")  # fmt: skip
        return gone

    def positions(self, kind: str, header: list[str]) -> dict[str, int]:
        """Our field -> its column's index in `header`, for the fields the file has."""
        index = {_norm(name): at for at, name in enumerate(header)}
        return {
            ours: index[_norm(theirs)]
            for ours, theirs in self.columns.items()
            if ours in FIELDS[kind] and _norm(theirs) in index
        }


def _norm(name: str) -> str:
    return " ".join(name.split()).casefold()


def _same(*names: str) -> dict[str, str]:
    return {name: name for name in names}


PRESETS = [
    Mapping(
        name="janeapp-like",
        source="janeapp-like",
        columns={
            "source_id": "Patient ID",
            "first_name": "First Name",
            "last_name": "Last Name",
            "date_of_birth": "Birth Date",
            "email": "Email",
            "phone": "Mobile Phone",
            "address": "Address",
            "emergency_contact_name": "Emergency Contact Name",
            "emergency_contact_phone": "Emergency Contact Phone",
            "emergency_contact_relationship": "Emergency Contact Relationship",
            # appointments
            "client_source_id": "Patient ID",
            "therapist": "Staff Member",
            "appointment_type": "Treatment",
            "starts_at": "Start At",
            "ends_at": "End At",
            "room": "Room",
            "status": "State",
        },
        date_format="%m/%d/%Y",
        datetime_format="%m/%d/%Y %H:%M",
    ),
    Mapping(
        name="mindbody-like",
        source="mindbody-like",
        columns={
            "source_id": "Client ID",
            "first_name": "First Name",
            "last_name": "Last Name",
            "date_of_birth": "Birthday",
            "email": "Email",
            "phone": "Cell Phone",
            "address": "Address Line 1",
            "emergency_contact_name": "Emergency Contact Name",
            "emergency_contact_phone": "Emergency Contact Phone",
            "emergency_contact_relationship": "Emergency Contact Relationship",
            "client_source_id": "Client ID",
            "therapist": "Staff",
            "appointment_type": "Session Type",
            "starts_at": "Start Date/Time",
            "ends_at": "End Date/Time",
            "room": "Location Room",
            "status": "Status",
        },
        date_format="%m/%d/%Y",
        datetime_format="%m/%d/%Y %H:%M",
    ),
    # Our own field names: the last resort, and what a hand-made CSV should use.
    Mapping(
        name="generic",
        source="generic",
        columns={
            **_same(*CLIENT_FIELDS, *APPOINTMENT_FIELDS),
            "source_id": "id",
            "client_source_id": "client_id",
            "client_first_name": "client_first_name",
            "appointment_type": "type",
            "starts_at": "start",
            "ends_at": "end",
        },
    ),
]
PRESET_NAMES = [preset.name for preset in PRESETS]


class MappingError(ValueError):
    """A mapping file that cannot be used; the message says why."""


def preset(name: str) -> Mapping:
    for candidate in PRESETS:
        if candidate.name == name:
            return candidate
    raise MappingError(f"No preset named {name!r} (there are {', '.join(PRESET_NAMES)}).")


def guess(kind: str, header: list[str]) -> Mapping | None:
    """The first preset whose required columns are all in the header."""
    for candidate in PRESETS:
        if not candidate.missing(kind, header):
            return candidate
    return None


def parse_toml(text: str, *, name: str = "mapping file") -> Mapping:
    """A custom mapping from TOML text; a MappingError says what is wrong with it."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"The {name} is not valid TOML: {exc}.") from None
    columns = data.get("columns")
    if not isinstance(columns, dict) or not columns:
        raise MappingError(f'The {name} needs a [columns] table (first_name = "First Name").')
    known = set(CLIENT_FIELDS) | set(APPOINTMENT_FIELDS)
    unknown = sorted(set(columns) - known)
    if unknown:
        raise MappingError(
            f"The {name} maps unknown fields: {', '.join(unknown)}. "
            f"Known: {', '.join(sorted(known))}."
        )
    if not all(isinstance(value, str) and value.strip() for value in columns.values()):
        raise MappingError(f"In the {name}, every column name must be a non-empty string.")
    extra = sorted(set(data) - {"columns", "source", "date_format", "datetime_format"})
    if extra:
        raise MappingError(f"The {name} has unknown keys: {', '.join(extra)}.")
    for key in ("source", "date_format", "datetime_format"):
        if key in data and not (isinstance(data[key], str) and data[key].strip()):
            raise MappingError(f"In the {name}, {key} must be a non-empty string.")
    source = data.get("source", "custom").strip()
    if len(source) > 60:
        raise MappingError(f"In the {name}, source is at most 60 characters.")
    return Mapping(
        name="custom",
        source=source,
        columns=dict(columns),
        date_format=data.get("date_format", "%Y-%m-%d"),
        datetime_format=data.get("datetime_format", "%Y-%m-%d %H:%M"),
    )
