"""Plan PDFs through a real Celery worker on PostgreSQL + Redis: a requested PDF ends ready,
and a worker killed (kill -9) in the middle of a render still ends in exactly one ready PDF,
one stored file and one care-team mail within a minute of a new worker (with beat's sweep)
taking over."""

from __future__ import annotations

import datetime as dt
import io
import os
import signal
import time
from pathlib import Path

import pypdf
import pytest
from django.utils import timezone

from documents.models import PlanPdf
from documents.services import plan_pdf_request
from documents.tasks import sweep_plan_pdfs
from documents.tests.test_pdf import GOAL, make_plan

pytestmark = [pytest.mark.integration]


def _wait_for(predicate, workers, *, timeout=60.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        for worker in workers:
            worker.assert_alive()
        time.sleep(0.1)
    logs = "\n".join(w.log_tail() for w in workers)
    raise AssertionError(f"no {what} within {timeout}s\n{logs}")


def _stored_files() -> set[str]:
    storage = PlanPdf._meta.get_field("file").storage
    try:
        return set(storage.listdir("plans")[1])
    except FileNotFoundError:
        return set()


def _process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants (the prefork pool's children), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def _mails(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.log"))


@pytest.fixture
def physician_with_email(cast):
    cast.physician.email = "dr.care-team@example.test"
    cast.physician.save()
    return cast


@pytest.mark.django_db(transaction=True)
def test_requested_pdf_becomes_ready_through_the_worker(physician_with_email, celery_worker):
    cast = physician_with_email
    mails_before = _mails(celery_worker.mail_dir)
    version = make_plan(cast)

    started = time.monotonic()
    pdf = plan_pdf_request(version=version)  # autocommit: on_commit enqueues at once
    _wait_for(
        lambda: PlanPdf.objects.get(pk=pdf.pk).status == PlanPdf.Status.READY,
        [celery_worker],
        what="ready PDF",
    )
    print(f"plan PDF ready through the worker in {time.monotonic() - started:.2f}s")

    pdf.refresh_from_db()
    with pdf.file.open("rb") as handle:
        reader = pypdf.PdfReader(io.BytesIO(handle.read()))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert GOAL in text and "Page 1 of" in text
    _wait_for(
        lambda: len(_mails(celery_worker.mail_dir)) > len(mails_before),
        [celery_worker],
        what="care-team mail",
    )
    [mail] = [m for m in _mails(celery_worker.mail_dir) if m not in mails_before]
    assert "dr.care-team@example.test" in mail.read_text()
    assert cast.client.last_name not in mail.read_text()


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_render_still_ends_in_one_ready_pdf(
    physician_with_email, celery_workers, tmp_path
):
    cast = physician_with_email
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    files_before = _stored_files()
    # Its renders take 30 seconds (documents/tests/slow_render.py).
    [slow] = celery_workers(1, module="documents.tests.slow_render", EMAIL_URL=f"file://{mail_dir}")
    version = make_plan(cast)

    pdf = plan_pdf_request(version=version)
    _wait_for(
        lambda: PlanPdf.objects.filter(pk=pdf.pk, started_at__isnull=False).exists(),
        [slow],
        what="claimed render",
    )
    for pid in _process_tree(slow.process.pid):  # the worker and its pool child, mid-render
        os.kill(pid, signal.SIGKILL)
    slow.process.wait(timeout=10)
    assert PlanPdf.objects.get(pk=pdf.pk).status == PlanPdf.Status.PENDING

    # A new worker (without the slow-down), with beat as `make worker` runs it. Its start
    # empties Redis, so the unacked message is gone too: only our table remembers the PDF is
    # owed. The dead render's lease lapses and beat's sweep wakes the new worker for it.
    [fresh] = celery_workers(1, beat=True, EMAIL_URL=f"file://{mail_dir}")
    back = time.monotonic()
    _wait_for(
        lambda: PlanPdf.objects.get(pk=pdf.pk).status == PlanPdf.Status.READY,
        [fresh],
        timeout=60,
        what="ready PDF within a minute of the worker's return",
    )
    print(f"PDF ready {time.monotonic() - back:.1f}s after the new worker was up")
    _wait_for(lambda: len(_mails(mail_dir)) >= 1, [fresh], what="care-team mail")
    # A sweep and a duplicate delivery change nothing.
    sweep_plan_pdfs.delay(unclaimed_seconds=1)
    from documents.tasks import render_plan_pdf

    render_plan_pdf.delay(str(pdf.pk))
    time.sleep(3)

    pdf.refresh_from_db()
    assert PlanPdf.objects.filter(version=version).count() == 1
    assert pdf.status == PlanPdf.Status.READY and pdf.attempts == 2
    assert len(_stored_files() - files_before) == 1
    assert len(_mails(mail_dir)) == 1
    assert "render started" in fresh.log_path.read_text()


@pytest.mark.django_db(transaction=True)
def test_a_slow_render_keeps_its_lease_with_a_heartbeat(cast, monkeypatch):
    # In-process, transactional: the heartbeat thread has its own connection and must see
    # the row the test committed.
    from documents import pdf as pdf_module
    from documents.pipeline import LEASE
    from documents.services import plan_pdf_render

    monkeypatch.setattr("documents.pipeline.HEARTBEAT_SECONDS", 0.05)
    version = make_plan(cast)
    pdf = PlanPdf.objects.create(version=version, fingerprint="f" * 64)
    leases = []
    original = pdf_module.html_to_pdf

    def slow(html):
        for _ in range(3):
            time.sleep(0.2)
            leases.append(PlanPdf.objects.values_list("lease_until", flat=True).get(pk=pdf.pk))
        return original(html)

    monkeypatch.setattr(pdf_module, "html_to_pdf", slow)
    assert plan_pdf_render(pdf_id=str(pdf.pk)) is True
    assert leases == sorted(leases) and len(set(leases)) == 3  # renewed while rendering
    assert leases[-1] > timezone.now() + LEASE - dt.timedelta(seconds=2)
    assert PlanPdf.objects.get(pk=pdf.pk).status == PlanPdf.Status.READY
