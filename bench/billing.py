"""Billing's heavy pages on a billing-sized clinic: p50/p95 of each, in-process with Django's
test client (signed in as billing staff, production settings), beside a minimal Django view
measured in the same rounds; the year's export beside its floor (the same rows read with a
plain `values_list` and written with csv.writer); and each page's SQL query count.

    .venv/bin/python bench/billing.py [--reseed] [--rounds 10] [--per-round 5]
    .venv/bin/python bench/billing.py --small      # a tiny clinic, to check the script

DATABASE_URL (default postgres://postgres@127.0.0.1:5432/clinic_bench_billing, with --small
clinic_bench_billing_small) is created when missing, migrated and seeded once (~30 s):
2,000 clients, 4 therapists with their NPIs, the clinic's billing identity, four payers (one
with the per-code unit rule) and their fees, coverages, 40,000 posted visit charges from
signed notes over a year with 1-3 lines each, a payment with its allocations for about half
of them, credit notes, current authorizations. One client (the "heavy" one) has a visit every
other day. Target: each page's p95 at most 10 x the minimal view's.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
FULL_URL = "postgres://postgres@127.0.0.1:5432/clinic_bench_billing"
SMALL_URL = "postgres://postgres@127.0.0.1:5432/clinic_bench_billing_small"
STATIC_ROOT = "/tmp/clinic-bench-static"  # noqa: S108 - scratch collectstatic for DEBUG=false
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "clinic.settings",
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "bench-only-" + "k3y" * 20,
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,testserver",
    "DJANGO_SECURE_SSL_REDIRECT": "false",
    "DJANGO_STATIC_ROOT": STATIC_ROOT,
    "DJANGO_LOG_LEVEL": "WARNING",
    "CLINIC_REQUIRE_MFA": "false",
    "CLINIC_SESSION_IDLE_SECONDS": "86400",
}
MAX_RATIO = 10.0
NS = uuid.UUID("5b0e6a43-1f7c-4d2e-8a51-3c9d7e2f4b18")
MARKER_USER = "bench-billing-seeded"  # created last: present only after a complete seed
BILLER = "bench-biller"


def fixed_id(name: str) -> uuid.UUID:
    return uuid.uuid5(NS, name)


HEAVY_CLIENT = fixed_id("client-heavy")


@dataclass(frozen=True)
class Scale:
    clients: int
    therapists: int
    charges: int
    authorizations: int


FULL = Scale(clients=2_000, therapists=4, charges=40_000, authorizations=30)
SMALL = Scale(clients=40, therapists=2, charges=400, authorizations=3)
SLOTS = [dt.time(7 + n // 2, 30 * (n % 2)) for n in range(28)]  # 07:00 .. 20:30, 30 minutes
DIAGNOSES = [
    {"code": "M54.2", "description": "Cervicalgia"},
    {"code": "M62.838", "description": "Other muscle spasm"},
    {"code": "M54.50", "description": "Low back pain, unspecified"},
    {"code": "M25.511", "description": "Pain in right shoulder"},
]


# --- the database ---------------------------------------------------------------------------


def _psql(sql: str) -> str:
    return subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", sql],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def _ensure_database(url: str, *, reseed: bool) -> None:
    name = url.rsplit("/", 1)[1]
    if reseed:
        subprocess.run(
            ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "--force", name],
            check=True,
        )
    if not _psql(f"SELECT 1 FROM pg_database WHERE datname='{name}'"):
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)


def _npi(n: int) -> str:
    from billing.npi import NPI_PREFIX, luhn_check_digit

    body = f"1{n:08d}"
    return body + str(luhn_check_digit(NPI_PREFIX + body))


def _seed(scale: Scale, log=print) -> None:
    """Straight through the models (no services, no signals): small tables with bulk_create,
    the big ones with PostgreSQL COPY (bench/_seed_large.py), in one transaction."""
    from django.conf import settings
    from django.db import transaction

    from bench._seed_large import FIRST, LAST_A, LAST_B, copy_rows
    from billing.models import (
        Authorization,
        BillingCode,
        Charge,
        ChargeLine,
        ClinicBilling,
        Coverage,
        CreditNote,
        Payer,
        PayerFee,
        PayerType,
        Payment,
        PaymentAllocation,
        PaymentMethod,
        TechniqueBillingCode,
        TherapistBilling,
        UnitRule,
    )
    from billing.models.money import cents
    from billing.units import units as units_of
    from clinic.models import Client, Therapist, User
    from clinic.roles import Role
    from scheduling.models import Appointment, AppointmentType
    from sessions_log.models import SessionNote, TechniqueApplied

    rng = random.Random(18)
    tz = ZoneInfo(settings.TIME_ZONE)
    now = dt.datetime.now(dt.UTC)
    today = now.astimezone(tz).date()

    with transaction.atomic():
        biller = User.objects.create(
            id=fixed_id("user-biller"), username=BILLER, role=Role.BILLING, first_name="Bea"
        )
        t_users = User.objects.bulk_create(
            User(
                id=fixed_id(f"user-therapist-{n}"),
                username=f"bench-billing-therapist-{n}",
                role=Role.THERAPIST,
                first_name=FIRST[n],
                last_name=f"Therapist{n}",
            )
            for n in range(scale.therapists)
        )
        therapists = Therapist.objects.bulk_create(
            Therapist(id=fixed_id(f"therapist-{n}"), user=u, credentials="LMT")
            for n, u in enumerate(t_users)
        )
        TherapistBilling.objects.bulk_create(
            TherapistBilling(therapist=t, npi=_npi(n + 1), license_state="NY")
            for n, t in enumerate(therapists)
        )
        ClinicBilling.objects.update_or_create(
            singleton=True,
            defaults={
                "legal_name": "Bench Medical Massage LLC",
                "ein": "12-3456789",
                "npi": _npi(0),
                "address": "1 Bench Road",
                "city": "Springfield",
                "state": "NY",
                "postal_code": "12345",
            },
        )
        codes = {c.code: c for c in BillingCode.objects.all()}
        payers = Payer.objects.bulk_create(
            [
                Payer(name="Bench Blue Commercial", kind=PayerType.COMMERCIAL, payer_id="BB001"),
                Payer(name="Bench Mutual Health", kind=PayerType.COMMERCIAL, payer_id="BM002"),
                Payer(
                    name="Bench Auto PIP",
                    kind=PayerType.AUTO_PIP,
                    payer_id="AP003",
                    unit_rule=UnitRule.PER_CODE,
                ),
                Payer(name="Bench Workers Comp", kind=PayerType.WORKERS_COMP, payer_id="WC004"),
            ]
        )
        fees = {
            (p.pk, c): Decimal(f"{30 + 5 * i + j}.00")
            for i, p in enumerate(payers)
            for j, c in enumerate(("97124", "97140"))
        }
        PayerFee.objects.bulk_create(
            PayerFee(payer_id=p, billing_code=codes[c], fee=fee) for (p, c), fee in fees.items()
        )

        clients = Client.objects.bulk_create(
            (
                Client(
                    id=HEAVY_CLIENT if k == 0 else fixed_id(f"client-{k}"),
                    first_name=rng.choice(FIRST),
                    last_name=rng.choice(LAST_A) + rng.choice(LAST_B),
                    date_of_birth=dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(25_000)),
                    phone=f"555-{k:04d}",
                )
                for k in range(scale.clients)
            ),
            batch_size=2000,
        )
        log(f"  {len(clients)} clients, {len(therapists)} therapists, {len(payers)} payers")

        # Who pays: half pay themselves (client 0, the heavy one, too), 3 in 10 two commercial
        # insurers, 1 in 10 the auto (per-code) payer, 1 in 10 workers' compensation.
        days = -(-scale.charges // (len(SLOTS) * scale.therapists))
        first_day = today - dt.timedelta(days=days)
        coverages, coverage_of = [], {}
        for k, c in enumerate(clients):
            kind = k % 10
            if kind < 5:
                cov = Coverage(client=c, payer_type=PayerType.SELF_PAY, starts_on=first_day)
            else:
                payer = payers[kind % 2] if kind < 8 else payers[2 if kind == 8 else 3]
                cov = Coverage(
                    client=c,
                    payer_type=payer.kind,
                    payer=payer,
                    starts_on=first_day,
                    member_id=f"MBR{k:07d}" if kind < 8 else "",
                    group_number="G-100" if kind < 8 else "",
                    subscriber_name=f"{c.first_name} {c.last_name}",
                    claim_number=f"CLM-{k:06d}" if kind >= 8 else "",
                    date_of_accident=first_day if kind == 8 else None,
                    date_of_injury=first_day if kind == 9 else None,
                    employer="Bench Works Inc." if kind == 9 else "",
                )
            cov.created_by = biller
            coverages.append(cov)
            coverage_of[c.pk] = (cov, payer if kind >= 5 else None)
        Coverage.objects.bulk_create(coverages, batch_size=2000)
        authorized = [
            cov for cov in coverages if cov.payer_type in (PayerType.AUTO_PIP, "workers_comp")
        ][: scale.authorizations]
        auths = Authorization.objects.bulk_create(
            Authorization(
                coverage=cov,
                number=f"AUTH-{n:05d}",
                visits_approved=rng.choice([12, 24, 36]),
                starts_on=first_day,
                ends_on=today + dt.timedelta(days=rng.randrange(5, 120)),
                created_by=biller,
            )
            for n, cov in enumerate(authorized)
        )
        auth_of = {a.coverage.client_id: a for a in auths}

        # Visits: 30-minute slots 07:00-21:00 every day for each therapist, back from
        # yesterday; each one completed, signed and charged (posted).
        treatment = AppointmentType.objects.get(name="Treatment")
        links = {}
        for link in TechniqueBillingCode.objects.select_related("technique", "billing_code"):
            links.setdefault(link.billing_code.code, []).append(link.technique)
        appts, notes, applied, charges, lines = [], [], [], [], []
        payments, allocations, credits = [], [], []
        methods = {m.code: m for m in PaymentMethod.objects.all()}
        posted_at = now - dt.timedelta(days=1)
        for n in range(scale.charges):
            day_index, rest = divmod(n, len(SLOTS) * scale.therapists)
            t, slot = divmod(rest, len(SLOTS))
            day = first_day + dt.timedelta(days=day_index)
            starts = dt.datetime.combine(day, SLOTS[slot], tz)
            heavy = t == 0 and slot == 0 and day_index % 2 == 0
            client = clients[0] if heavy else clients[rng.randrange(1, len(clients))]
            therapist = therapists[t]
            appt = Appointment(
                client=client,
                therapist=therapist,
                appointment_type=treatment,
                starts_at=starts,
                ends_at=starts + dt.timedelta(minutes=30),
                status="completed",
                created_by=biller,
            )
            note = SessionNote(
                appointment=appt,
                client=client,
                therapist=therapist.user,
                signed_at=appt.ends_at + dt.timedelta(hours=1),
                subjective="Neck stiff after long days at the computer.",
                objective="Hypertonic upper trapezius.",
                assessment="Responding to treatment.",
                plan_next="Continue as planned.",
                pain_before=6,
                pain_after=3,
            )
            cov, payer = coverage_of[client.pk]
            rule = payer.unit_rule if payer else UnitRule.CMS
            auth = auth_of.get(client.pk)
            charge = Charge(
                client=client,
                appointment=appt,
                note=note,
                rendering=therapist,
                date_of_service=day,
                payer_type=cov.payer_type,
                coverage=cov,
                authorization=auth if auth and auth.covers(day) else None,
                unit_rule=rule,
                diagnoses=rng.sample(DIAGNOSES, rng.randrange(1, 3)),
                status=Charge.Status.POSTED,
                posted_at=posted_at,
                posted_by=biller,
            )
            picked = rng.sample(["97124", "97140", "97010"], rng.randrange(1, 4))
            minutes = {c: rng.randrange(10, 46) for c in picked if c != "97010"}
            unit_counts = units_of(minutes, rule=rule) if minutes else {}
            charge_lines = []
            for position, cpt in enumerate(picked, start=1):
                code = codes[cpt]
                timed = cpt in minutes
                count = max(unit_counts.get(cpt, 0), 1) if timed else 1
                fee = fees.get((payer.pk, cpt), code.self_pay_fee) if payer else code.self_pay_fee
                line = ChargeLine(
                    charge=charge,
                    billing_code=code,
                    description=code.description[:200],
                    modifiers="GP" if payer else "",
                    timed_minutes=minutes.get(cpt),
                    units=count,
                    unit_fee=fee,
                    amount=cents(fee * count),
                    diagnosis_pointers="12"[: len(charge.diagnoses)],
                    position=position,
                )
                charge_lines.append(line)
                if timed:
                    applied.append(
                        TechniqueApplied(
                            note=note,
                            technique=rng.choice(links[cpt]),
                            body_region="neck",
                            pressure="moderate",
                            minutes=minutes[cpt],
                        )
                    )
            if rng.random() < 0.5:  # paid: the client in full, a payer 80 %
                share = Decimal("0.8") if payer else Decimal(1)
                payment = Payment(
                    client=client,
                    payer=payer,
                    method=methods["insurance"] if payer else methods[rng.choice(["cash", "card"])],
                    amount=Decimal(0),
                    received_on=min(day + dt.timedelta(days=rng.randrange(0, 40)), today),
                    reference=f"EOB-{n:06d}" if payer else "",
                    recorded_by=biller,
                )
                for line in charge_lines:
                    part = cents(line.amount * share)
                    payment.amount += part
                    allocations.append(
                        PaymentAllocation(
                            payment=payment, line=line, amount=part, allocated_by=biller
                        )
                    )
                payments.append(payment)
            elif rng.random() < 0.02:
                credits.append(
                    CreditNote(
                        number=f"CN-{len(credits) + 1:06d}",
                        charge=charge,
                        line=charge_lines[0],
                        amount=Decimal("5.00"),
                        reason="Courtesy discount",
                        created_by=biller,
                    )
                )
            appts.append(appt)
            notes.append(note)
            charges.append(charge)
            lines += charge_lines
        for model, rows in (
            (Appointment, appts),
            (SessionNote, notes),
            (TechniqueApplied, applied),
            (Charge, charges),
            (ChargeLine, lines),
            (Payment, payments),
            (PaymentAllocation, allocations),
            (CreditNote, credits),
        ):
            copy_rows(model, rows)
        log(
            f"  {len(charges)} posted charges ({first_day} to {first_day + dt.timedelta(days=days - 1)}),"
            f" {len(lines)} lines, {len(payments)} payments, {len(allocations)} allocations,"
            f" {len(credits)} credit notes, {len(auths)} authorizations"
        )
        User.objects.create(username=MARKER_USER, role=Role.ADMIN, is_active=False)


def _setup(url: str, scale: Scale, *, reseed: bool) -> None:
    _ensure_database(url, reseed=reseed)
    os.environ.update(PRODUCTION_ENV)
    os.environ.pop("REDIS_URL", None)
    os.environ["DATABASE_URL"] = url
    if not (Path(STATIC_ROOT) / "staticfiles.json").exists():  # DEBUG=false needs the manifest
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=os.environ,
            check=True,
        )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from clinic.models import User

    call_command("migrate", verbosity=0)
    if User.objects.filter(username=MARKER_USER).exists():
        return
    print(f"seeding {url.rsplit('/', 1)[1]} ...", flush=True)
    started = time.perf_counter()
    _seed(scale, log=lambda s: print(s, flush=True))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"  seeded in {time.perf_counter() - started:.0f} s", flush=True)


# --- measuring ------------------------------------------------------------------------------


def _consume(response) -> int:
    """Reads the whole response; returns the number of CSV lines (header included) or 0."""
    if response.streaming:
        return sum(chunk.count(b"\n") for chunk in response.streaming_content)
    return 0


def _floor_rows(start: dt.date, end: dt.date) -> int:
    """The export's floor: the same lines and columns read as plain tuples in one query and
    written with csv.writer, no model instances, no per-line Python beyond the writer."""
    from billing.export import HEADER
    from billing.models import Charge, ChargeLine

    class Echo:
        def write(self, value):
            return value

    writer = csv.writer(Echo())
    rows = (
        ChargeLine.objects.filter(
            charge__status=Charge.Status.POSTED,
            charge__date_of_service__gte=start,
            charge__date_of_service__lte=end,
        )
        .order_by("charge__date_of_service", "charge__created_at", "charge_id", "position")
        .values_list(
            "charge__date_of_service",
            "charge__client_id",
            "charge__payer_type",
            "charge__coverage__payer__name",
            "charge__coverage__member_id",
            "billing_code__code",
            "modifiers",
            "timed_minutes",
            "units",
            "charge__unit_rule",
            "diagnosis_pointers",
            "amount",
            "charge__rendering__billing_identity__npi",
        )
    )
    written = len(writer.writerow(HEADER)) > 0
    for row in rows.iterator(chunk_size=2000):
        written += len(writer.writerow(row)) > 0
    return written


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[max(0, -(-len(ordered) * 95 // 100) - 1)]
    return statistics.median(ordered), p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true", help="a tiny clinic, to check the script")
    parser.add_argument("--reseed", action="store_true", help="drop and recreate the database")
    parser.add_argument("--rounds", type=int, default=10, help="interleaved rounds")
    parser.add_argument("--per-round", type=int, default=5, help="requests a page a round")
    args = parser.parse_args()
    scale = SMALL if args.small else FULL
    url = os.environ.get("DATABASE_URL") or (SMALL_URL if args.small else FULL_URL)
    _setup(url, scale, reseed=args.reseed)

    from django.db import connection
    from django.db.models import Count, Max, Min
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    import bench.wsgi_bench  # noqa: F401 - its URLconf (with /bench/minimal) becomes the root
    from billing.models import Charge, ChargeLine
    from clinic.models import User

    setup_test_environment()
    span = Charge.objects.posted().aggregate(
        start=Min("date_of_service"), end=Max("date_of_service")
    )
    start, end = span["start"], span["end"]
    heavy = Charge.objects.values("client_id").annotate(n=Count("pk")).order_by("-n").first()
    browser = Client()
    browser.force_login(User.objects.get(username=BILLER))
    export_path = f"/billing/export.csv?from={start}&to={end}"
    pages = [
        ("minimal Django view (baseline)", "/bench/minimal"),
        ("reports (aging, revenue, visits left)", "/billing/reports/"),
        ("charges worklist, posted", "/billing/charges/?status=posted"),
        ("billing clients list", "/billing/clients/"),
        (f"client's billing ({heavy['n']} charges)", f"/billing/clients/{heavy['client_id']}/"),
    ]
    lines = ChargeLine.objects.filter(
        charge__status="posted", charge__date_of_service__range=(start, end)
    ).count()
    print(
        f"{Charge.objects.count()} charges, {ChargeLine.objects.count()} lines;"
        f" export {start} to {end}: {lines} lines",
        flush=True,
    )

    # Query counts (after a warm-up request, so caches filled on first use are not counted).
    counts = {}
    for label, path in [*pages, ("export (year)", export_path)]:
        _consume(browser.get(path))
        with CaptureQueriesContext(connection) as queries:
            response = browser.get(path)
            _consume(response)
        assert response.status_code == 200, (label, response.status_code)
        counts[label] = len(queries)

    timings: dict[str, list[float]] = {label: [] for label, _ in pages}
    export_ms, floor_ms, export_lines = [], [], 0
    for _ in range(args.rounds):
        for label, path in pages:
            for _ in range(args.per_round):
                started = time.perf_counter()
                response = browser.get(path)
                _consume(response)
                timings[label].append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (label, response.status_code)
        started = time.perf_counter()
        export_lines = _consume(browser.get(export_path))
        export_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        floor_lines = _floor_rows(start, end)
        floor_ms.append((time.perf_counter() - started) * 1000)
        assert export_lines == floor_lines == lines + 1, (export_lines, floor_lines, lines)

    base_p95 = _percentiles(timings[pages[0][0]])[1]
    print(
        f"\n{args.rounds} interleaved rounds, {args.rounds * args.per_round} requests a page,"
        f" {args.rounds} exports; in-process (Django test client, production settings)"
    )
    header = f"{'page':<44} {'p50 ms':>9} {'p95 ms':>9} {'p95/base':>9} {'queries':>8}"
    print(header)
    print("-" * len(header))
    for label, _ in pages:
        p50, p95 = _percentiles(timings[label])
        flag = "" if p95 <= MAX_RATIO * base_p95 else "  over 10 x"
        print(
            f"{label:<44} {p50:>9.1f} {p95:>9.1f} {p95 / base_p95:>9.1f} {counts[label]:>8}{flag}"
        )
    p50, p95 = _percentiles(export_ms)
    f50, f95 = _percentiles(floor_ms)
    print(
        f"{'export, year (' + str(lines) + ' lines)':<44} {p50:>9.0f} {p95:>9.0f} {'':>9} {counts['export (year)']:>8}"
    )
    print(f"{'floor: values_list + csv.writer':<44} {f50:>9.0f} {f95:>9.0f} {'':>9} {1:>8}")
    print(
        f"\nexport: {lines / p50 * 1000:,.0f} lines/s at p50 (floor {lines / f50 * 1000:,.0f}),"
        f" {p50 / f50:.1f} x the floor"
    )


if __name__ == "__main__":
    main()
