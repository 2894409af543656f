"""Importing 10,000 clients from a CSV on PostgreSQL (manage.py import_clinic), beside a plain
bulk_create of the same rows measured in the same run, with 10,000 clients already registered
(so the duplicate check has rows to look through; 50 rows of the file are such duplicates).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clinic_bench_import .venv/bin/python bench/import_clients.py

Creates the database when missing, migrates it and seeds the registered clients once. Every
measured write is rolled back, so the script can be run again and measures the same thing.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
import subprocess
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/clinic_bench_import")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
os.environ.setdefault("DJANGO_DEBUG", "true")
EXISTING = 10_000
ROWS = 10_000
DUPLICATES = 50
FIRST = ["Anna", "Ben", "Chloé", "David", "Elena", "Farid", "Grace", "Hugo", "Iris", "Jonas"]
LAST = ["Smith", "Nguyen", "García", "Okafor", "Lindgren", "Rossi", "Cohen", "Khan", "O'Neil"]


class Rollback(Exception):
    pass


def _ensure_database():
    name = os.environ["DATABASE_URL"].rsplit("/", 1)[1]
    exists = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", f"SELECT 1 FROM pg_database WHERE datname='{name}'"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    if not exists:
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)


def _person(rng, n, prefix):
    return {
        "first_name": rng.choice(FIRST),
        "last_name": f"{rng.choice(LAST)}{prefix}{n}",
        "date_of_birth": dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(25_000)),
        "phone": f"555-{rng.randrange(10_000):04d}",
    }


def _seed():
    from clinic.models import Client

    missing = EXISTING - Client.objects.count()
    rng = random.Random(7)
    rows = []
    for n in range(max(missing, 0)):
        person = _person(rng, n, "E")
        rows.append(Client(**person, phone_digits=person["phone"].replace("-", "")))
    Client.objects.bulk_create(rows, batch_size=2000)


def _write_csv(path: Path) -> list[dict]:
    from clinic.models import Client

    rng = random.Random(11)
    people = [_person(rng, n, "I") for n in range(ROWS - DUPLICATES)]
    for other in Client.objects.order_by("?")[:DUPLICATES]:
        people.append(
            {
                "first_name": other.first_name.upper(),
                "last_name": other.last_name,
                "date_of_birth": other.date_of_birth,
                "phone": "",
            }  # fmt: skip
        )
    rng.shuffle(people)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["Patient ID", "First Name", "Last Name", "Birth Date", "Email", "Mobile Phone"]
        )
        for n, person in enumerate(people):
            writer.writerow(
                [
                    f"P{n:05d}",
                    person["first_name"],
                    person["last_name"],
                    person["date_of_birth"].strftime("%m/%d/%Y"),
                    f"p{n}@example.test",
                    person["phone"],
                ]  # fmt: skip
            )
    return people


def _timed(run) -> float:
    from django.db import transaction

    started = time.perf_counter()
    try:
        with transaction.atomic():
            run()
            elapsed = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    return elapsed


def main():
    _ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    _seed()
    from clinic.models import Client

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "clients.csv"
        people = _write_csv(path)
        size_kb = path.stat().st_size // 1024

        def baseline():
            Client.objects.bulk_create(
                [Client(**p, phone_digits=p["phone"].replace("-", "")) for p in people],
                batch_size=1000,
            )

        outputs = {}

        def command(*extra, key):
            def run():
                out = StringIO()
                call_command("import_clinic", str(path), "--kind", "clients", *extra, stdout=out)
                outputs[key] = next(
                    line for line in out.getvalue().splitlines() if " rows: " in line
                )

            return run

        def import_then_rerun():
            command(key="import")()
            started = time.perf_counter()
            command(key="rerun")()
            outputs["rerun_seconds"] = time.perf_counter() - started

        figures = [
            ("baseline: plain bulk_create of the same rows", _timed(baseline)),
            ("import_clinic --dry-run", _timed(command("--dry-run", key="dry"))),
            ("import_clinic (import + re-run, below)", _timed(import_then_rerun)),
        ]
    print(f"registered clients: {Client.objects.count()}, rows in the file: {ROWS} "
          f"({DUPLICATES} duplicates of registered clients), file {size_kb} KB")  # fmt: skip
    print(f"{'case':<48} {'seconds':>8}")
    import_total = figures[2][1]
    figures[2] = ("import_clinic (import)", import_total - outputs["rerun_seconds"])
    figures.append(("import_clinic again (re-run: changes nothing)", outputs["rerun_seconds"]))
    for name, seconds in figures:
        print(f"{name:<48} {seconds:>8.2f}")
    for key in ("dry", "import", "rerun"):
        print(f"{key}: {outputs[key]}")


if __name__ == "__main__":
    main()
