"""Progress towards a plan version's milestones: baseline, latest measurement and target.

The latest value is the newest reading from two sources: the client's assessments (initial
and reassessments) and the measurements logged in SIGNED session notes (a draft may still
change). A session reading wins over an assessment of the same day or older. NPRS comes from
a session's `pain_before`: the pain at the start of a session is the client's current level
(the pain after includes the massage's short-term effect).

An internal read for the PDF job (which has no user): callers that show it to a person must
have reached `version` through `PlanVersion.objects.visible_to(user)`.
"""

from __future__ import annotations

import bisect
import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from django.db import models
from django.db.models import BooleanField, ExpressionWrapper, F, Q, Subquery
from django.db.models.functions import TruncDate

from clinic import clinical_change
from clinic.charts import Chart, outcome_chart, pain_chart, rom_chart
from clinic.clinic_time import clinic_tz
from clinic.date_formats import day
from intake.models import Assessment, RangeOfMotion
from scheduling.lookups import InSubquery
from sessions_log.models import Measurement, SessionNote
from treatment_plans.models import Milestone, PlanVersion

Kind = Milestone.Kind


class Outcome(models.TextChoices):
    """A milestone judged against its deadline (`by_session`), if it has one."""

    MET = "met", "Met"  # no deadline
    MET_ON_TIME = "met_on_time", "Met on time"
    MET_LATE = "met_late", "Met late"
    MISSED = "missed", "Missed"
    NOT_YET = "not_yet", "Not yet"


@dataclass(frozen=True)
class MilestoneProgress:
    milestone: Milestone
    latest: Decimal | None
    latest_on: dt.date | None
    # The reading that reached the target and every reading since has kept it (a target
    # reached and lost again counts from when it was reached again): the plan sessions done
    # by then (that session's number for a plan session) and its date. None when not met.
    reached_session: int | None = None
    reached_on: dt.date | None = None
    # The plan's signed sessions so far (None when they were not read: a plan whose
    # milestones are all in words and without a deadline).
    done: int | None = None

    @property
    def baseline(self) -> Decimal | None:
        return self.milestone.baseline_value

    @property
    def target(self) -> Decimal | None:
        return self.milestone.target_value

    @property
    def measurable(self) -> bool:
        return self.milestone.kind != Kind.TEXT and self.target is not None

    @property
    def met(self) -> bool | None:
        """True/False from the latest value; a free-text milestone follows the therapist's
        judgement (its status); None while there is nothing to judge by."""
        if not self.measurable:
            return {"met": True, "not_met": False}.get(self.milestone.status)
        return self.milestone.is_met_by(self.latest)

    @property
    def outcome(self) -> Outcome | None:
        """Met on time (reached at or before session `by_session`), met late (after it),
        missed (that many sessions done, not reached), not yet; without a deadline met or
        not yet. None: not measured yet and not past its deadline."""
        met, due = self.met, self.milestone.by_session
        if met is True:
            if due is None or self.reached_session is None:
                return Outcome.MET
            return Outcome.MET_ON_TIME if self.reached_session <= due else Outcome.MET_LATE
        if due is not None and self.done is not None and self.done >= due:
            return Outcome.MISSED
        return None if met is None else Outcome.NOT_YET

    @property
    def change(self) -> clinical_change.Change | None:
        """How far the latest reading moved from the baseline, judged by the measure's
        clinically important change (pain: 2 points or 30 %; one PSFS activity: 3 points);
        None for a range of motion or a milestone in words."""
        criterion = criterion_of(self.milestone)
        if criterion is None:
            return None
        lower = self.milestone.comparator == Milestone.Comparator.AT_MOST
        return clinical_change.change(self.baseline, self.latest, criterion, lower_is_better=lower)

    @property
    def against_deadline(self) -> bool:
        """Whether the outcome says something about the deadline (met on time or late,
        missed), beyond met or not."""
        return self.outcome in (Outcome.MET_ON_TIME, Outcome.MET_LATE, Outcome.MISSED)

    @property
    def outcome_text(self) -> str:
        """As the progress page, the plan page and the PDF print it, e.g. "Met late (at
        session 7; due by session 6)"."""
        outcome, due = self.outcome, self.milestone.by_session
        if outcome is None:
            return "Not measured"
        if outcome == Outcome.MET_ON_TIME:
            return f"Met on time (at session {self.reached_session}; due by session {due})"
        if outcome == Outcome.MET_LATE:
            return f"Met late (at session {self.reached_session}; due by session {due})"
        if outcome == Outcome.MISSED:
            return f"Missed (not reached by session {due})"
        return outcome.label

    # As printed: 55, 55.5 (values carry one decimal at most).
    @property
    def baseline_text(self) -> str | None:
        return _plain(self.baseline)

    @property
    def latest_text(self) -> str | None:
        return _plain(self.latest)

    @property
    def target_text(self) -> str | None:
        return _plain(self.target)

    @property
    def change_text(self) -> str | None:
        """e.g. "down 3 points (50 %): clinically important (at least 2 points; at least 30 %
        of the baseline)"."""
        change = self.change
        return None if change is None else f"{change.text}: {change.verdict}"

    def as_data(self) -> dict:
        """What the PDF shows of this milestone, as plain JSON (for the content fingerprint)."""
        return {
            "milestone": str(self.milestone.pk),
            "summary": self.milestone.summary,
            "status": self.milestone.status,
            "baseline": _plain(self.baseline),
            "latest": _plain(self.latest),
            "latest_on": self.latest_on.isoformat() if self.latest_on else None,
            "target": _plain(self.target),
            "outcome": self.outcome_text,
            "change": self.change_text,
        }


def criterion_of(milestone: Milestone) -> clinical_change.Criterion | None:
    """The clinically important change of a milestone's measure: a PSFS milestone tracks one
    activity (3 points, not the mean's 2)."""
    return {Kind.NPRS: clinical_change.NPRS, Kind.PSFS: clinical_change.PSFS_ACTIVITY}.get(
        milestone.kind
    )


def milestone_progress(
    version: PlanVersion,
    sessions: SignedSessions | None = None,
    assessments: list[Assessment] | None = None,
) -> list[MilestoneProgress]:
    """One row per milestone of `version`, in plan order. Five queries at most, however many
    milestones, assessments and sessions there are; two when the caller passes the client's
    `signed_sessions` and `client_assessments` (the progress page reads them once for this,
    the charts and the reassessment prompt)."""
    milestones = list(version.milestones.select_related("rom_norm"))
    if sessions is None and any(
        m.kind in SESSION_KINDS or m.by_session is not None for m in milestones
    ):
        sessions = signed_sessions(version)
    readings = sessions.every if sessions is not None else []
    done = sessions_done(sessions.of_plan) if sessions is not None else None
    plan_days = [s.on for s in sessions.of_plan] if sessions is not None else []
    timelines = _timelines(version.plan.client_id, milestones, readings, assessments)
    rows = []
    for m in milestones:
        timeline = timelines.get(m.pk, [])
        latest = timeline[-1] if timeline else None
        reached = _reached(m, timeline, plan_days)
        rows.append(
            MilestoneProgress(
                m,
                latest.value if latest else None,
                latest.on if latest else None,
                *(reached or (None, None)),
                done=done,
            )
        )
    return rows


def client_assessments(queryset) -> list[Assessment]:
    """What milestones read of a client's assessments (`queryset`: theirs), newest first."""
    return list(
        queryset.order_by("-assessed_on", "-created_at").only("assessed_on", "nprs", "psfs_items")
    )


@dataclass(frozen=True)
class _Reading:
    value: Decimal
    on: dt.date
    session: int | None  # a plan session's number; None for an assessment or another note


def _timelines(
    client_id, milestones: list[Milestone], sessions: list[SessionReading], assessments
) -> dict:
    """milestone id -> its readings, oldest first; the last one is the latest value. A session
    reading on the day of an assessment counts as the newer."""
    from_assessments: dict = {}
    from_assessments.update(_rom_rows(client_id, [m for m in milestones if m.kind == Kind.ROM]))
    _score_from_assessments(client_id, milestones, from_assessments, assessments)
    timelines = {}
    for milestone in milestones:
        merged = [(r.on, 0, i, r) for i, r in enumerate(from_assessments.get(milestone.pk, []))]
        pick = session_value(milestone)
        if pick is not None:
            for i, session in enumerate(sessions):
                value = pick(session)
                if value is not None:
                    reading = _Reading(Decimal(value), session.on, session.number or None)
                    merged.append((session.on, 1, i, reading))
        if merged:
            merged.sort(key=lambda row: row[:3])
            timelines[milestone.pk] = [row[3] for row in merged]
    return timelines


def _reached(milestone: Milestone, timeline: list[_Reading], plan_days: list[dt.date]):
    """(plan sessions done by then, date) of the reading from which the target has been met
    without a break up to the latest one; None when the latest does not meet it."""
    start = None
    for reading in timeline:
        start = (start or reading) if milestone.is_met_by(reading.value) else None
    if start is None:
        return None
    number = start.session or bisect.bisect_right(plan_days, start.on)
    return number, start.on


def _score_from_assessments(
    client_id, milestones: list[Milestone], values: dict, assessments: list | None
) -> None:
    scored = [m for m in milestones if m.kind in (Kind.NPRS, Kind.PSFS)]
    if scored:
        if assessments is None:
            assessments = client_assessments(Assessment.objects.filter(client_id=client_id))
        oldest_first = assessments[::-1]
        for milestone in scored:
            found = [
                _Reading(Decimal(str(value)), a.assessed_on, None)
                for a in oldest_first
                if (value := _score(milestone, a)) is not None
            ]
            if found:
                values[milestone.pk] = found


def _rom_rows(client_id, milestones: list[Milestone]) -> dict:
    """milestone id -> the assessments' readings of its movement, oldest first."""
    if not milestones:
        return {}
    rows = (
        RangeOfMotion.objects.filter(
            assessment__client_id=client_id, norm_id__in={m.rom_norm_id for m in milestones}
        )
        .order_by("assessment__assessed_on", "assessment__created_at")
        .values_list("norm_id", "side", "degrees", "assessment__assessed_on")
    )
    by_key: dict = {}
    for norm_id, side, degrees, on in rows:
        reading = _Reading(Decimal(degrees), on, None)
        by_key.setdefault((norm_id, side), []).append(reading)
        by_key.setdefault((norm_id, ""), []).append(reading)  # a milestone without side
    return {
        m.pk: by_key[(m.rom_norm_id, m.side)]
        for m in milestones
        if (m.rom_norm_id, m.side) in by_key
    }


def _score(milestone: Milestone, assessment: Assessment):
    if milestone.kind == Kind.NPRS:
        return assessment.nprs
    # A PSFS milestone tracks one activity the client chose; match it by its wording.
    wanted = milestone.description.strip().casefold()
    for item in assessment.psfs_items:
        if str(item.get("activity", "")).strip().casefold() == wanted:
            return item.get("score")
    return None


# --- session notes as a source ------------------------------------------------------------


def _psfs_key(text: str) -> str:
    return text.strip().casefold()


# Milestones that signed sessions measure: NPRS is each session's pain at the start.
SESSION_KINDS = (Kind.ROM, Kind.PSFS, Kind.NPRS)


def session_value(milestone: Milestone):
    """What a session measured of `milestone` (a function of a SessionReading giving a value
    or None), or None for a milestone that sessions do not measure."""
    if milestone.kind == Kind.NPRS:
        return lambda session: session.pain_before
    if milestone.kind == Kind.ROM:
        key = (milestone.rom_norm_id, milestone.side)
        return lambda session: session.rom.get(key)
    if milestone.kind == Kind.PSFS:
        activity = _psfs_key(milestone.description)
        return lambda session: session.psfs.get(activity)
    return None


def _plain(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.normalize():f}"


# --- session by session (charts on the progress page and in the PDF) ------------------------


@dataclass(frozen=True)
class SessionReading:
    """One signed session of the plan: its pain scores and what was measured."""

    number: int
    on: dt.date
    pain_before: int
    pain_after: int
    rom: dict  # (norm id, side) -> Decimal
    psfs: dict  # activity (casefolded) -> Decimal
    note_id: uuid.UUID | None = None

    @cached_property  # each chart of a session labels it again
    def short_label(self) -> str:
        return f"S{self.number}"

    @cached_property
    def long_label(self) -> str:
        return f"Session {self.number} ({day(self.on)})"


@dataclass(frozen=True)
class SignedSessions:
    """A client's signed session notes, oldest first. `of_plan` holds the plan's own (any
    version of it), numbered from 1: the charts and the session count. `every` adds the
    client's other notes (`number` 0): a reading from them still is the latest value."""

    every: list[SessionReading]
    of_plan: list[SessionReading]


def signed_sessions(version: PlanVersion) -> SignedSessions:
    """The signed session notes of the version's client with their measurements. Two queries
    however many notes; rows as plain values (the page shows hundreds of readings, so no
    model instances and no timestamps to parse: the clinic-local date comes from SQL).
    Internal read, like `milestone_progress`."""
    plan_versions = PlanVersion.objects.filter(plan_id=version.plan_id).values("pk")
    notes_query = SessionNote.objects.filter(
        client_id=version.plan.client_id, signed_at__isnull=False
    )
    notes = list(
        notes_query.order_by("appointment__starts_at").values_list(
            "pk",
            "pain_before",
            "pain_after",
            TruncDate("appointment__starts_at", tzinfo=clinic_tz()),
            ExpressionWrapper(Q(plan_version__in=plan_versions), output_field=BooleanField()),
        )
    )
    measured = _measurements_by_note(notes_query.order_by().values("pk"))
    every, of_plan = [], []
    for pk, pain_before, pain_after, on, in_plan in notes:
        rom, psfs = measured.get(pk) or ({}, {})
        number = len(of_plan) + 1 if in_plan else 0
        reading = SessionReading(number, on, pain_before, pain_after, rom, psfs, pk)
        every.append(reading)
        if in_plan:
            of_plan.append(reading)
    return SignedSessions(every, of_plan)


def _measurements_by_note(note_ids) -> dict:
    """note id -> (rom, psfs) of the notes `note_ids` (a subquery): ROM degrees by (norm id,
    side), and by (norm id, "") for a milestone that names no side; PSFS scores by activity
    (casefolded)."""
    rows = (
        # By the note_id index.
        Measurement.objects.filter(InSubquery(F("note_id"), Subquery(note_ids)))
        .order_by("side")  # "" before "left" before "right": the no-side reading is stable
        .values_list("note_id", "kind", "rom_norm_id", "side", "activity", "value")
    )
    measured: dict = {}
    for note_id, kind, norm_id, side, activity, value in rows:
        pair = measured.get(note_id)
        if pair is None:
            pair = measured[note_id] = ({}, {})
        rom, psfs = pair
        if kind == "rom":
            rom[(norm_id, side)] = value
            rom.setdefault((norm_id, ""), value)
        else:
            psfs[_psfs_key(activity)] = value
    return measured


def sessions_done(sessions: list[SessionReading]) -> int:
    """How many sessions of a plan are done: its signed session notes (any version of it),
    as `SignedSessions.of_plan` or `plan_sessions` hold them. Every "n of m sessions done"
    counts with this, so the progress page and the reassessment prompt cannot disagree."""
    return len(sessions)


def plan_sessions(version: PlanVersion) -> list[SessionReading]:
    """The signed sessions of the version's plan (any version of it), oldest first. Two
    queries however many sessions. Internal read, like `milestone_progress`."""
    return signed_sessions(version).of_plan


@dataclass(frozen=True)
class ProgressCharts:
    pain: Chart | None
    movements: list[Chart]
    outcomes: list[Chart]

    @property
    def all(self) -> list[Chart]:
        return [c for c in (self.pain, *self.movements, *self.outcomes) if c is not None]


def progress_charts(
    version: PlanVersion, progress: list[MilestoneProgress], sessions: list[SessionReading]
) -> ProgressCharts:
    """The same charts for the progress page and the plan PDF: pain before/after, each
    tracked movement against its target and norm, and each outcome score with its MCID."""
    prefix = f"v{str(version.pk)[:8]}"
    milestones = [row.milestone for row in progress]
    return ProgressCharts(
        pain=_pain_chart(prefix, sessions),
        movements=[
            _rom_chart(f"{prefix}-rom{i}", m, sessions)
            for i, m in enumerate(milestones)
            if m.kind == Kind.ROM and m.rom_norm_id
        ],
        outcomes=[
            _outcome_chart(f"{prefix}-score{i}", m, sessions)
            for i, m in enumerate(milestones)
            if m.kind in (Kind.NPRS, Kind.PSFS)
        ],
    )


def _pain_chart(prefix: str, sessions: list[SessionReading]) -> Chart | None:
    if not sessions:
        return None
    return pain_chart(
        chart_id=f"{prefix}-pain",
        x_labels=[s.short_label for s in sessions],
        row_labels=[s.long_label for s in sessions],
        before=[s.pain_before for s in sessions],
        after=[s.pain_after for s in sessions],
    )


def _over_time(milestone: Milestone, sessions: list[SessionReading], pick) -> dict:
    """x labels, table labels and values: the baseline first, then each session that
    measured this (a session that did not is left out rather than drawn as a gap)."""
    short, long, values = [], [], []
    if milestone.baseline_value is not None:
        short.append("Start")
        long.append("Baseline (plan)")
        values.append(float(milestone.baseline_value))
    for session in sessions:
        value = pick(session)
        if value is not None:
            short.append(session.short_label)
            long.append(session.long_label)
            values.append(float(value))
    return {"x_labels": short, "row_labels": long, "values": values}


def _rom_chart(chart_id: str, milestone: Milestone, sessions) -> Chart:
    norm = milestone.rom_norm
    return rom_chart(
        chart_id=chart_id,
        movement=milestone.measure_label,
        target=_float(milestone.target_value),
        comparator=_symbol(milestone),
        normal=norm.normal_degrees,
        normal_source=norm.source,
        **_over_time(milestone, sessions, session_value(milestone)),
    )


def _outcome_chart(chart_id: str, milestone: Milestone, sessions) -> Chart:
    if milestone.kind == Kind.NPRS:
        measure, label = "NPRS", "Pain (NPRS, at the start of each session)"
    else:
        measure, label = "PSFS", milestone.measure_label
    return outcome_chart(
        chart_id=chart_id,
        measure=measure,
        label=label,
        baseline=_float(milestone.baseline_value),
        target=_float(milestone.target_value),
        comparator=_symbol(milestone),
        mcid=float(criterion_of(milestone).threshold(milestone.baseline_value)),
        **_over_time(milestone, sessions, session_value(milestone)),
    )


def _symbol(milestone: Milestone) -> str:
    return "≤" if milestone.comparator == Milestone.Comparator.AT_MOST else "≥"


def _float(value) -> float | None:
    return None if value is None else float(value)
