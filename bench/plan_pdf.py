"""Plan PDF end to end: request -> ready through a real Celery worker (PostgreSQL + Redis),
beside WeasyPrint alone rendering the same HTML in the same run, and the worker's peak RSS.

    .venv/bin/python bench/plan_pdf.py [runs]

Uses its own throwaway database (test_bench_plan_pdf, created, migrated and dropped) and its
own Redis database (REDIS_URL, default db 13), so it never touches a test run's data. The
worker it starts consumes the pdf, email and default queues. Target: end-to-end p50 at most
1.5 x the bare render p50.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/13")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings_test")
RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 20
BENCH_DB = "test_bench_plan_pdf"


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = BENCH_DB
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    worker = None
    try:
        version = _plan()
        worker = _start_worker(settings)
        _report(*_measure(version, worker.pid), worker_rss_kib=_peak_rss(worker.pid))
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        connection.creation.destroy_test_db(BENCH_DB, verbosity=0)


def _plan():
    """3 techniques, 5 milestones (NPRS, ROM, PSFS, two described), an override and an
    assessment, like the unit tests' plan."""
    from django.utils import timezone

    from clinic.tests.factories import make_cast
    from documents.tests.test_pdf import make_plan
    from treatment_plans.models import Milestone
    from treatment_plans.tests.factories import MilestoneFactory

    cast = make_cast()
    cast.physician.email = "dr.bench@example.test"
    cast.physician.save()
    version = make_plan(cast)
    MilestoneFactory(
        version=version,
        order=4,
        kind=Milestone.Kind.TEXT,
        comparator="",
        description="Drives for an hour without stopping",
        target_value=None,
        baseline_value=None,
    )
    assert version.techniques.count() == 3 and version.milestones.count() == 5
    version.activated_at = timezone.now()
    version.save()
    _sessions(cast, version, SESSIONS)
    return version


SESSIONS = 20


def _sessions(cast, version, count: int) -> None:
    """`count` signed session notes with a ROM and a PSFS measurement each, so the PDF's
    progress and charts read real session data."""
    import datetime as dt

    from django.utils import timezone

    from intake.models import RomNorm
    from scheduling.tests.factories import AppointmentFactory
    from sessions_log.models import Measurement
    from sessions_log.tests.factories import SessionNoteFactory

    norm = RomNorm.objects.get(joint="Cervical spine", movement="Rotation")
    for n in range(count):
        start = timezone.now() - dt.timedelta(days=7 * (count - n))
        note = SessionNoteFactory(
            appointment=AppointmentFactory(client=version.plan.client, starts_at=start),
            plan_version=version,
            signed_at=start,
            pain_before=7 - n // 4,
            pain_after=4 - n // 6,
        )
        Measurement.objects.create(note=note, kind="rom", rom_norm=norm, side="right", value=55 + n)
        Measurement.objects.create(
            note=note, kind="psfs", activity="Computer work", value=4 + n / 7
        )


def _start_worker(settings) -> subprocess.Popen:
    import redis
    from django.db import connection

    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    scratch = Path(tempfile.mkdtemp(prefix="bench-plan-pdf-"))
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}",
        "EMAIL_URL": f"file://{scratch / 'mail'}",
    }
    log_path = scratch / "worker.log"
    print(f"worker log: {log_path}")
    log = log_path.open("w")  # noqa: SIM115 - lives as long as the worker
    worker = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "clinic", "worker", "--loglevel=INFO",
            "--queues=pdf,email,default", "--concurrency=1", "--without-gossip",
            "--without-mingle", f"--hostname=bench-{uuid.uuid4().hex[:6]}@%h",
        ],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while " ready." not in log_path.read_text():
        if worker.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(log_path.read_text()[-3000:])
        time.sleep(0.2)
    return worker


def _measure(version, worker_pid: int):
    from documents import pdf as pdf_module
    from documents.models import PlanPdf
    from documents.services import plan_pdf_request
    from intake.tests.factories import AssessmentFactory

    end_to_end, bare, cold = [], [], None
    for run in range(RUNS + 1):
        # New progress each run, so each request is new content and a real render.
        AssessmentFactory(
            client=version.plan.client,
            assessed_by=version.plan.therapist,
            nprs=run % 11,
            assessed_on=dt.date.today() + dt.timedelta(days=run + 1),
        )
        started = time.perf_counter()
        pdf = plan_pdf_request(version=version)  # autocommit: enqueued at once
        while PlanPdf.objects.filter(pk=pdf.pk).values_list("status", flat=True)[0] == "pending":
            time.sleep(0.002)
        elapsed = time.perf_counter() - started
        assert PlanPdf.objects.get(pk=pdf.pk).status == "ready"
        html = pdf_module.plan_html(version)
        started = time.perf_counter()
        pdf_module.html_to_pdf(html)
        bare_elapsed = time.perf_counter() - started
        if run == 0:
            cold = (elapsed, bare_elapsed)  # imports and caches warming up: kept apart
            continue
        end_to_end.append(elapsed)
        bare.append(bare_elapsed)
    return end_to_end, bare, cold


def _peak_rss(pid: int) -> int:
    """Largest VmHWM (peak resident set) over the worker and its pool children, in KiB."""
    peaks = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            status = (proc / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if int(proc.name) == pid or int(fields.get("PPid", "0").strip()) == pid:
            peaks.append(int(fields.get("VmHWM", "0 kB").split()[0]))
    return max(peaks, default=0)


def _p(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(share * 100) - 1]


def _report(end_to_end, bare, cold, *, worker_rss_kib: int) -> None:
    rows = [
        ("request -> ready (worker)", end_to_end),
        ("WeasyPrint alone, same HTML", bare),
    ]
    print(
        f"\nPlan PDF, 3 techniques, 5 milestones, {SESSIONS} signed sessions, "
        f"{RUNS} runs each (after 1 warm-up)"
    )
    print(f"{'measure':<30}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}")
    for label, values in rows:
        print(
            f"{label:<30}{1000 * _p(values, 0.5):>10.1f}{1000 * _p(values, 0.95):>10.1f}"
            f"{1000 * max(values):>10.1f}"
        )
    ratio = _p(end_to_end, 0.5) / _p(bare, 0.5)
    print(f"{'end-to-end / bare (p50)':<30}{ratio:>10.2f}   target <= 1.50")
    print(f"{'first run (cold), e2e / bare':<30}{1000 * cold[0]:>10.1f}{1000 * cold[1]:>10.1f}")
    print(f"{'worker peak RSS (VmHWM)':<30}{worker_rss_kib / 1024:>10.1f} MiB")


if __name__ == "__main__":
    main()
