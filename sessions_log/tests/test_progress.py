"""Progress: session readings as a milestone source, the charts (page and PDF), reassessment
and completion prompts, "what worked", access per role and query caps."""

from __future__ import annotations

import datetime as dt
import io
import re
import xml.etree.ElementTree as ET

import pypdf
import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.charts import table_rows
from clinic.clinic_time import at_local, today
from clinic.date_formats import day
from clinic.models import AuditEntry
from documents import pdf as pdf_module
from documents.services import plan_pdf_fingerprint
from intake.tests.factories import AssessmentFactory, RangeOfMotionFactory, rom_norm
from scheduling.tests.factories import AppointmentFactory
from sessions_log import selectors_progress
from sessions_log.models import Measurement, TechniqueApplied
from sessions_log.progress import milestone_progress, plan_sessions, signed_sessions
from sessions_log.selectors_progress import (
    TechniqueOutcome,
    plan_progress,
    reassessment_due,
    what_worked,
)
from sessions_log.tests.factories import SessionNoteFactory
from treatment_plans.tests.factories import MilestoneFactory, PlanVersionFactory, technique

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def version(cast):
    """`client`'s active plan: 8 sessions; right cervical rotation 55 -> >= 70, NPRS 6 -> <= 3,
    PSFS "Computer work" 4 -> >= 7."""
    version = PlanVersionFactory(
        plan__client=cast.client,
        plan__therapist=cast.therapist,
        plan__status="active",
        activated_at=timezone.now(),
        planned_sessions=8,
    )
    MilestoneFactory(
        version=version,
        kind="rom",
        rom_norm=rom_norm(),
        side="right",
        comparator="gte",
        baseline_value=55,
        target_value=70,
        order=0,
    )
    MilestoneFactory(version=version, kind="nprs", baseline_value=6, target_value=3, order=1)
    MilestoneFactory(
        version=version,
        kind="psfs",
        description="Computer work",
        comparator="gte",
        baseline_value=4,
        target_value=7,
        order=2,
    )
    return version


def session(
    cast,
    version,
    days_ago,
    *,
    pain=(6, 3),
    rom=None,
    psfs=None,
    signed=True,
    techniques=("swedish",),
):
    """A note of `client` `days_ago` days back at 10:00, with its measurements."""
    appointment = AppointmentFactory(
        client=cast.client,
        therapist=cast.therapist.therapist_profile,
        starts_at=at_local(today() - dt.timedelta(days=days_ago), dt.time(10)),
    )
    note = SessionNoteFactory(
        appointment=appointment,
        plan_version=version,
        pain_before=pain[0],
        pain_after=pain[1],
        signed_at=timezone.now() if signed else None,
    )
    for key in techniques:
        TechniqueApplied.objects.create(
            note=note, technique=technique(key), body_region="Neck", pressure="light", minutes=10
        )
    if rom is not None:
        Measurement.objects.create(
            note=note, kind="rom", rom_norm=rom_norm(), side="right", value=rom
        )
    if psfs is not None:
        Measurement.objects.create(note=note, kind="psfs", activity="computer WORK ", value=psfs)
    return note


def latest(version, sessions=None):
    return {row.milestone.kind: row.latest for row in milestone_progress(version, sessions)}


# --- milestone progress from sessions ---------------------------------------------------------


def test_session_readings_beat_older_assessments(cast, version):
    assessment = AssessmentFactory(
        client=cast.client,
        assessed_on=today() - dt.timedelta(days=20),
        nprs=6,
        psfs_items=[{"activity": "Computer work", "score": 4}],
    )
    RangeOfMotionFactory(assessment=assessment, norm=rom_norm(), side="right", degrees=55)
    session(cast, version, 14, pain=(5, 3), rom=60, psfs=5)
    session(cast, version, 7, pain=(4, 2), rom=64, psfs=6)
    assert latest(version) == {"rom": 64, "nprs": 4, "psfs": 6}
    rows = {row.milestone.kind: row for row in milestone_progress(version)}
    assert rows["rom"].latest_on == today() - dt.timedelta(days=7)


def test_a_newer_assessment_beats_older_sessions(cast, version):
    session(cast, version, 14, pain=(5, 3), rom=60, psfs=5)
    assessment = AssessmentFactory(
        client=cast.client,
        assessed_on=today() - dt.timedelta(days=2),
        nprs=2,
        psfs_items=[{"activity": "Computer work", "score": 8}],
    )
    RangeOfMotionFactory(assessment=assessment, norm=rom_norm(), side="right", degrees=71)
    assert latest(version) == {"rom": 71, "nprs": 2, "psfs": 8}


def test_only_signed_notes_count(cast, version):
    session(cast, version, 14, pain=(5, 3), rom=60, psfs=5)
    session(cast, version, 7, pain=(2, 1), rom=75, psfs=9, signed=False)
    assert latest(version) == {"rom": 60, "nprs": 5, "psfs": 5}
    assert [s.pain_before for s in plan_sessions(version)] == [5]


def test_readings_of_another_plan_count_as_latest_but_not_as_its_sessions(cast, version):
    session(cast, version, 14, pain=(5, 3), rom=60, psfs=5)
    earlier = PlanVersionFactory(
        plan__client=cast.client,
        plan__therapist=cast.therapist,
        plan__status="completed",
        activated_at=timezone.now(),
    )
    session(cast, earlier, 7, pain=(3, 2), rom=66, psfs=6)
    unplanned = session(cast, version, 3, pain=(2, 1), rom=68)
    type(unplanned).objects.filter(pk=unplanned.pk).update(plan_version=None)  # a note on no plan
    assert latest(version) == {"rom": 68, "nprs": 2, "psfs": 6}
    assert [(s.number, s.pain_before) for s in plan_sessions(version)] == [(1, 5)]
    assert [(s.number, s.pain_before) for s in plan_sessions(earlier)] == [(1, 3)]


def test_a_late_evening_session_is_dated_on_the_clinic_day(cast, version):
    day = today() - dt.timedelta(days=3)
    appointment = AppointmentFactory(
        client=cast.client,
        therapist=cast.therapist.therapist_profile,
        starts_at=at_local(day, dt.time(23, 30)),  # already the next day in UTC
    )
    SessionNoteFactory(appointment=appointment, plan_version=version, signed_at=timezone.now())
    (reading,) = plan_sessions(version)
    assert reading.on == day
    assert latest_on(version)["nprs"] == day


def latest_on(version):
    return {row.milestone.kind: row.latest_on for row in milestone_progress(version)}


def test_milestone_progress_queries_are_bounded(cast, version, django_assert_max_num_queries):
    for days in range(30, 0, -1):
        session(cast, version, days, rom=55 + days % 10, psfs=5)
    version = type(version).objects.select_related("plan").get(pk=version.pk)
    with django_assert_max_num_queries(5):
        milestone_progress(version)
    sessions = signed_sessions(version)
    with django_assert_max_num_queries(3):  # the sessions read once, for this and the charts
        assert latest(version, sessions) == {"rom": 56, "nprs": 6, "psfs": 5}


def test_the_pdf_fingerprint_follows_session_progress(cast, version):
    before = plan_pdf_fingerprint(version)
    session(cast, version, 7, pain=(4, 2), rom=64, psfs=6)
    after = plan_pdf_fingerprint(version)
    assert after != before
    session(cast, version, 3, pain=(4, 2), rom=64, psfs=6, signed=False)
    assert plan_pdf_fingerprint(version) == after  # a draft changes nothing


# --- charts ------------------------------------------------------------------------------------


def parse(svg):
    return ET.fromstring(str(svg))  # noqa: S314  (our own SVG, parsed to prove it well-formed)


def charts_of(cast, version):
    return plan_progress(user=cast.therapist, plan=version.plan).charts


def test_charts_are_well_formed_accessible_svg_with_the_values(cast, version):
    for days, pain, rom, psfs in ((21, (6, 4), 58, 4), (14, (5, 3), 63, 5), (7, (4, 2), 68, 6)):
        session(cast, version, days, pain=pain, rom=rom, psfs=psfs)
    charts = charts_of(cast, version)
    assert len(charts.all) == 4  # pain, one movement, NPRS and PSFS
    for chart in charts.all:
        root = parse(chart.svg)
        assert root.tag == f"{SVG}svg" and root.get("role") == "img"
        assert root.find(f"{SVG}title").text == chart.title
        assert root.get("aria-labelledby") == f"{chart.chart_id}-title {chart.chart_id}-desc"
    pain_desc = parse(charts.pain.svg).find(f"{SVG}desc").text
    assert "Pain before: S1 6, S2 5, S3 4." in pain_desc
    assert "Pain after: S1 4, S2 3, S3 2." in pain_desc
    assert charts.pain.rows[0] == [f"Session 1 ({_day(21)})", "6", "4"]
    rom = charts.movements[0]
    rom_desc = parse(rom.svg).find(f"{SVG}desc").text
    assert "Start 55°, S1 58°, S2 63°, S3 68°" in rom_desc
    assert (
        "Target ≥ 70°" in rom_desc and "Normal 80° (Washington State DSHS form 13-585A)" in rom_desc
    )


def _day(days_ago):
    return day(today() - dt.timedelta(days=days_ago))


def test_outcome_charts_mark_the_minimal_clinically_important_change(cast, version):
    session(cast, version, 7, pain=(4, 2), psfs=6)
    nprs, psfs = charts_of(cast, version).outcomes
    # NPRS baseline 6 +/- 1.8 (30 % of it, less than 2 points); one PSFS activity 4 +/- 3.
    for chart, low, high in ((nprs, 4.2, 7.8), (psfs, 1, 7)):
        root = parse(chart.svg)
        band = root.find(f"{SVG}rect[@class='mcid-band']")
        assert band is not None
        assert f"Shaded band from {low} to {high}" in root.find(f"{SVG}desc").text
    assert "not clinically important" in str(nprs.svg)


def test_every_reading_is_in_the_chart_tables(client, cast, version):
    """The tables are the accessible alternative to the drawings: each lists every reading,
    also when there are too many to show it open (more than 12)."""
    for n in range(15):
        session(cast, version, 30 - n, pain=(n % 10, (n + 3) % 10), rom=50 + n, psfs=n % 8)
    client.force_login(cast.therapist)
    page = client.get(reverse("plan_progress", args=[version.plan.pk])).content.decode()
    tables = chart_tables(page)
    pain = tables["Pain before and after each session (0-10)"]
    assert pain["head"] == ["When", "Pain before", "Pain after"]
    assert pain["rows"] == [
        [f"Session {n + 1} ({_day(30 - n)})", str(n % 10), str((n + 3) % 10)] for n in range(15)
    ]
    assert all(row_heads == ["th"] for row_heads in pain["row_heads"])
    rom = next(table for title, table in tables.items() if "range of motion" in title)
    assert rom["rows"][0] == ["Baseline (plan)", "55°"]
    assert rom["rows"][1:] == [
        [f"Session {n + 1} ({_day(30 - n)})", f"{50 + n}°"] for n in range(15)
    ]
    assert len(tables) == 4 and all(len(t["rows"]) >= 15 for t in tables.values())
    assert "The numbers (15 readings)" in page and "The numbers (16 readings)" in page
    assert '<details class="chart-data" open>' not in page  # long tables start folded


def test_a_long_plan_charts_its_latest_sessions_and_every_one_on_request(
    client, cast, version, monkeypatch
):
    """Past CHARTED_SESSIONS, the charts and their tables show the latest sessions; the
    milestones, the count and the prompts still use every one, and a link shows them all."""
    monkeypatch.setattr(selectors_progress, "CHARTED_SESSIONS", 5)
    for n in range(8):  # PSFS and trigger points only in session 1, before the window
        session(
            cast,
            version,
            30 - n,
            pain=(n, 0),
            rom=50 + n,
            psfs=6 if n == 0 else None,
            techniques=("trigger_point",) if n == 0 else ("swedish",),
        )
    progress = plan_progress(user=cast.therapist, plan=version.plan)
    psfs = next(row for row in progress.milestones if row.milestone.kind == "psfs")
    assert psfs.latest == 6 and progress.done == 8 and progress.charted == 5
    assert len(progress.charts.outcomes[1].rows) == 1  # the baseline only
    client.force_login(cast.therapist)
    url = reverse("plan_progress", args=[version.plan.pk])
    page = client.get(url).content.decode()
    pain = chart_tables(page)["Pain before and after each session (0-10)"]
    assert [row[0] for row in pain["rows"]] == [
        f"Session {n + 1} ({_day(30 - n)})" for n in range(3, 8)
    ]
    rom = next(table for title, table in chart_tables(page).items() if "range of motion" in title)
    assert rom["rows"][0] == ["Baseline (plan)", "55°"] and len(rom["rows"]) == 6
    assert "The charts show the latest 5 of 8 sessions (sessions 4–8)" in page
    assert f'href="{url}?sessions=all#charts-title"' in page
    assert "<strong>8 of 8</strong>" in page
    trigger, swedish = technique("trigger_point").name, technique("swedish").name
    worked = '</th><td data-label="Sessions">'  # what worked: the sessions column
    assert f"{swedish}{worked}5</td>" in page and trigger not in page  # what worked: 4-8
    assert f"{cast.client.first_name}’s latest 5 signed sessions of this plan" in page
    every = client.get(url, {"sessions": "all"}).content.decode()
    pain = chart_tables(every)["Pain before and after each session (0-10)"]
    assert len(pain["rows"]) == 8 and pain["rows"][0][0] == f"Session 1 ({_day(30)})"
    assert "The charts show all 8 sessions." in every
    assert f"{swedish}{worked}7</td>" in every and f"{trigger}{worked}1</td>" in every
    assert f'href="{url}#charts-title">Show the latest 5 only' in every


def test_sessions_done_within_and_beyond_the_plan(client, cast, version):
    version.planned_sessions = 2
    version.save(update_fields=["planned_sessions"])
    client.force_login(cast.therapist)
    url = reverse("plan_progress", args=[version.plan.pk])
    session(cast, version, 9, pain=(5, 3))
    assert "<strong>1 of 2</strong> planned sessions done" in client.get(url).content.decode()
    session(cast, version, 8, pain=(5, 3))
    session(cast, version, 7, pain=(5, 3))
    page = client.get(url).content.decode()
    assert (
        "<strong>3 sessions</strong> done (signed session notes): 1 more than the 2 planned" in page
    )


def test_a_short_plan_says_nothing_about_a_window(client, cast, version):
    session(cast, version, 7, pain=(4, 2))
    client.force_login(cast.therapist)
    page = client.get(reverse("plan_progress", args=[version.plan.pk])).content.decode()
    assert "charts-window" not in page


def chart_tables(page):
    """caption -> header cells, body rows (cell texts) and the tag of each row's first cell."""
    tables = {}
    for fragment in re.findall(r'<table class="table table-sm mb-0">.*?</table>', page, re.S):
        root = ET.fromstring(fragment)  # noqa: S314  (our own page, parsed to read its tables)
        caption = root.find("caption").text.removesuffix(": the values in the chart")
        rows = root.findall("tbody/tr")
        tables[caption] = {
            "head": [th.text for th in root.findall("thead/tr/th")],
            "rows": [[cell.text for cell in row] for row in rows],
            "row_heads": [
                [cell.tag for cell in row[:1] if cell.get("scope") == "row"] for row in rows
            ],
        }
    return tables


def test_chart_table_rows_escape_every_cell():
    html = str(table_rows([["<b>S1</b>", "6 & 7", '"x"']]))
    assert html == (
        '<tr><th scope="row">&lt;b&gt;S1&lt;/b&gt;</th><td>6 &amp; 7</td><td>&quot;x&quot;</td></tr>'
    )


def test_charts_escape_text(cast, version):
    version.milestones.filter(kind="psfs").update(description="<b>Typing</b>")
    chart = charts_of(cast, version).outcomes[1]
    assert "<b>" not in str(chart.svg) and "&lt;b&gt;Typing" in str(chart.svg)
    parse(chart.svg)


# --- reassessment and completion -----------------------------------------------------------


def test_reassessment_thresholds(cast, version):
    days = [70, 63, 56, 49, 42, 35, 28, 21]
    notes = [session(cast, version, d) for d in days[:3]]
    assert plan_progress(user=cast.therapist, plan=version.plan).reassessment is None
    notes.append(session(cast, version, days[3]))  # 4 of 8: halfway
    due = plan_progress(user=cast.therapist, plan=version.plan).reassessment
    assert (due.point, due.session_number, due.since) == ("halfway", 4, today() - dt.timedelta(49))
    AssessmentFactory(client=cast.client, assessed_on=today() - dt.timedelta(days=45))
    assert plan_progress(user=cast.therapist, plan=version.plan).reassessment is None
    for d in days[4:]:
        session(cast, version, d)  # 8 of 8: the end; the assessment came before it
    due = plan_progress(user=cast.therapist, plan=version.plan).reassessment
    assert (due.point, due.session_number) == ("the end", 8)
    AssessmentFactory(client=cast.client, assessed_on=today() - dt.timedelta(days=21))
    assert plan_progress(user=cast.therapist, plan=version.plan).reassessment is None


def test_halfway_of_an_odd_plan_rounds_up():
    class S:
        def __init__(self, on):
            self.on = on

    day = dt.date(2026, 3, 1)
    assert reassessment_due(planned=5, sessions=[S(day)] * 2, assessed_on=[]) is None
    assert reassessment_due(planned=5, sessions=[S(day)] * 3, assessed_on=[]).session_number == 3


def test_pages_show_the_reassessment_prompt_with_a_link(client, cast, version):
    for d in (35, 28, 21, 14):
        session(cast, version, d)
    client.force_login(cast.therapist)
    link = reverse("assessment_new", kwargs={"client_id": cast.client.pk})
    for url in (
        reverse("plan_progress", args=[version.plan.pk]),
        reverse("plan_detail", args=[version.plan.pk]),
    ):
        page = client.get(url).content.decode()
        assert "Reassessment due" in page and link in page, url
    client.force_login(cast.client_user)  # a clinician's to-do, not the client's
    page = client.get(reverse("plan_progress", args=[version.plan.pk])).content.decode()
    assert "Reassessment due" not in page


def test_the_reassessment_prompt_counts_the_sessions_done_like_the_progress_page(
    client, cast, version
):
    """Issue 15: with 7 of 8 sessions signed the prompt said "4 of 8 planned sessions are done"
    (the session that reached halfway)."""
    for d in (49, 42, 35, 28, 21, 14, 7):
        session(cast, version, d)
    client.force_login(cast.therapist)
    for url in (
        reverse("plan_progress", args=[version.plan.pk]),
        reverse("plan_detail", args=[version.plan.pk]),
    ):
        page = client.get(url).content.decode()
        assert "7 of 8 planned sessions are done" in page, url
        assert "4 of 8 planned sessions are done" not in page, url
        assert "halfway of the plan, reached at session 4 on" in page, url
    page = client.get(reverse("plan_progress", args=[version.plan.pk])).content.decode()
    assert "<strong>7 of 8</strong> planned sessions done" in page


def test_completion_is_suggested_when_every_milestone_is_met(client, cast, version):
    session(cast, version, 14, pain=(5, 3), rom=66, psfs=6)
    client.force_login(cast.therapist)
    url = reverse("plan_progress", args=[version.plan.pk])
    assert "Consider completing the plan" not in client.get(url).content.decode()
    session(cast, version, 7, pain=(3, 1), rom=70, psfs=7)
    page = client.get(url).content.decode()
    assert "Every milestone is met" in page and "Consider completing the plan" in page
    assert reverse("plan_detail", args=[version.plan.pk]) in page


# --- what worked -------------------------------------------------------------------------------


def test_what_worked_numbers(client, cast, version):
    session(cast, version, 21, pain=(7, 4), techniques=("swedish", "trigger_point"))
    session(cast, version, 14, pain=(6, 5), techniques=("swedish",))
    session(cast, version, 7, pain=(5, 1), techniques=("trigger_point", "trigger_point"))
    session(cast, version, 3, pain=(9, 0), techniques=("trigger_point",), signed=False)
    earlier_plan = PlanVersionFactory(plan__client=cast.client, plan__therapist=cast.therapist)
    session(cast, earlier_plan, 60, pain=(10, 0), techniques=("swedish", "trigger_point"))
    rows = {row.name: row for row in what_worked(user=cast.therapist, plan=version.plan)}
    assert list(rows) == [technique("swedish").name, technique("trigger_point").name]
    swedish, trigger = rows[technique("swedish").name], rows[technique("trigger_point").name]
    # Swedish: sessions (7,4) and (6,5): before 6.5, after 4.5, change -2.0
    assert (swedish.sessions, swedish.mean_before, swedish.mean_after) == (2, 6.5, 4.5)
    assert swedish.mean_change == -2.0
    # Trigger point: (7,4) and (5,1), counted once per session; the draft and the other
    # plan's session are left out.
    assert (trigger.sessions, trigger.mean_before, trigger.mean_after) == (2, 6.0, 2.5)
    assert trigger.mean_change == -3.5
    client.force_login(cast.client_user)
    page = client.get(reverse("plan_progress", args=[version.plan.pk])).content.decode()
    name = technique("trigger_point").name.lower()
    assert f"Sessions that included {name} averaged a change of -3.5 points" in page
    assert "does not show that a technique caused the change" in page


def test_what_worked_prints_one_decimal_and_no_negative_zero():
    row = TechniqueOutcome("Swedish", 3, 6.0, 4.3, -0.0)
    assert (row.before_text, row.after_text, row.change_text) == ("6.0", "4.3", "0.0")


# --- access, audit, query caps --------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("therapist", 200),
        ("therapist2", 200),
        ("admin", 200),
        ("client_user", 200),
        ("physician_user", 200),
        ("client2_user", 404),
        ("physician2_user", 404),
        ("frontdesk", 403),
    ],
)
def test_progress_access_per_role(client, cast, version, role, status):
    session(cast, version, 7, pain=(4, 2), rom=64)
    client.force_login(getattr(cast, role))
    assert client.get(reverse("plan_progress", args=[version.plan.pk])).status_code == status


def test_physician_without_consent_gets_404(client, cast, version):
    cast.client.care_team.update(sharing_revoked_at=timezone.now())
    client.force_login(cast.physician_user)
    assert client.get(reverse("plan_progress", args=[version.plan.pk])).status_code == 404
    assert client.get(reverse("client_progress", args=[cast.client.pk])).status_code == 404


def test_a_draft_plan_is_hidden_from_the_client(client, cast):
    draft = PlanVersionFactory(plan__client=cast.client, plan__therapist=cast.therapist)
    client.force_login(cast.client_user)
    assert client.get(reverse("plan_progress", args=[draft.plan.pk])).status_code == 404


def test_a_plan_without_an_activated_version_says_so_to_its_therapist(client, cast):
    draft = PlanVersionFactory(plan__client=cast.client, plan__therapist=cast.therapist)
    client.force_login(cast.therapist)
    page = client.get(reverse("plan_progress", args=[draft.plan.pk]))
    assert page.status_code == 200
    assert "This plan has no active version yet" in page.content.decode()


def test_client_progress_redirects_to_the_current_plan_or_says_there_is_none(client, cast, version):
    client.force_login(cast.client2_user)
    page = client.get(reverse("client_progress", args=[cast.client2.pk]))
    assert page.status_code == 200 and "no current (active) treatment plan" in page.content.decode()
    client.force_login(cast.client_user)
    response = client.get(reverse("client_progress", args=[cast.client.pk]))
    assert response["Location"] == reverse("plan_progress", args=[version.plan.pk])


def test_progress_page_is_audited(client, cast, version):
    client.force_login(cast.physician_user)
    client.get(reverse("plan_progress", args=[version.plan.pk]))
    entry = AuditEntry.objects.get(actor=cast.physician_user, detail="progress")
    assert (entry.action, entry.client, entry.object_id) == (
        "view",
        cast.client,
        str(version.plan.pk),
    )


def test_page_has_one_h1_and_no_inline_script_or_style(client, cast, version):
    session(cast, version, 7, pain=(4, 2), rom=64, psfs=6)
    client.force_login(cast.therapist)
    page = client.get(reverse("plan_progress", args=[version.plan.pk])).content.decode()
    assert page.count("<h1") == 1 and "style=" not in page
    assert page.count("<script") == page.count("<script src=")
    assert '<table class="table table-sm mb-0">' in page  # the numbers beside each chart


PROGRESS_QUERY_CAP = 11  # measured: 11 at 10 and at 200 signed notes (13 before one read of the
# assessments and of the plan with its version)


@pytest.mark.parametrize("notes", [10, 200])
def test_progress_page_queries_do_not_grow(
    client, cast, version, notes, django_assert_max_num_queries
):
    kinds = [technique(k) for k in ("swedish", "trigger_point", "myofascial_release")]
    for n in range(notes):
        note = session(cast, version, notes - n + 1, pain=(6 - n % 4, 2), techniques=())
        TechniqueApplied.objects.bulk_create(
            TechniqueApplied(
                note=note, technique=t, body_region="Neck", pressure="light", minutes=10
            )
            for t in kinds[: 1 + n % 3]
        )
        Measurement.objects.create(
            note=note, kind="rom", rom_norm=rom_norm(), side="right", value=55 + n % 15
        )
    client.force_login(cast.therapist)
    with django_assert_max_num_queries(PROGRESS_QUERY_CAP):
        response = client.get(reverse("plan_progress", args=[version.plan.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert (
        f"<strong>{notes} sessions</strong> done (signed session notes): {notes - 8} more " in page
    )


# --- the plan PDF holds the same charts ------------------------------------------------------


def test_the_plan_pdf_holds_the_session_charts(cast, version):
    session(cast, version, 14, pain=(5, 3), rom=61, psfs=5)
    session(cast, version, 7, pain=(4, 2), rom=66, psfs=6)
    html = pdf_module.plan_html(version)
    charts = charts_of(cast, version)
    for chart in charts.all:
        assert str(chart.svg) in html
    text = " ".join(
        page.extract_text()
        for page in pypdf.PdfReader(io.BytesIO(pdf_module.html_to_pdf(html))).pages
    )
    text = " ".join(text.split())
    assert "Pain before and after each session" in text
    assert "Target ≥ 70°" in text and "Normal 80° (Washington State DSHS form 13-585A)" in text
    assert "smaller changes are not clinically important" in text
