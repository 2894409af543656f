"""Progress towards a plan version's milestones: baseline, latest measurement and target.

Today the latest value comes from the client's assessments (initial and reassessments), the
only measurements we record. When the sessions app lands, measurements logged in session
notes feed `milestone_progress` too: add them as another source in `_latest_values` and keep
the newest reading per milestone, so the PDF, the fingerprint and the charts follow without
change.

An internal read for the PDF job (which has no user): callers that show it to a person must
have reached `version` through `PlanVersion.objects.visible_to(user)`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from intake.models import Assessment, RangeOfMotion
from treatment_plans.models import Milestone, PlanVersion

Kind = Milestone.Kind


@dataclass(frozen=True)
class MilestoneProgress:
    milestone: Milestone
    latest: Decimal | None
    latest_on: dt.date | None

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
        }


def milestone_progress(version: PlanVersion) -> list[MilestoneProgress]:
    """One row per milestone of `version`, in plan order. Three queries at most."""
    milestones = list(version.milestones.select_related("rom_norm"))
    latest = _latest_values(version.plan.client_id, milestones)
    return [MilestoneProgress(m, *latest.get(m.pk, (None, None))) for m in milestones]


def _latest_values(client_id, milestones: list[Milestone]) -> dict:
    """milestone id -> (value, date) of the newest matching measurement."""
    values = {}
    values.update(_latest_rom(client_id, [m for m in milestones if m.kind == Kind.ROM]))
    scored = [m for m in milestones if m.kind in (Kind.NPRS, Kind.PSFS)]
    if scored:
        assessments = list(
            Assessment.objects.filter(client_id=client_id)
            .order_by("-assessed_on", "-created_at")
            .only("assessed_on", "nprs", "psfs_items")
        )
        for milestone in scored:
            found = _latest_score(milestone, assessments)
            if found:
                values[milestone.pk] = found
    return values


def _latest_rom(client_id, milestones: list[Milestone]) -> dict:
    if not milestones:
        return {}
    rows = (
        RangeOfMotion.objects.filter(
            assessment__client_id=client_id, norm_id__in={m.rom_norm_id for m in milestones}
        )
        .order_by("-assessment__assessed_on", "-assessment__created_at")
        .values_list("norm_id", "side", "degrees", "assessment__assessed_on")
    )
    newest = {}
    for norm_id, side, degrees, on in rows:
        newest.setdefault((norm_id, side), (Decimal(degrees), on))
        newest.setdefault((norm_id, ""), (Decimal(degrees), on))  # a milestone without side
    return {
        m.pk: newest[(m.rom_norm_id, m.side)]
        for m in milestones
        if (m.rom_norm_id, m.side) in newest
    }


def _latest_score(milestone: Milestone, assessments: list[Assessment]):
    for assessment in assessments:  # newest first
        value = _score(milestone, assessment)
        if value is not None:
            return Decimal(str(value)), assessment.assessed_on
    return None


def _score(milestone: Milestone, assessment: Assessment):
    if milestone.kind == Kind.NPRS:
        return assessment.nprs
    # A PSFS milestone tracks one activity the client chose; match it by its wording.
    wanted = milestone.description.strip().casefold()
    for item in assessment.psfs_items:
        if str(item.get("activity", "")).strip().casefold() == wanted:
            return item.get("score")
    return None


def _plain(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.normalize():f}"
