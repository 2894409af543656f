"""When a change in an outcome measure is clinically important (DOMAIN.md, "Outcome
measures"): one copy of each criterion, used by the milestones on the progress page and in
the PDF, and by the charts' shaded bands. A change smaller than these may be noise.

`change(...)` says how far a score moved from its baseline and which criterion it met, e.g.
"down 3 points (50 %)", clinically important by "at least 2 points" and "at least 30 % of the
baseline"."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# Numeric pain rating (NPRS, 0-10): an improvement of 2 points or 30 % of the baseline, either
# one (Farrar JT et al., "Clinical importance of changes in chronic pain intensity measured on
# an 11-point numerical pain rating scale", Pain 2001;94:149-158).
NPRS_POINTS = Decimal(2)
NPRS_PERCENT = Decimal(30)

# Patient-Specific Functional Scale (PSFS, 0-10 per activity): 2 points for the mean of the
# activities, 3 for a single activity (Stratford P et al., "Assessing disability and change on
# individual patients: a report of a patient specific measure", Physiotherapy Canada
# 1995;47:258-263).
PSFS_MEAN_POINTS = Decimal(2)
PSFS_ACTIVITY_POINTS = Decimal(3)

# Lower Extremity Functional Scale (LEFS, 0-80): 9 points (Binkley JM et al., "The Lower
# Extremity Functional Scale (LEFS): scale development, measurement properties, and clinical
# application", Physical Therapy 1999;79:371-383).
LEFS_POINTS = Decimal(9)


@dataclass(frozen=True)
class Criterion:
    """A change counts when it is at least `points`, or at least `percent` of the baseline."""

    points: Decimal
    percent: Decimal | None = None

    def threshold(self, baseline) -> Decimal:
        """The smallest change from `baseline` that counts (the charts' band)."""
        if self.percent is None or not baseline:
            return self.points
        return min(self.points, Decimal(str(baseline)) * self.percent / 100)


NPRS = Criterion(NPRS_POINTS, NPRS_PERCENT)
PSFS_MEAN = Criterion(PSFS_MEAN_POINTS)
PSFS_ACTIVITY = Criterion(PSFS_ACTIVITY_POINTS)
LEFS = Criterion(LEFS_POINTS)


@dataclass(frozen=True)
class Change:
    """A score's change from its baseline, judged by `criterion` in the better direction
    (down for pain, up for function)."""

    baseline: Decimal
    latest: Decimal
    criterion: Criterion
    lower_is_better: bool

    @property
    def points(self) -> Decimal:
        """The change in the better direction (negative when worse)."""
        moved = self.latest - self.baseline
        return -moved if self.lower_is_better else moved

    @property
    def percent(self) -> Decimal | None:
        """The change in the better direction as a share of the baseline, in %."""
        if not self.baseline:
            return None
        return self.points * 100 / self.baseline

    @property
    def met_by_points(self) -> bool:
        return self.points >= self.criterion.points

    @property
    def met_by_percent(self) -> bool:
        percent = self.percent
        return (
            self.criterion.percent is not None
            and percent is not None
            and (percent >= self.criterion.percent)
        )

    @property
    def important(self) -> bool:
        """Whether the improvement is clinically important."""
        return self.met_by_points or self.met_by_percent

    @property
    def criteria_met(self) -> list[str]:
        met = []
        if self.met_by_points:
            met.append(f"at least {_plain(self.criterion.points)} points")
        if self.met_by_percent:
            met.append(f"at least {_plain(self.criterion.percent)} % of the baseline")
        return met

    @property
    def text(self) -> str:
        """e.g. "down 3 points (50 %)", "up 2.5 points", "no change"."""
        moved = self.latest - self.baseline
        if not moved:
            return "no change"
        size = abs(moved)
        words = f"{'down' if moved < 0 else 'up'} {_plain(size)} point{'' if size == 1 else 's'}"
        if self.criterion.percent is not None and self.baseline:
            share = (size * 100 / self.baseline).quantize(Decimal(1), ROUND_HALF_UP)
            words += f" ({share} %)"
        return words

    @property
    def verdict(self) -> str:
        """e.g. "clinically important (at least 2 points; at least 30 % of the baseline)"."""
        if self.important:
            return f"clinically important ({'; '.join(self.criteria_met)})"
        return "not yet a clinically important change"


def change(baseline, latest, criterion: Criterion, *, lower_is_better: bool) -> Change | None:
    """The change from `baseline` to `latest`, or None when either is missing."""
    if baseline is None or latest is None:
        return None
    return Change(Decimal(str(baseline)), Decimal(str(latest)), criterion, lower_is_better)


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"
