"""Reading the CSV and what an import reports: each problem with its line and field."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

MAX_ROWS = 100_000


@dataclass(frozen=True)
class Problem:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        return (
            f"{where}, {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


@dataclass
class Report:
    kind: str
    mapping: str = ""
    source: str = ""
    rows: int = 0
    created: int = 0  # new rows written (or, in a dry run, that would be)
    unchanged: int = 0  # already imported from this source: left as they are
    errors: list[Problem] = field(default_factory=list)
    duplicates: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    linked: list[Problem] = field(default_factory=list)  # duplicates linked, on request
    changed: list[Problem] = field(default_factory=list)  # imported before, changed since
    preview: list[dict] = field(default_factory=list)  # the first rows, as they would be saved
    dry_run: bool = False
    written: bool = False

    @property
    def error_lines(self) -> int:
        return len({problem.line for problem in self.errors})

    def summary(self) -> str:
        if self.written:
            verb = "imported"
        elif self.dry_run:
            verb = "would import"
        else:
            verb = "imported nothing (the file has errors); would import"
        linked = f", {count(len(self.linked), 'duplicate')} linked" if self.linked else ""
        changed = (
            f", {count(len(self.changed), 'row')} changed in the source (not updated)"
            if self.changed
            else ""
        )
        return (
            f"{count(self.rows, 'row')}: {verb} {self.created_label}{linked}, "
            f"{self.unchanged} already imported{changed}, "
            f"{count(len(self.duplicates), 'possible duplicate')} not imported, "
            f"{count(self.error_lines, 'row')} with errors, "
            f"{count(len(self.warnings), 'warning')} "
            f"(mapping {self.mapping}, source {self.source!r})."
        )

    @property
    def created_label(self) -> str:
        """'1 client', '2 appointments': the new rows, named."""
        return count(self.created, self.kind.removesuffix("s"))


def count(number: int, noun: str) -> str:
    """'1 client', '2 clients'."""
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"


class FileProblem(ValueError):
    """The file as a whole cannot be read (no header, not UTF-8, a preset not found)."""


def read_csv(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and each data row with the line it starts on (the header is line 1).
    UTF-8, with or without a byte-order mark (Excel's "CSV UTF-8")."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileProblem(
            f"The file is not UTF-8 text (byte {exc.start}). Save it as 'CSV UTF-8' and try again."
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if not header or not any(cell.strip() for cell in header):
            raise FileProblem("The file is empty: the first line must name the columns.")
        rows = []
        line = reader.line_num + 1
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append((line, row))
            line = reader.line_num + 1
            if len(rows) > MAX_ROWS:
                raise FileProblem(f"At most {MAX_ROWS:,} rows in one file; split it.")
    except csv.Error as exc:
        raise FileProblem(f"line {reader.line_num}: the CSV cannot be read ({exc}).") from None
    return [cell.strip() for cell in header], rows
