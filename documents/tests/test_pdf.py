"""Plan PDF summaries (eager Celery): content read back from the PDF, idempotent requests,
failure and retry, the fingerprint, a renderer that fetches nothing from the network, clean
render logs, downloads for every role, the care-team mail and the acknowledgement."""

from __future__ import annotations

import datetime as dt
import io
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock

import pypdf
import pytest
from django.core import mail
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from clinic.charts import ProgressRow, progress_chart
from clinic.models import AuditEntry
from clinic.storage import PRIVATE_CACHE_CONTROL
from documents import pdf as pdf_module
from documents.models import PlanPdf
from documents.pipeline import LEASE, MAX_ATTEMPTS, UNCLAIMED_AFTER, WAKE_GRACE
from documents.services import (
    plan_pdf_fingerprint,
    plan_pdf_refresh,
    plan_pdf_render,
    plan_pdf_request,
    plan_pdf_sweep,
)
from intake.tests.factories import AssessmentFactory, RangeOfMotionFactory, rom_norm
from sessions_log.progress import milestone_progress
from treatment_plans.models import (
    ConflictOverride,
    ContraindicationRule,
    Milestone,
    PlanAcknowledgement,
    Severity,
)
from treatment_plans.tests.factories import (
    MilestoneFactory,
    PlanTechniqueFactory,
    PlanVersionFactory,
    technique,
)

OVERRIDE_REASON = "Light pressure only away from the bruising; the physician agreed by phone."
GOAL = "Carry the grandchildren without neck pain"
TECHNIQUES = {
    "swedish": "Ease muscle tension in the upper back",
    "myofascial_release": "Free the fascia of the upper trapezius",
    "trigger_point": "Release the referred-pain points behind the shoulder blade",
}


def make_plan(cast, *, client=None):
    """An activated version of `client`'s plan with 3 techniques, 4 milestones, one override
    and an assessment to measure progress by."""
    client = client or cast.client
    version = PlanVersionFactory(
        plan__client=client,
        plan__therapist=cast.therapist,
        activated_at=timezone.now(),
        activated_by=cast.therapist,
        health_goal=GOAL,
        referral="Dr. Ann Lee, family medicine",
        review_dates=[(dt.date.today() + dt.timedelta(weeks=4)).isoformat()],
        other_treatments="Physical therapy twice a week",
        home_care="Chin tucks, 3 x 10 a day",
        body_mechanics="Screen at eye level; breaks every 45 minutes",
    )
    for order, (key, rationale) in enumerate(TECHNIQUES.items()):
        PlanTechniqueFactory(
            version=version, technique=technique(key), rationale=rationale, order=order
        )
    norm = rom_norm()
    MilestoneFactory(version=version, order=0)  # NPRS at most 3, baseline 6
    MilestoneFactory(
        version=version,
        order=1,
        kind=Milestone.Kind.ROM,
        rom_norm=norm,
        side="right",
        comparator="gte",
        target_value=70,
        baseline_value=50,
        by_session=6,
    )
    MilestoneFactory(
        version=version,
        order=2,
        kind=Milestone.Kind.PSFS,
        description="Sitting at the desk",
        comparator="gte",
        target_value=8,
        baseline_value=3,
    )
    MilestoneFactory(
        version=version,
        order=3,
        kind=Milestone.Kind.TEXT,
        comparator="",
        description="Sleeps through the night",
        target_value=None,
        baseline_value=None,
    )
    rule = ContraindicationRule.objects.create(
        condition="anticoagulants",
        technique=technique("trigger_point"),
        severity=Severity.CONTRAINDICATED,
        reason="Deep pressure risks bruising on blood thinners.",
    )
    ConflictOverride.objects.create(
        version=version,
        rule=rule,
        technique=technique("trigger_point"),
        reason=OVERRIDE_REASON,
        decided_by=cast.therapist,
    )
    assessment = AssessmentFactory(
        client=client,
        assessed_by=cast.therapist,
        nprs=4,
        psfs_items=[{"activity": "sitting at the desk ", "score": 6}],
    )
    RangeOfMotionFactory(assessment=assessment, norm=norm, side="right", degrees=62)
    return version


def pdf_text(pdf: PlanPdf) -> str:
    with pdf.file.open("rb") as handle:
        reader = pypdf.PdfReader(io.BytesIO(handle.read()))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture
def request_pdf(django_capture_on_commit_callbacks):
    """plan_pdf_request with its on_commit enqueue run (eager: the render runs inline)."""

    def run(version, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            pdf = plan_pdf_request(version=version, **kwargs)
        pdf.refresh_from_db()
        return pdf

    return run


@pytest.fixture
def render_count(monkeypatch):
    calls = []
    real = pdf_module.html_to_pdf

    def counting(html):
        calls.append(1)
        return real(html)

    monkeypatch.setattr(pdf_module, "html_to_pdf", counting)
    return calls


# --- content -------------------------------------------------------------------------------------


def test_the_pdf_holds_the_plan(cast, request_pdf):
    version = make_plan(cast)
    pdf = request_pdf(version)

    assert pdf.status == PlanPdf.Status.READY
    text = pdf_text(pdf)
    assert f"{cast.client.first_name} {cast.client.last_name}" in text
    assert "Tue 1 Jan 1980" in text  # date of birth
    assert GOAL in text
    for key, rationale in TECHNIQUES.items():
        assert technique(key).name in text
        assert rationale in text
    for milestone in version.milestones.all():
        assert milestone.summary in text
    assert OVERRIDE_REASON in text
    assert "Page 1 of" in text  # the @page footer: the stylesheet was fetched and applied
    assert "Riverside Medical Massage" in text
    assert "Physical therapy twice a week" in text


def test_the_file_is_recorded_privately(cast, request_pdf):
    import hashlib

    pdf = request_pdf(make_plan(cast))

    with pdf.file.open("rb") as handle:
        content = handle.read()
    assert content.startswith(b"%PDF-")
    assert pdf.sha256 == hashlib.sha256(content).hexdigest()
    assert pdf.size == len(content)
    assert pdf.render_seconds > 0
    assert pdf.attempts == 1
    assert cast.client.last_name not in pdf.file.name  # a random name
    with pytest.raises(ValueError):
        _ = pdf.file.url  # private storage has no URL


def test_progress_so_far_takes_the_latest_assessment(cast):
    version = make_plan(cast)
    later = AssessmentFactory(
        client=cast.client,
        assessed_by=cast.therapist,
        nprs=2,
        assessed_on=dt.date.today() + dt.timedelta(days=1),
    )

    nprs, rom, psfs, text = milestone_progress(version)

    assert (nprs.baseline, nprs.latest, nprs.latest_on, nprs.met) == (6, 2, later.assessed_on, True)
    assert (rom.latest, rom.met) == (62, False)
    assert (psfs.latest, psfs.met) == (6, False)  # matched by wording, case and spaces aside
    assert (text.latest, text.measurable, text.met) == (None, False, None)


def test_a_draft_gets_no_pdf(cast):
    version = PlanVersionFactory(plan__client=cast.client, plan__therapist=cast.therapist)
    with pytest.raises(ValueError):
        plan_pdf_request(version=version)


# --- the job ----------------------------------------------------------------------------------


def test_requesting_twice_makes_one_row_and_one_render(cast, request_pdf, render_count):
    version = make_plan(cast)

    first = request_pdf(version)
    second = request_pdf(version)

    assert first.pk == second.pk
    assert PlanPdf.objects.filter(version=version).count() == 1
    assert len(render_count) == 1


def test_a_second_delivery_of_the_task_does_nothing(cast, request_pdf, render_count):
    from documents.tasks import render_plan_pdf

    pdf = request_pdf(make_plan(cast))
    render_plan_pdf.delay(str(pdf.pk))  # acks_late redelivery, or a sweep duplicate

    assert len(render_count) == 1
    assert PlanPdf.objects.get(pk=pdf.pk).attempts == 1


def test_fingerprint_changes_with_progress(cast, request_pdf):
    version = make_plan(cast)
    before = plan_pdf_fingerprint(version)
    first = request_pdf(version)

    AssessmentFactory(
        client=cast.client,
        assessed_by=cast.therapist,
        nprs=1,
        assessed_on=dt.date.today() + dt.timedelta(days=2),
    )

    assert plan_pdf_fingerprint(version) != before
    second = request_pdf(version)
    assert second.pk != first.pk and second.status == PlanPdf.Status.READY
    assert "1 (" in pdf_text(second)  # the new latest NPRS with its date


def test_refresh_debounces_to_the_newest_request(
    cast, django_capture_on_commit_callbacks, render_count
):
    version = make_plan(cast)
    with django_capture_on_commit_callbacks() as callbacks:
        stale = plan_pdf_refresh(version=version)
        AssessmentFactory(
            client=cast.client,
            assessed_by=cast.therapist,
            nprs=3,
            assessed_on=dt.date.today() + dt.timedelta(days=1),
        )
        newest = plan_pdf_refresh(version=version)
    for callback in callbacks:  # the countdowns have passed: both tasks run
        callback()

    assert not PlanPdf.objects.filter(pk=stale.pk).exists()  # skipped, nothing owed
    assert PlanPdf.objects.get(pk=newest.pk).status == PlanPdf.Status.READY
    assert len(render_count) == 1


def test_failure_is_recorded_without_health_data_then_retry_succeeds(
    cast, client, request_pdf, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    version = make_plan(cast)

    def broken(html):
        raise RuntimeError(f"cannot lay out {GOAL}")

    monkeypatch.setattr(pdf_module, "html_to_pdf", broken)
    with caplog.at_level(logging.INFO):
        pdf = request_pdf(version)

    assert pdf.status == PlanPdf.Status.FAILED
    assert pdf.last_error == "Rendering failed (RuntimeError)."
    assert GOAL not in caplog.text

    monkeypatch.undo()
    client.force_login(cast.therapist)
    url = reverse("plan_pdf_retry", kwargs={"pdf_id": pdf.pk})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"next": "/plans/"})

    assert response.status_code == 302 and response["Location"] == "/plans/"
    pdf.refresh_from_db()
    assert pdf.status == PlanPdf.Status.READY
    assert AuditEntry.objects.filter(action="update", object_id=str(pdf.pk)).exists()


def test_retry_is_for_failed_pdfs_and_clinicians_only(cast, client, request_pdf):
    pdf = request_pdf(make_plan(cast))
    url = reverse("plan_pdf_retry", kwargs={"pdf_id": pdf.pk})

    client.force_login(cast.client_user)
    assert client.post(url).status_code == 403
    client.force_login(cast.frontdesk)
    assert client.post(url).status_code == 403
    client.force_login(cast.therapist)
    response = client.post(url, follow=True)
    assert b"Only a failed PDF can be retried." in response.content


def test_a_transient_error_gives_the_claim_back(cast, django_capture_on_commit_callbacks):
    version = make_plan(cast)
    with django_capture_on_commit_callbacks():  # not run: the test drives the render
        pdf = plan_pdf_request(version=version)

    original = pdf_module.html_to_pdf
    pdf_module.html_to_pdf = lambda html: (_ for _ in ()).throw(OSError("disk full"))
    try:
        with pytest.raises(OSError):
            plan_pdf_render(pdf_id=str(pdf.pk))
    finally:
        pdf_module.html_to_pdf = original

    pdf.refresh_from_db()
    assert (pdf.status, pdf.started_at, pdf.attempts) == (PlanPdf.Status.PENDING, None, 1)
    assert plan_pdf_render(pdf_id=str(pdf.pk)) is True  # the retry claims it again


def test_sweep_finishes_what_a_dead_worker_left(cast, django_capture_on_commit_callbacks):
    version = make_plan(cast)
    with django_capture_on_commit_callbacks():  # the message is lost
        pdf = plan_pdf_request(version=version)
    claimed = timezone.now() - LEASE - dt.timedelta(seconds=1)
    # A worker claimed it and died (kill -9): its heartbeat stopped, so its lease lapsed.
    PlanPdf.objects.filter(pk=pdf.pk).update(
        requested_at=claimed, started_at=claimed, lease_until=claimed + LEASE, attempts=1
    )

    assert plan_pdf_sweep() == 1
    pdf.refresh_from_db()
    assert (pdf.status, pdf.attempts) == (PlanPdf.Status.READY, 2)
    assert pdf.lease_until is None
    assert plan_pdf_sweep() == 0


def test_sweep_wakes_what_the_broker_never_got_and_what_it_lost(
    cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():  # the broker was down: no message at all
        pdf = plan_pdf_request(version=make_plan(cast))
    now = timezone.now()
    sent = []
    with mock.patch("documents.services.wake", lambda *a, **k: sent.append(a) or 1):
        assert plan_pdf_sweep(now=now) == 0  # just asked for: its wake-up may be on the way
        woken_at = now + WAKE_GRACE + dt.timedelta(seconds=1)
        assert plan_pdf_sweep(now=woken_at) == 1  # it never went out
        assert plan_pdf_sweep(now=woken_at + dt.timedelta(seconds=15)) == 0  # woken already
        # Woken, yet nobody claimed it in a minute: the message was lost.
        assert plan_pdf_sweep(now=woken_at + UNCLAIMED_AFTER + dt.timedelta(seconds=1)) == 1
    assert [args[1] for args in sent] == [str(pdf.pk)] * 2


def test_a_request_whose_wake_up_went_out_is_left_to_its_worker(
    cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # eager: woken, rendered at once
        pdf = plan_pdf_request(version=make_plan(cast))
    PlanPdf.objects.filter(pk=pdf.pk).update(status=PlanPdf.Status.PENDING, started_at=None)
    pdf.refresh_from_db()
    assert pdf.woken_at is not None
    assert plan_pdf_sweep(now=pdf.woken_at + dt.timedelta(seconds=30)) == 0


def test_sweep_leaves_live_renders_and_gives_up_on_hopeless_ones(
    cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        live = plan_pdf_request(version=make_plan(cast))
        hopeless = plan_pdf_request(version=make_plan(cast, client=cast.client2))
    long_ago = timezone.now() - dt.timedelta(minutes=10)
    now = timezone.now()
    # Claimed long ago, but its heartbeat keeps the lease: a live (slow) render.
    PlanPdf.objects.filter(pk=live.pk).update(
        requested_at=long_ago, started_at=long_ago, lease_until=now + LEASE, attempts=1
    )
    PlanPdf.objects.filter(pk=hopeless.pk).update(
        requested_at=long_ago,
        started_at=long_ago,
        lease_until=long_ago + LEASE,
        attempts=MAX_ATTEMPTS,
    )

    assert plan_pdf_sweep() == 0
    assert plan_pdf_render(pdf_id=str(live.pk)) is False  # a redelivery: the lease holds
    live.refresh_from_db()
    hopeless.refresh_from_db()
    assert (live.status, live.attempts, live.started_at) == (PlanPdf.Status.PENDING, 1, long_ago)
    assert hopeless.status == PlanPdf.Status.FAILED


# --- safe rendering ---------------------------------------------------------------------------


class _Recorder(BaseHTTPRequestHandler):
    hits: list

    def do_GET(self):
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def trap():
    """A real HTTP server on 127.0.0.1 that records every request it gets."""
    handler = type("Recorder", (_Recorder,), {"hits": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", handler.hits
    server.shutdown()
    server.server_close()


def test_rendering_fetches_nothing_from_the_network(trap, caplog):
    base, hits = trap
    html = f"""<html><head>
      <link rel="stylesheet" href="{base}/sheet.css">
      <style>
        @import url("{base}/import.css");
        @font-face {{ font-family: Trap; src: url("{base}/font.woff"); }}
        body {{ background: url("{base}/bg.png"); font-family: Trap; }}
      </style></head><body>
      <img src="{base}/img.png" alt="x"> <img src="file:///etc/hostname" alt="y">
      <object data="{base}/object.svg"></object>
      <a href="{base}/link">a link</a>
      <svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">
        <image href="{base}/svg-image.png" width="10" height="10"/></svg>
    </body></html>"""

    with caplog.at_level(logging.WARNING), pytest.raises(pdf_module.PdfRenderProblem) as problem:
        pdf_module.html_to_pdf(html)

    assert hits == []
    assert "refused to fetch http://127.0.0.1" in caplog.text
    assert "Failed to load stylesheet" in str(problem.value)  # a refusal is no finished PDF


def test_plan_text_holding_markup_stays_text(cast, trap, request_pdf):
    base, hits = trap
    version = make_plan(cast)
    version.home_care = f'<img src="{base}/x.png"> stretch daily'
    version.save()

    pdf = request_pdf(version)

    assert hits == []
    assert f'<img src="{base}/x.png"> stretch daily' in pdf_text(pdf)


def test_static_urls_resolve_only_to_our_static_files(settings):
    css = pdf_module.static_file_for(f"{pdf_module.BASE_URL}static/css/plan-pdf.css")
    assert css.name == "plan-pdf.css"
    assert pdf_module.static_file_for(css.as_uri()) == css
    for url in (
        "http://127.0.0.1/static/css/plan-pdf.css",
        f"{pdf_module.BASE_URL}static/../clinic/settings.py",
        f"{pdf_module.BASE_URL}private/plans/x.pdf",
        "file:///etc/passwd",
        "data:text/css,body{}",
    ):
        with pytest.raises(pdf_module.RefusedURL):
            pdf_module.static_file_for(url)


def test_rendering_the_plan_logs_no_warning(cast, caplog):
    version = make_plan(cast)
    with caplog.at_level(logging.DEBUG, logger="weasyprint"):
        content = pdf_module.html_to_pdf(pdf_module.plan_html(version))

    assert content.startswith(b"%PDF-")
    problems = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert problems == [], [r.getMessage() for r in problems]


# --- the chart --------------------------------------------------------------------------------


def test_progress_chart_is_accessible_self_contained_svg():
    svg = progress_chart(
        [
            ProgressRow("Pain <now>", 6, 4, 3, 10, lower_is_better=True),
            ProgressRow("Rotation", 50, None, 70, 88, unit="°"),
        ],
        title="Milestone progress",
        chart_id="c1",
    )

    assert svg.startswith("<svg") and 'role="img"' in svg
    assert '<title id="c1-title">Milestone progress</title>' in svg
    assert "Pain &lt;now&gt;: baseline 6, latest 4, target at most 3." in svg
    assert "Rotation: baseline 50°, latest not measured, target at least 70°." in svg
    for forbidden in ("<script", "href", "url(", "<image", "<foreignObject", "style="):
        assert forbidden not in svg
    assert progress_chart([], title="x", chart_id="c2") == ""


def test_the_pdf_carries_the_chart(cast):
    html = pdf_module.plan_html(make_plan(cast))
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="progress-chart"' in html
    assert "Cervical spine rotation (right): baseline 50°, latest 62°" in html


# --- downloads --------------------------------------------------------------------------------

DOWNLOAD = {
    "admin": 200,
    "therapist": 200,
    "therapist2": 200,
    "frontdesk": 403,
    "client_user": 200,
    "client2_user": 404,
    "physician_user": 200,
    "physician2_user": 404,
}


@pytest.mark.parametrize("role", sorted(DOWNLOAD))
def test_download_checks_ownership(cast, client, request_pdf, role):
    pdf = request_pdf(make_plan(cast))
    client.force_login(getattr(cast, role))

    for url in (
        reverse("plan_pdf_download", kwargs={"pdf_id": pdf.pk}),
        reverse("plan_version_pdf", kwargs={"version_id": pdf.version_id}),
    ):
        assert client.get(url).status_code == DOWNLOAD[role], url


def test_download_headers_and_audit(cast, client, request_pdf):
    pdf = request_pdf(make_plan(cast))
    client.force_login(cast.physician_user)

    response = client.get(reverse("plan_pdf_download", kwargs={"pdf_id": pdf.pk}))

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="treatment-plan-v1.pdf"'
    assert "no-store" in response["Cache-Control"].split(", ")
    assert response["Cache-Control"] == PRIVATE_CACHE_CONTROL  # one response for private files
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    entry = AuditEntry.objects.get(action="download", object_id=str(pdf.pk))
    assert (entry.actor, entry.client) == (cast.physician_user, cast.client)


def test_revoked_consent_ends_the_download(cast, client, request_pdf):
    pdf = request_pdf(make_plan(cast))
    client.force_login(cast.physician_user)
    url = reverse("plan_pdf_download", kwargs={"pdf_id": pdf.pk})
    assert client.get(url).status_code == 200

    cast.client.care_team.update(sharing_revoked_at=timezone.now())

    assert client.get(url).status_code == 404


def test_a_pdf_not_ready_is_not_served(cast, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        pdf = plan_pdf_request(version=make_plan(cast))
    client.force_login(cast.therapist)

    assert client.get(reverse("plan_pdf_download", kwargs={"pdf_id": pdf.pk})).status_code == 404
    url = reverse("plan_version_pdf", kwargs={"version_id": pdf.version_id})
    assert client.get(url).status_code == 404


def test_the_version_link_serves_the_newest_ready_pdf(cast, client, request_pdf):
    version = make_plan(cast)
    request_pdf(version)
    AssessmentFactory(
        client=cast.client,
        assessed_by=cast.therapist,
        nprs=1,
        assessed_on=dt.date.today() + dt.timedelta(days=2),
    )
    newest = request_pdf(version)
    client.force_login(cast.client_user)

    client.get(reverse("plan_version_pdf", kwargs={"version_id": version.pk}))

    assert AuditEntry.objects.filter(action="download").get().object_id == str(newest.pk)


# --- the status partial -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "role", "shown", "hidden"),
    [
        ("ready", "client_user", "Download the plan summary", "Retry"),
        ("pending", "therapist", "Being prepared", "Download"),
        ("failed", "therapist", "Retry the PDF", "Download"),
        ("failed", "physician_user", "could not be prepared", "Retry"),
    ],
)
def test_status_partial(cast, request_pdf, status, role, shown, hidden):
    pdf = request_pdf(make_plan(cast))
    pdf.status = status
    request = RequestFactory().get("/plans/x/")
    request.user = getattr(cast, role)

    html = render_to_string(
        "documents/_pdf_status.html", {"pdf": pdf, "user": request.user}, request=request
    )

    assert shown in html and hidden not in html
    assert "style=" not in html and "<script" not in html


# --- the care team ----------------------------------------------------------------------------


def test_care_team_gets_one_mail_without_health_data(cast, request_pdf):
    cast.physician.email = "dr.lee@example.test"
    cast.physician.save()
    version = make_plan(cast)

    request_pdf(version)
    AssessmentFactory(
        client=cast.client,
        assessed_by=cast.therapist,
        nprs=1,
        assessed_on=dt.date.today() + dt.timedelta(days=2),
    )
    request_pdf(version)  # new progress, new PDF: the physician was told already

    [message] = mail.outbox
    assert message.to == ["dr.lee@example.test"]
    assert message.subject.startswith("A treatment plan for one of your patients is ready")
    link = reverse("plan_version_pdf", kwargs={"version_id": version.pk})
    assert link in message.body
    for secret in (cast.client.first_name, cast.client.last_name, GOAL, "neck", "1980"):
        assert secret not in message.subject + message.body
    assert PlanPdf.objects.filter(version=version, care_team_notified_at__isnull=False).count() == 1


def test_no_mail_without_sharing_consent(cast, request_pdf):
    cast.client.care_team.update(sharing_revoked_at=timezone.now())
    request_pdf(make_plan(cast))
    assert mail.outbox == []


# --- acknowledgement --------------------------------------------------------------------------


def test_physician_acknowledges_once(cast, client):
    version = make_plan(cast)
    url = reverse("plan_version_acknowledge", kwargs={"version_id": version.pk})
    client.force_login(cast.physician_user)

    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302

    [ack] = PlanAcknowledgement.objects.filter(version=version)
    assert ack.physician == cast.physician
    assert AuditEntry.objects.filter(action="create", object_id=str(version.pk)).count() == 1
    assert client.get(url).status_code == 405


@pytest.mark.parametrize(
    ("role", "status"),
    [("physician2_user", 404), ("therapist", 403), ("client_user", 403), ("frontdesk", 403)],
)
def test_others_cannot_acknowledge(cast, client, role, status):
    version = make_plan(cast)
    client.force_login(getattr(cast, role))

    response = client.post(reverse("plan_version_acknowledge", kwargs={"version_id": version.pk}))

    assert response.status_code == status
    assert not PlanAcknowledgement.objects.exists()


def test_a_draft_cannot_be_acknowledged(cast, client):
    draft = PlanVersionFactory(plan__client=cast.client, plan__therapist=cast.therapist)
    client.force_login(cast.physician_user)
    url = reverse("plan_version_acknowledge", kwargs={"version_id": draft.pk})
    assert client.post(url).status_code == 404


def test_the_pdf_names_conditions_as_people_do_with_site_and_date_for_local_rules(cast):
    """Issue 15: the PDF printed internal keys ("All techniques with recent_surgery")."""
    from intake.tests.factories import HealthHistoryFactory

    version = make_plan(cast)
    # Work planned on the operated knee: the local rule is about that site (issue 17).
    PlanTechniqueFactory(
        version=version,
        technique=technique("sports"),
        target_areas="Left knee",
        rationale="Quadriceps tone around the knee.",
        order=9,
    )
    HealthHistoryFactory(
        client=cast.client,
        conditions=["anticoagulants", "recent_surgery"],
        recent_surgery_date=dt.date(2026, 11, 3),
        recent_surgery_site="left knee",
    )
    ContraindicationRule.objects.create(
        condition="recent_surgery",
        technique=None,
        severity=Severity.CAUTION,
        local=True,
        reason="Avoid the surgical site.",
    )
    html = pdf_module.plan_html(version)
    assert "recent_surgery" not in html and "with anticoagulants" not in html
    assert (
        "All techniques — Surgery in the last 6 months, locally (left knee, on Tue 3 Nov 2026)."
        in html
    )
    assert "Trigger point therapy — Takes anticoagulants / blood thinners" in html


def test_the_pdf_prints_no_iso_dates(cast):
    """Issue 15: dates a client reads use the clinic's format (clinic/formats), never ISO."""
    import re

    version = make_plan(cast)
    text = re.sub(r"<[^>]+>|<style.*?</style>", " ", pdf_module.plan_html(version), flags=re.S)
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", text)
    review = dt.date.fromisoformat(version.review_dates[0])
    assert f"{review:%a} {review.day} {review:%b} {review.year}" in text
