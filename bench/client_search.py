"""Client search with 10,000 clients on PostgreSQL: p50/p95 of each kind of search beside a
primary-key lookup measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clinic_bench .venv/bin/python bench/client_search.py

Creates the database when missing, migrates it and seeds the clients once.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/clinic_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
os.environ.setdefault("DJANGO_DEBUG", "true")
CLIENTS = 10_000
ROUNDS = 200


def _ensure_database():
    name = os.environ["DATABASE_URL"].rsplit("/", 1)[1]
    exists = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", f"SELECT 1 FROM pg_database WHERE datname='{name}'"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    if not exists:
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)


def _seed():
    from clinic.models import Client

    missing = CLIENTS - Client.objects.count()
    rng = random.Random(7)
    first = ["Anna", "Ben", "Chloe", "David", "Elena", "Farid", "Grace", "Hugo", "Iris", "Jonas"]
    last = ["Smith", "Nguyen", "Garcia", "Okafor", "Lindgren", "Rossi", "Cohen", "Khan", "Moreau"]
    rows = []
    for n in range(max(missing, 0)):
        phone = f"555-{rng.randrange(10_000):04d}"
        rows.append(
            Client(
                first_name=rng.choice(first),
                last_name=f"{rng.choice(last)}{n}",
                date_of_birth=dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(25_000)),
                phone=phone,
                phone_digits=phone.replace("-", ""),
            )
        )
    Client.objects.bulk_create(rows, batch_size=2000)


def _measure(run) -> tuple[float, float]:
    timings = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        run()
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1]


def main():
    _ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    _seed()
    from clinic.models import Client, User

    staff, _ = User.objects.get_or_create(username="bench-desk", defaults={"role": "front_desk"})
    sample = Client.objects.order_by("?").first()
    clients = Client.objects.visible_to(staff)
    cases = {
        "baseline: one client by primary key": lambda: list(Client.objects.filter(pk=sample.pk)),
        "search last name fragment": lambda: list(clients.search(sample.last_name[:6])[:51]),
        "search first + last name": lambda: list(
            clients.search(f"{sample.first_name} {sample.last_name}")[:51]
        ),
        "search phone digits": lambda: list(clients.search(sample.phone_digits[-7:])[:51]),
        "search date of birth": lambda: list(clients.search(sample.date_of_birth.isoformat())[:51]),
    }
    print(f"clients: {Client.objects.count()}, rounds per case: {ROUNDS}")
    print(f"{'case':<40} {'p50 ms':>8} {'p95 ms':>8}")
    for name, run in cases.items():
        p50, p95 = _measure(run)
        print(f"{name:<40} {p50:>8.2f} {p95:>8.2f}")


if __name__ == "__main__":
    main()
