"""`manage.py import_clinic FILE.csv --kind clients|appointments [--mapping MAPPING.toml]
[--dry-run] [--skip-bad-rows] [--link-duplicates]`: bring a clinic's clients and appointments
from another system. README.md, "Importing from another system", says the mapping format and
what is reported."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portals.imports.mapping import KINDS, PRESET_NAMES, MappingError, parse_toml, preset
from portals.imports.report import FileProblem
from portals.imports.service import clinic_import


class Command(BaseCommand):
    help = "Import clients or appointments from another system's CSV export."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the CSV file (UTF-8, first line names the columns)")
        parser.add_argument("--kind", required=True, choices=KINDS)
        parser.add_argument("--mapping", help="a TOML mapping file (see README.md)")
        parser.add_argument(
            "--preset", choices=PRESET_NAMES, help="a preset by name (default: from the header)"
        )
        parser.add_argument("--source", help="the source system's name (idempotency key)")
        parser.add_argument("--dry-run", action="store_true", help="report only, write nothing")
        parser.add_argument(
            "--skip-bad-rows",
            action="store_true",
            help="import the good rows of a file with errors (default: a bad row stops it all)",
        )
        parser.add_argument(
            "--link-duplicates",
            action="store_true",
            help="clients: link a row to the one registered client with its name and birth "
            "date (nothing of theirs changes), so its appointments can be imported",
        )

    def handle(self, *args, **options):
        try:
            data = Path(options["file"]).read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {options['file']}: {exc.strerror}.") from None
        try:
            mapping = None
            if options["mapping"]:
                path = Path(options["mapping"])
                mapping = parse_toml(path.read_text(encoding="utf-8"), name=str(path))
            elif options["preset"]:
                mapping = preset(options["preset"])
            report = clinic_import(
                actor=None,
                kind=options["kind"],
                data=data,
                mapping=mapping,
                source=options["source"],
                dry_run=options["dry_run"],
                skip_bad_rows=options["skip_bad_rows"],
                link_duplicates=options["link_duplicates"],
                file_name=Path(options["file"]).name,
            )
        except (MappingError, FileProblem) as exc:
            raise CommandError(str(exc)) from None
        except OSError as exc:
            raise CommandError(f"Cannot read {options['mapping']}: {exc.strerror}.") from None
        for title, problems in (
            ("Errors", report.errors),
            ("Possible duplicates (not imported)", report.duplicates),
            ("Warnings", report.warnings),
            ("Duplicates linked to the registered client", report.linked),
            ("Changed in the source since imported (not updated)", report.changed),
        ):
            if problems:
                self.stdout.write(f"{title}:")
                for problem in problems:
                    self.stdout.write(f"  {problem}")
        self.stdout.write(report.summary())
        if report.dry_run:
            self.stdout.write("Dry run: nothing was written.")
        elif report.errors and not report.written:
            raise CommandError(
                "The file has errors: nothing was imported. Fix them, or run again with "
                "--skip-bad-rows to import the good rows."
            )
