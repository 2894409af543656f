"""Milestones with deadlines (issue 17, item 7): a milestone due "by session N" is met on time
(reached at or before session N), met late (after it), missed (N sessions done, not reached) or
not yet; without a deadline met or not yet. The status `milestones_update` stores follows it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.clinic_time import today
from intake.tests.factories import AssessmentFactory
from sessions_log.models import SessionNote
from sessions_log.progress import Outcome, milestone_progress
from sessions_log.services.progress import milestones_update
from sessions_log.tests.test_progress import session
from treatment_plans.models import Milestone
from treatment_plans.tests.factories import MilestoneFactory, PlanVersionFactory


@pytest.fixture
def version(cast):
    return PlanVersionFactory(
        plan__client=cast.client,
        plan__therapist=cast.therapist,
        plan__status="active",
        activated_at=timezone.now(),
        planned_sessions=10,
    )


def pain_milestone(version, by_session=3):
    """Pain at most 3 by session `by_session`."""
    return MilestoneFactory(
        version=version, kind="nprs", baseline_value=6, target_value=3, by_session=by_session
    )


def sessions_with_pain(cast, version, *pains):
    """One signed session a day, oldest first, with these pain scores at the start; a second
    call goes on from the day after the last session (one therapist is never booked twice at
    once: PostgreSQL's exclusion constraint refuses it)."""
    done = SessionNote.objects.filter(plan_version=version).count()
    for i, pain in enumerate(pains):
        session(cast, version, 30 - done - i, pain=(pain, 1))


def row(version):
    (only,) = milestone_progress(version)
    return only


def test_reached_at_the_deadline_session_is_met_on_time(cast, version):
    pain_milestone(version, by_session=3)
    sessions_with_pain(cast, version, 6, 5, 3)
    progress = row(version)
    assert (progress.met, progress.outcome, progress.reached_session) == (
        True,
        Outcome.MET_ON_TIME,
        3,
    )
    assert progress.outcome_text == "Met on time (at session 3; due by session 3)"
    assert progress.reached_on == today() - dt.timedelta(days=28)


def test_reached_after_the_deadline_is_met_late(cast, version):
    pain_milestone(version, by_session=3)
    sessions_with_pain(cast, version, 6, 5, 4, 3)
    progress = row(version)
    assert (progress.met, progress.outcome, progress.reached_session) == (
        True,
        Outcome.MET_LATE,
        4,
    )
    assert progress.outcome_text == "Met late (at session 4; due by session 3)"


def test_reached_lost_and_reached_again_counts_from_the_last_time(cast, version):
    pain_milestone(version, by_session=3)
    sessions_with_pain(cast, version, 3, 6, 5, 2)
    assert (row(version).outcome, row(version).reached_session) == (Outcome.MET_LATE, 4)


def test_deadline_sessions_done_and_not_reached_is_missed(cast, version):
    pain_milestone(version, by_session=3)
    sessions_with_pain(cast, version, 6, 5, 4)
    progress = row(version)
    assert (progress.met, progress.outcome) == (False, Outcome.MISSED)
    assert progress.outcome_text == "Missed (not reached by session 3)"


def test_fewer_sessions_than_the_deadline_and_not_reached_is_not_yet(cast, version):
    pain_milestone(version, by_session=3)
    sessions_with_pain(cast, version, 6, 5)
    assert (row(version).outcome, row(version).outcome_text) == (Outcome.NOT_YET, "Not yet")


def test_never_measured_and_past_the_deadline_is_missed(cast, version):
    MilestoneFactory(
        version=version, kind="psfs", description="Lifting", comparator="gte", by_session=2
    )
    sessions_with_pain(cast, version, 6, 5)
    assert row(version).outcome == Outcome.MISSED
    only = row(version)
    assert only.met is None and only.done == 2


def test_never_measured_before_the_deadline_is_not_measured(cast, version):
    MilestoneFactory(
        version=version, kind="psfs", description="Lifting", comparator="gte", by_session=5
    )
    sessions_with_pain(cast, version, 6)
    assert (row(version).outcome, row(version).outcome_text) == (None, "Not measured")


def test_without_a_deadline_met_or_not_yet(cast, version):
    pain_milestone(version, by_session=None)
    sessions_with_pain(cast, version, 6, 5, 4, 4, 4)
    assert row(version).outcome == Outcome.NOT_YET
    sessions_with_pain(cast, version, 6, 5, 4, 4, 4, 4, 4, 3)  # many sessions: still no deadline
    assert (row(version).outcome, row(version).outcome_text) == (Outcome.MET, "Met")


def test_an_assessment_counts_as_reached_after_the_sessions_done_by_its_day(cast, version):
    pain_milestone(version, by_session=2)
    sessions_with_pain(cast, version, 6, 5, 5)  # 30, 29 and 28 days ago
    AssessmentFactory(client=cast.client, assessed_on=today() - dt.timedelta(days=27), nprs=2)
    progress = row(version)
    assert (progress.outcome, progress.reached_session) == (Outcome.MET_LATE, 3)
    assert progress.reached_on == today() - dt.timedelta(days=27)


def test_a_baseline_already_at_target_before_any_session_is_on_time(cast, version):
    pain_milestone(version, by_session=2)
    AssessmentFactory(client=cast.client, assessed_on=today() - dt.timedelta(days=40), nprs=3)
    assert (row(version).outcome, row(version).reached_session) == (Outcome.MET_ON_TIME, 0)


def test_a_text_milestone_follows_the_therapist_and_can_be_missed(cast, version):
    milestone = MilestoneFactory(
        version=version, kind="text", description="Sleeps through", by_session=2
    )
    sessions_with_pain(cast, version, 6)
    assert row(version).outcome is None  # nothing to judge by yet
    Milestone.objects.filter(pk=milestone.pk).update(status="not_met")
    assert row(version).outcome == Outcome.NOT_YET
    sessions_with_pain(cast, version, 6)
    assert row(version).outcome == Outcome.MISSED
    Milestone.objects.filter(pk=milestone.pk).update(status="met")
    assert row(version).outcome == Outcome.MET


@pytest.mark.parametrize(
    ("pains", "status"),
    [
        ((6, 5, 3), "met"),  # on time
        ((6, 5, 4, 3), "met"),  # late
        ((6, 5, 4), "not_met"),  # missed
        ((6, 5), "open"),  # not yet
    ],
)
def test_the_stored_status_follows_the_outcome(cast, version, pains, status):
    milestone = pain_milestone(version, by_session=3)
    sessions_with_pain(cast, version, *pains)
    milestones_update(version=version)
    milestone.refresh_from_db()
    assert milestone.status == status


def test_a_missed_milestone_reached_later_is_stored_as_met(cast, version):
    milestone = pain_milestone(version, by_session=2)
    sessions_with_pain(cast, version, 6, 5)
    assert milestones_update(version=version) == 1
    milestone.refresh_from_db()
    assert milestone.status == "not_met"
    session(cast, version, 1, pain=(2, 1))
    milestones_update(version=version)
    milestone.refresh_from_db()
    assert milestone.status == "met"


def test_the_pages_and_the_pdf_show_the_outcome(client, cast, version):
    from documents.pdf import plan_html

    pain_milestone(version, by_session=3)
    sessions_with_pain(cast, version, 6, 5, 4, 3)
    milestones_update(version=version)
    client.force_login(cast.therapist)
    progress_page = client.get(reverse("plan_progress", args=[version.plan.pk]))
    assert "Met late (at session 4; due by session 3)" in progress_page.content.decode()
    plan_page = client.get(reverse("plan_detail", args=[version.plan.pk]))
    assert "Met late (at session 4; due by session 3)" in plan_page.content.decode()
    assert "Met late (at session 4; due by session 3)" in plan_html(version)


def test_the_plan_page_shows_a_missed_milestone(client, cast, version):
    pain_milestone(version, by_session=2)
    sessions_with_pain(cast, version, 6, 5)
    milestones_update(version=version)
    client.force_login(cast.therapist)
    plan_page = client.get(reverse("plan_detail", args=[version.plan.pk])).content.decode()
    assert "Missed (not reached by session 2)" in plan_page
