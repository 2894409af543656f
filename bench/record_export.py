"""A client's whole record as a ZIP (documents/record_export.py) for a large record: a client
with 220 signed session notes (with addenda), assessments, a plan and its PDF, built in this
process as the Celery task builds it (the mail it owes is printed by the console backend), beside rendering one plan PDF in the same run.

    .venv/bin/python bench/record_export.py [notes]

Prints the build's wall time, the ZIP's size and the process's peak RSS (resource.getrusage)
before and after the build, beside the plan PDF render's time and the RSS after it. Uses its
own throwaway PostgreSQL database (test_bench_record_export, created, migrated and dropped).
Target: a few minutes at most, and peak RSS that does not grow with the number of notes (the
ZIP is streamed to a temporary file, notes rendered 50 to a PDF).
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings_test")
NOTES = int(sys.argv[1]) if len(sys.argv) > 1 else 220
BENCH_DB = "test_bench_record_export"


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = BENCH_DB
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        _run()
    finally:
        connection.creation.destroy_test_db(BENCH_DB, verbosity=0)


def _run() -> None:
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from clinic.tests.factories import make_cast
    from documents import pdf as pdf_module
    from documents.models import PlanPdf, RecordExport
    from documents.record_export import record_export_build
    from documents.tests.test_pdf import make_plan
    from scheduling.tests.factories import AppointmentFactory
    from sessions_log.models import Addendum
    from sessions_log.tests.factories import SessionNoteFactory

    cast = make_cast()
    version = make_plan(cast)
    profile = cast.therapist.therapist_profile
    start = timezone.now() - dt.timedelta(days=NOTES + 30)
    seeded = time.perf_counter()
    for i in range(NOTES):
        appointment = AppointmentFactory(
            client=cast.client, therapist=profile, starts_at=start + dt.timedelta(days=i)
        )
        note = SessionNoteFactory(
            appointment=appointment,
            plan_version=version,
            subjective=f"Session {i + 1}: neck stiff after a long week at the desk. " * 4,
            objective="Upper trapezius guarded on the right, less on the left. " * 3,
            signed_at=timezone.now(),
        )
        if i % 10 == 0:
            Addendum.objects.create(note=note, author=cast.therapist, text="Late entry. " * 10)
    seeded = time.perf_counter() - seeded

    # The baseline: one plan PDF rendered in this run (the second render: the first warms
    # WeasyPrint's imports and caches), stored as the version's ready PDF for the ZIP.
    html = pdf_module.plan_html(version)
    pdf_module.html_to_pdf(html)
    started = time.perf_counter()
    content = pdf_module.html_to_pdf(html)
    plan_seconds = time.perf_counter() - started
    pdf = PlanPdf(version=version, fingerprint="b" * 64, status=PlanPdf.Status.READY)
    pdf.file.save("bench.pdf", ContentFile(content), save=True)
    rss_before = _rss_mb()

    # The row a request writes, without its wake-up (under the test settings Celery runs
    # tasks eagerly on commit; here the build is timed on its own).
    export = RecordExport.objects.create(client=cast.client, requested_by=cast.therapist)
    started = time.perf_counter()
    built = record_export_build(export_id=str(export.pk))
    assert built, RecordExport.objects.get(pk=export.pk).error
    build_seconds = time.perf_counter() - started
    rss_after = _rss_mb()
    export = RecordExport.objects.get(pk=export.pk)

    print(f"record export, {NOTES} signed notes (seeded in {seeded:.1f} s)")
    print(f"{'what':<34}{'seconds':>10}{'peak RSS MB':>14}")
    print(f"{'plan PDF render (baseline)':<34}{plan_seconds:>10.2f}{rss_before:>14.0f}")
    print(f"{'whole record ZIP build':<34}{build_seconds:>10.2f}{rss_after:>14.0f}")
    print(
        f"ZIP: {export.size / 1024:.0f} KiB, {export.items_total} parts, "
        f"build = {build_seconds / plan_seconds:.0f} x one plan PDF; "
        f"peak RSS grew {rss_after - rss_before:.0f} MB during the build"
    )


if __name__ == "__main__":
    main()
