"""Reads for the progress page: what has been done against the plan, milestones, charts,
reassessment prompts and "what worked". Callers pass a plan they reached through
`TreatmentPlan.objects.visible_to(user)`; rows below it are read through `visible_to` too."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field

from intake.models import Assessment
from sessions_log.models import TechniqueApplied
from sessions_log.progress import (
    MilestoneProgress,
    ProgressCharts,
    SessionReading,
    client_assessments,
    milestone_progress,
    plan_sessions,
    progress_charts,
    sessions_done,
    signed_sessions,
)
from treatment_plans.models import PlanVersion, TreatmentPlan

# The charts (with their tables) and "what worked" show the latest sessions of a long plan,
# and every session on request: a typical plan has 6-24, and 200 points across a phone-width
# chart are 2 px apart. Milestones, counts and the reassessment prompt use every session.
CHARTED_SESSIONS = 50

# Reassessment is due at the halfway point and at the end of the planned sessions (DOMAIN.md).
REASSESS_AT = ((0.5, "halfway"), (1.0, "the end"))


@dataclass(frozen=True)
class ReassessmentDue:
    point: str  # "halfway" or "the end"
    session_number: int  # the session that reached the point
    planned: int
    since: dt.date  # the session that reached the point; an assessment on or after clears it
    done: int  # sessions done by now (past the point when the prompt waited)


@dataclass(frozen=True)
class TechniqueOutcome:
    """Pain scores of the signed sessions that included a technique. A description of what
    happened, not evidence that the technique caused it."""

    name: str
    sessions: int
    mean_before: float
    mean_after: float
    mean_change: float  # from the exact means, not the rounded ones above

    # One decimal, as printed (the floatformat filter costs ~25 µs a call; a page prints 32).
    @property
    def before_text(self) -> str:
        return _one_decimal(self.mean_before)

    @property
    def after_text(self) -> str:
        return _one_decimal(self.mean_after)

    @property
    def change_text(self) -> str:
        return _one_decimal(self.mean_change)


def _one_decimal(value: float) -> str:
    return f"{value + 0.0:.1f}"  # + 0.0: no "-0.0"


@dataclass(frozen=True)
class PlanProgress:
    plan: TreatmentPlan
    version: PlanVersion | None
    milestones: list[MilestoneProgress]
    sessions: list[SessionReading]
    charts: ProgressCharts | None
    reassessment: ReassessmentDue | None
    charted_sessions: list[SessionReading] = field(default_factory=list)  # the latest ones

    @property
    def charted(self) -> int:
        """How many of the latest sessions the charts (and "what worked") show."""
        return len(self.charted_sessions)

    @property
    def done(self) -> int:
        return sessions_done(self.sessions)

    @property
    def over_plan(self) -> int:
        """Signed sessions beyond the planned number (0 within the plan)."""
        return max(0, self.done - (self.planned or 0)) if self.version else 0

    @property
    def charts_window(self) -> tuple[int, int] | None:
        """(first, last) session number the charts show when that is not every session."""
        if self.charted >= self.done:
            return None
        return self.done - self.charted + 1, self.done

    @property
    def worked_sessions(self) -> list[SessionReading] | None:
        """What "what worked" describes: the charted sessions when they are a window, else
        None (every signed session of the plan, which one join finds faster than a long
        list of note ids)."""
        return self.charted_sessions if self.charts_window else None

    @property
    def charted_default(self) -> int:
        return CHARTED_SESSIONS

    @property
    def windowed(self) -> bool:
        """Whether the plan has more sessions than the charts show by default."""
        return self.done > CHARTED_SESSIONS

    @property
    def planned(self) -> int | None:
        return self.version.planned_sessions if self.version else None

    @property
    def all_met(self) -> bool:
        return bool(self.milestones) and all(row.met is True for row in self.milestones)

    @property
    def complete_suggested(self) -> bool:
        return self.all_met and self.plan.status == TreatmentPlan.Status.ACTIVE


def current_version(*, user, plan: TreatmentPlan) -> PlanVersion | None:
    """The version the plan runs on: the newest activated one the user may see (progress
    is measured against what was agreed, never against a draft)."""
    return _current_versions(user).filter(plan=plan).first()


def current_version_by_plan_id(*, user, plan_id) -> PlanVersion | None:
    """The same, found by the plan's id with its plan and client in the same query: a user
    who may see an activated version may see its plan (the progress page reads this first
    and the plan alone only when there is no such version)."""
    return _current_versions(user).filter(plan_id=plan_id).select_related("plan__client").first()


def _current_versions(user):
    return (
        PlanVersion.objects.visible_to(user).filter(activated_at__isnull=False).order_by("-number")
    )


def plan_progress(*, user, plan: TreatmentPlan, every_session: bool = False) -> PlanProgress:
    """Everything the progress page shows of one plan, in a fixed number of queries. The
    charts show the latest CHARTED_SESSIONS sessions, or each one with `every_session`."""
    version = current_version(user=user, plan=plan)
    return version_progress(user=user, plan=plan, version=version, every_session=every_session)


def version_progress(
    *, user, plan: TreatmentPlan, version: PlanVersion | None, every_session: bool = False
) -> PlanProgress:
    """The same when the caller has read the plan's current version (None: there is none)."""
    if version is None:
        return PlanProgress(plan, None, [], [], None, None)
    version.plan = plan  # the caller's (already checked) plan: no second read of it
    signed = signed_sessions(version)  # once, for the milestones and the charts
    # Once, through the access rule, for the milestones and the reassessment prompt.
    assessments = client_assessments(
        Assessment.objects.visible_to(user).filter(client=plan.client_id)
    )
    milestones = milestone_progress(version, signed, assessments)
    sessions = signed.of_plan
    charted = sessions if every_session else sessions[-CHARTED_SESSIONS:]
    return PlanProgress(
        plan=plan,
        version=version,
        milestones=milestones,
        sessions=sessions,
        charts=progress_charts(version, milestones, charted),
        reassessment=reassessment_due(
            planned=version.planned_sessions,
            sessions=sessions,
            assessed_on=[a.assessed_on for a in assessments],
        ),
        charted_sessions=charted,
    )


def _assessment_dates(user, client_id) -> list[dt.date]:
    return list(
        Assessment.objects.visible_to(user)
        .filter(client_id=client_id)
        .values_list("assessed_on", flat=True)
    )


def reassessment_due(
    *, planned: int, sessions: list[SessionReading], assessed_on: list[dt.date]
) -> ReassessmentDue | None:
    """The furthest reassessment point reached (50 % or 100 % of the planned sessions)
    unless an assessment was recorded on or after the session that reached it. Only the
    furthest point matters: an assessment after it also comes after the earlier one."""
    reached = None
    for share, label in REASSESS_AT:
        number = max(1, math.ceil(planned * share))
        if len(sessions) >= number:
            reached = ReassessmentDue(
                label, number, planned, sessions[number - 1].on, sessions_done(sessions)
            )
    if reached is None or any(day >= reached.since for day in assessed_on):
        return None
    return reached


def plan_reassessment(*, user, plan: TreatmentPlan) -> ReassessmentDue | None:
    """The prompt alone (the plan page): sessions and assessments, without the charts."""
    version = current_version(user=user, plan=plan)
    if version is None:
        return None
    return reassessment_due(
        planned=version.planned_sessions,
        sessions=plan_sessions(version),
        assessed_on=_assessment_dates(user, plan.client_id),
    )


def what_worked(
    *, user, plan: TreatmentPlan, sessions: list[SessionReading] | None = None
) -> list[TechniqueOutcome]:
    """Per technique, the plan's signed sessions (any version of it) that included it and
    their mean pain before and after; only `sessions` (some of the plan's, as read by
    plan_progress) when given. One query; a technique used twice in a session counts it once
    (the dict below, keyed by note). Grouping in Python is about twice as fast here as
    grouping in SQL, which needs an anti-join to count a session once."""
    applied = TechniqueApplied.objects.visible_to(user)
    if sessions is None:
        applied = applied.filter(note__plan_version__plan=plan, note__signed_at__isnull=False)
    else:  # the plan's signed notes, by id: a short list beats the join (a long one does not)
        applied = applied.filter(note_id__in=[s.note_id for s in sessions])
    rows = applied.order_by().values_list(  # sorted below, after grouping
        "technique__name", "note_id", "note__pain_before", "note__pain_after"
    )
    pains: dict[str, dict] = defaultdict(dict)
    for name, note_id, before, after in rows:
        pains[name][note_id] = (before, after)
    outcomes = [_outcome(name, list(by_note.values())) for name, by_note in pains.items()]
    return sorted(outcomes, key=lambda o: (-o.sessions, o.name))


def _outcome(name: str, pairs: list[tuple[int, int]]) -> TechniqueOutcome:
    count = len(pairs)
    return TechniqueOutcome(
        name=name,
        sessions=count,
        mean_before=round(sum(b for b, _ in pairs) / count, 1),
        mean_after=round(sum(a for _, a in pairs) / count, 1),
        mean_change=round(sum(a - b for b, a in pairs) / count, 1),
    )
