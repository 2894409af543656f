"""Reliability (issue 9, item 4): what the clinic does when a service it depends on goes away.

- Redis restarted while plan PDFs are queued (this machine's Redis keeps nothing on disk, so the
  queue is lost): our PlanPdf table still knows what is owed, and the sweep brings every PDF to
  ready exactly once (integration: PostgreSQL, Redis, a real Celery worker).
- The database cut in the middle of a request that writes twice (booking a series): a 503 page
  that says nothing was saved, and nothing was (integration: PostgreSQL, `pg_terminate_backend`);
  the same page and header without PostgreSQL (unit tests, SQLite).

Two reminder workers racing: clinic/tests/test_reminders_integration.py. A worker killed with
SIGKILL mid-render: treatment_plans/tests/test_pdf_integration.py.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

import pytest
from django.db import OperationalError, connection
from django.test import Client as HttpClient
from django.urls import reverse

from clinic.clinic_time import today
from clinic.middleware_db import database_unavailable_response
from clinic.models import AuditEntry
from documents.models import PlanPdf
from documents.services import plan_pdf_request
from documents.tasks import sweep_plan_pdfs
from documents.tests.test_pdf import make_plan
from documents.tests.test_pdf_integration import _stored_files, _wait_for
from scheduling.models import Appointment, AppointmentSeries, AppointmentType
from scheduling.services import appointments as booking
from scheduling.tests.factories import WorkingHoursFactory
from scheduling.tests.test_booking import _form

PAGE_TEXT = (
    "The clinic's records are unavailable for a moment. Nothing was saved. "
    "Please try again in a minute."
)
PDFS = 3
SERIES = 4


# --- the database unreachable: the page --------------------------------------------------------


@pytest.fixture
def desk(client, cast):
    """The front desk signed in; the therapist works 09:00-17:00 every day."""
    for weekday in range(7):
        WorkingHoursFactory(therapist=cast.therapist.therapist_profile, weekday=weekday)
    cast.treatment, _ = AppointmentType.objects.get_or_create(
        name="Treatment", defaults={"duration_minutes": 60}
    )
    cast.next_week = today() + dt.timedelta(days=7)
    client.force_login(cast.frontdesk)
    return client


def _book_series(desk, cast):
    return desk.post(reverse("appointment_new"), _form(cast, repeat="on", repeat_count=str(SERIES)))


def _assert_503_page(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert PAGE_TEXT in response.content.decode()


def _cut_after_first_booking(monkeypatch, cut) -> list:
    """Book the series' first appointment for real, then `cut(first)`: the second write meets
    the failure. Returns the appointments booked (inside the request's transaction)."""
    booked = []
    original = booking.appointment_book

    def book_then_cut(**kwargs):
        appointment = original(**kwargs)
        booked.append(appointment)
        if len(booked) == 1:
            cut(appointment)
        return appointment

    monkeypatch.setattr(booking, "appointment_book", book_then_cut)
    return booked


def test_the_503_page_renders_without_the_database():
    # No `db` fixture: pytest-django refuses any query, so this proves the page needs none.
    response = database_unavailable_response()
    _assert_503_page(response)
    assert "{%" not in response.content.decode()


def test_a_database_error_in_a_view_gives_the_503_page_and_saves_nothing(
    desk, cast, monkeypatch, caplog
):
    def fail(first):
        assert Appointment.objects.filter(pk=first.pk).exists()  # the first write happened
        raise OperationalError("database is locked (while booking for Jane Roe)")

    booked = _cut_after_first_booking(monkeypatch, fail)
    audit_before = AuditEntry.objects.count()
    with caplog.at_level(logging.ERROR, logger="clinic.middleware_db"):
        response = _book_series(desk, cast)

    _assert_503_page(response)
    assert len(booked) == 1
    assert not Appointment.objects.exists() and not AppointmentSeries.objects.exists()
    assert AuditEntry.objects.count() == audit_before
    # The error class only: the driver's message could name a client.
    assert "database unavailable during a request: OperationalError" in caplog.text
    assert "Jane Roe" not in caplog.text and "locked" not in caplog.text


def test_a_database_error_before_the_view_also_gives_the_503_page(desk, monkeypatch):
    # The signed-in user is first loaded by a middleware (two-factor, session limits): Django
    # turns the error into its 500, which the middleware replaces with the 503 page.
    def unreachable(request):
        raise OperationalError("connection refused")

    monkeypatch.setattr("django.contrib.auth.get_user", unreachable)
    browser = HttpClient(raise_request_exception=False)
    browser.cookies = desk.cookies
    response = browser.get(reverse("home"))
    _assert_503_page(response)


def test_other_errors_still_give_the_500_page(desk, cast, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("a bug, not an outage")

    monkeypatch.setattr(booking, "series_book", broken)
    browser = HttpClient(raise_request_exception=False)
    browser.cookies = desk.cookies
    response = browser.post(reverse("appointment_new"), _form(cast, repeat="on", repeat_count="2"))
    assert response.status_code == 500
    assert "Retry-After" not in response


def test_debug_mode_keeps_djangos_error_page(desk, cast, monkeypatch, settings):
    settings.DEBUG = True

    def fail(first):
        raise OperationalError("database is locked")

    _cut_after_first_booking(monkeypatch, fail)
    with pytest.raises(OperationalError):  # the test client re-raises what Django reports
        _book_series(desk, cast)


# --- the database cut for real (PostgreSQL) ----------------------------------------------------


def _terminate_backend(pid: int) -> None:
    """End the request's PostgreSQL session from a second connection, and wait until it is
    gone, as when the server restarts or the network drops it."""
    other = connection.copy()
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
                if cursor.fetchone()[0] == 0:
                    return
                time.sleep(0.05)
        raise AssertionError(f"backend {pid} still there after pg_terminate_backend")
    finally:
        other.close()


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_database_cut_between_two_writes_gives_503_and_no_partial_write(
    desk, cast, monkeypatch, caplog
):
    cut = {}

    def terminate(first):
        with connection.cursor() as cursor:
            # Inside the request's transaction: the first write is there (not yet committed).
            cursor.execute("SELECT count(*) FROM scheduling_appointment WHERE id = %s", [first.pk])
            cut["first_write_seen"] = cursor.fetchone()[0]
            cursor.execute("SELECT pg_backend_pid()")
            cut["pid"] = cursor.fetchone()[0]
        _terminate_backend(cut["pid"])

    booked = _cut_after_first_booking(monkeypatch, terminate)
    audit_before = AuditEntry.objects.count()
    started = time.monotonic()
    with caplog.at_level(logging.ERROR, logger="clinic.middleware_db"):
        response = _book_series(desk, cast)
    print(f"503 after the cut in {time.monotonic() - started:.2f}s (request included)")

    _assert_503_page(response)
    assert cut["first_write_seen"] == 1 and len(booked) == 1
    assert "database unavailable during a request:" in caplog.text
    connection.close()  # the cut connection; the checks below open a new one
    assert not Appointment.objects.exists()
    assert not AppointmentSeries.objects.exists()
    assert AuditEntry.objects.count() == audit_before
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != cut["pid"]


# --- Redis restarted with plan PDFs queued ------------------------------------------------------


def _broker():
    import redis
    from django.conf import settings

    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=5)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_pdfs_queued_when_redis_restarts_still_end_ready_exactly_once(
    cast, no_celery_worker, redis_restart, tmp_path
):
    files_before = _stored_files()
    versions = [make_plan(cast) for _ in range(PDFS)]
    requested = time.monotonic()
    pdfs = [plan_pdf_request(version=version) for version in versions]
    assert _broker().llen("pdf") == PDFS  # the messages sit in Redis; no worker runs

    # Redis keeps nothing on disk: the restart loses the queue. The server is shared with the
    # other Redis db numbers (other tests, other people's runs): the outage lasts only the
    # second or two the restart takes, and the fixture restarts Redis even if this test fails.
    outage = redis_restart()
    print(f"Redis down and back in {outage:.2f}s")
    assert _broker().dbsize() == 0  # queue, unacked messages, everything: gone
    assert PlanPdf.objects.filter(status=PlanPdf.Status.PENDING).count() == PDFS

    [worker] = no_celery_worker(1, EMAIL_URL=f"file://{tmp_path}")
    time.sleep(max(0.0, 1.5 - (time.monotonic() - requested)))
    # The worker runs, yet nothing is rendered: only the table remembers the PDFs are owed.
    assert not PlanPdf.objects.exclude(started_at=None).exists()

    started = time.monotonic()
    sweep_plan_pdfs.delay(unclaimed_seconds=1)  # through the restarted broker
    ids = [pdf.pk for pdf in pdfs]
    _wait_for(
        lambda: PlanPdf.objects.filter(pk__in=ids, status=PlanPdf.Status.READY).count() == PDFS,
        [worker],
        what=f"{PDFS} ready PDFs after the restart",
    )
    print(f"{PDFS} PDFs ready {time.monotonic() - started:.2f}s after the sweep")
    sweep_plan_pdfs.delay(unclaimed_seconds=1)  # a second sweep finds nothing owed
    time.sleep(2)

    rows = list(PlanPdf.objects.filter(version__in=versions))
    assert len(rows) == PDFS and {row.version_id for row in rows} == {v.pk for v in versions}
    assert all(row.status == PlanPdf.Status.READY and row.attempts == 1 for row in rows)
    new_files = _stored_files() - files_before
    assert len(new_files) == PDFS
    assert {row.file.name.removeprefix("plans/") for row in rows} == new_files
    log = worker.log_path.read_text()
    assert log.count("render started") == PDFS
    sweeps = log.count("plan pdf sweep re-enqueued")
    assert f"re-enqueued {PDFS}" in log and sweeps == 1  # the second sweep re-enqueued none
