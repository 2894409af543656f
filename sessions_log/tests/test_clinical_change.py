"""Clinically important change (issue 17, item 7): NPRS 2 points or 30 % of the baseline
(Farrar 2001), PSFS 2 points for the mean and 3 for one activity (Stratford 1995), LEFS 9
points (Binkley 1999); each edge, and what the progress page and the PDF say of a milestone."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic import clinical_change
from clinic.clinic_time import today
from clinic.clinical_change import LEFS, NPRS, PSFS_ACTIVITY, PSFS_MEAN, change
from intake.tests.factories import AssessmentFactory
from sessions_log.progress import milestone_progress
from treatment_plans.tests.factories import MilestoneFactory, PlanVersionFactory


def pain(baseline, latest):
    return change(Decimal(baseline), Decimal(latest), NPRS, lower_is_better=True)


def function(baseline, latest, criterion):
    return change(Decimal(baseline), Decimal(latest), criterion, lower_is_better=False)


def test_the_criteria_are_the_cited_ones():
    assert (clinical_change.NPRS_POINTS, clinical_change.NPRS_PERCENT) == (2, 30)
    assert (clinical_change.PSFS_MEAN_POINTS, clinical_change.PSFS_ACTIVITY_POINTS) == (2, 3)
    assert clinical_change.LEFS_POINTS == 9


@pytest.mark.parametrize(
    ("baseline", "latest", "important", "by_points", "by_percent"),
    [
        ("10", "8", True, True, False),  # exactly 2 points (20 %)
        ("10", "8.1", False, False, False),  # 1.9 points (19 %)
        ("5", "3.5", True, False, True),  # 1.5 points, exactly 30 %
        ("6.2", "4.4", False, False, False),  # 1.8 points, 29 %
        ("6", "3", True, True, True),  # both
        ("3", "5", False, False, False),  # worse
    ],
)
def test_nprs_counts_2_points_or_30_percent(baseline, latest, important, by_points, by_percent):
    found = pain(baseline, latest)
    assert (found.important, found.met_by_points, found.met_by_percent) == (
        important,
        by_points,
        by_percent,
    )


def test_nprs_says_which_criterion_was_met():
    assert pain("6", "3").text == "down 3 points (50 %)"
    assert pain("6", "3").verdict == (
        "clinically important (at least 2 points; at least 30 % of the baseline)"
    )
    assert pain("5", "3.5").text == "down 1.5 points (30 %)"
    assert pain("5", "3.5").verdict == "clinically important (at least 30 % of the baseline)"
    assert pain("10", "8").verdict == "clinically important (at least 2 points)"
    assert pain("10", "8.1").verdict == "not yet a clinically important change"
    assert pain("4", "5").text == "up 1 point (25 %)"
    assert pain("4", "4").text == "no change"


def test_nprs_from_a_baseline_of_zero_counts_points_only():
    found = pain("0", "2")
    assert (found.percent, found.important, found.text) == (None, False, "up 2 points")


def test_psfs_one_activity_needs_3_points_and_the_mean_2():
    assert not function("4", "6", PSFS_ACTIVITY).important  # 2 points: not for one activity
    assert function("4", "7", PSFS_ACTIVITY).important  # 3 points
    assert function("4", "7", PSFS_ACTIVITY).verdict == "clinically important (at least 3 points)"
    assert function("4", "6", PSFS_MEAN).important  # 2 points for the mean
    assert not function("4", "5.9", PSFS_MEAN).important
    assert function("4", "6", PSFS_MEAN).text == "up 2 points"  # no percent criterion


def test_psfs_percent_of_the_baseline_does_not_count():
    assert not function("2", "4", PSFS_ACTIVITY).important  # 100 % but 2 points


def test_lefs_needs_9_points():
    assert function("40", "49", LEFS).important
    assert not function("40", "48", LEFS).important
    assert function("40", "49", LEFS).verdict == "clinically important (at least 9 points)"


def test_the_band_is_the_smallest_change_that_counts():
    assert NPRS.threshold(Decimal(10)) == 2
    assert NPRS.threshold(Decimal(5)) == Decimal("1.5")
    assert NPRS.threshold(None) == 2
    assert PSFS_ACTIVITY.threshold(Decimal(4)) == 3


def test_nothing_to_compare_is_no_change():
    assert change(None, 3, NPRS, lower_is_better=True) is None
    assert change(6, None, NPRS, lower_is_better=True) is None


@pytest.fixture
def version(cast):
    version = PlanVersionFactory(
        plan__client=cast.client,
        plan__therapist=cast.therapist,
        plan__status="active",
        activated_at=timezone.now(),
    )
    MilestoneFactory(version=version, kind="nprs", baseline_value=6, target_value=2, order=0)
    MilestoneFactory(
        version=version,
        kind="psfs",
        description="Computer work",
        comparator="gte",
        baseline_value=4,
        target_value=8,
        order=1,
    )
    return version


def test_a_milestone_is_judged_by_its_measure(client, cast, version):
    AssessmentFactory(
        client=cast.client,
        assessed_on=today() - dt.timedelta(days=3),
        nprs=3,
        psfs_items=[{"activity": "Computer work", "score": 6}],
    )
    nprs, psfs = milestone_progress(version)
    assert nprs.change_text == (
        "down 3 points (50 %): clinically important (at least 2 points; at least 30 % of the "
        "baseline)"
    )
    assert psfs.change_text == "up 2 points: not yet a clinically important change"
    client.force_login(cast.therapist)
    page = client.get(reverse("plan_progress", args=[version.plan.pk])).content.decode()
    assert "down 3 points (50 %): clinically important" in page
    assert "up 2 points: not yet a clinically important change" in page
    from documents.pdf import plan_html

    assert "down 3 points (50 %): clinically important" in plan_html(version)


def test_a_range_of_motion_has_no_outcome_change(version):
    rom = MilestoneFactory(version=version, kind="rom", comparator="gte", target_value=70)
    row = next(r for r in milestone_progress(version) if r.milestone == rom)
    assert row.change is None and row.change_text is None
