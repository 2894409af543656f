"""Server-side SVG charts, shared by web pages and PDFs (DESIGN.md, key flow 4).

Made on the server so the same chart appears on a page and in a WeasyPrint PDF: plain SVG
elements only, no script, no external reference (no href, no url(), no web fonts), text that
a screen reader gets from <title> and <desc>. Every piece of text is escaped here, so the
result is safe to include with `{{ chart }}`.

The core app imports no other app, so callers map their own rows (milestones, measurements)
to the small dataclasses below.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
ROW_HEIGHT = 46
TOP = 34  # room for the legend
MARGIN = 12
FONT = "DejaVu Sans, Arial, sans-serif"
COLOURS = {"baseline": "#6c757d", "latest": "#0b5ed7", "target": "#146c43", "track": "#ced4da"}


@dataclass(frozen=True)
class ProgressRow:
    """One measure on its own scale from 0 to `scale_max`."""

    label: str
    baseline: float | None
    latest: float | None
    target: float | None
    scale_max: float
    unit: str = ""
    lower_is_better: bool = False

    def describe(self) -> str:
        comparator = "at most" if self.lower_is_better else "at least"
        parts = [
            f"baseline {_value(self.baseline, self.unit)}",
            f"latest {_value(self.latest, self.unit)}",
            f"target {comparator} {_value(self.target, self.unit)}",
        ]
        return f"{self.label}: {', '.join(parts)}."


def progress_chart(rows: list[ProgressRow], *, title: str, chart_id: str) -> SafeString:
    """Baseline, latest and target of each row on one horizontal scale; "" without rows.
    `chart_id` keeps the ids of <title>/<desc> unique when a page holds several charts."""
    if not rows:
        return mark_safe("")
    height = TOP + ROW_HEIGHT * len(rows) + MARGIN
    # Every piece was built by format_html (escaped), so the joined markup is safe.
    body = mark_safe("".join([_legend(), *(_row(row, index) for index, row in enumerate(rows))]))  # noqa: S308
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="progress-chart" role="img" '
        'width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="{font}" font-size="11" '
        'aria-labelledby="{id}-title {id}-desc">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>{body}</svg>',
        w=WIDTH,
        h=height,
        font=FONT,
        id=chart_id,
        title=title,
        desc=" ".join(row.describe() for row in rows),
        body=body,
    )


def _legend() -> str:
    items = [
        ("baseline", "Baseline", "none"),
        ("latest", "Latest", None),
        ("target", "Target", None),
    ]
    return format_html_join(
        "",
        '<circle cx="{}" cy="14" r="5" fill="{}" stroke="{}" stroke-width="2"/>'
        '<text x="{}" y="18">{}</text>',
        (
            (
                MARGIN + 6 + 110 * n,
                fill or COLOURS[key],
                COLOURS[key],
                MARGIN + 16 + 110 * n,
                label,
            )
            for n, (key, label, fill) in enumerate(items)
        ),
    )


def _row(row: ProgressRow, index: int) -> str:
    top = TOP + ROW_HEIGHT * index
    line_y = top + 28
    left, right = MARGIN, WIDTH - MARGIN

    def x(value: float) -> float:
        share = min(max(value / row.scale_max, 0.0), 1.0) if row.scale_max else 0.0
        return round(left + share * (right - left), 1)

    parts = [
        format_html('<text x="{}" y="{}" font-weight="bold">{}</text>', left, top + 12, row.label),
        format_html(
            '<text x="{}" y="{}" text-anchor="end">{}</text>', right, top + 12, _values(row)
        ),
        format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="4"/>',
            left,
            line_y,
            right,
            line_y,
            COLOURS["track"],
        ),  # fmt: skip
    ]
    if row.target is not None:
        tx = x(row.target)
        parts.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="3"/>',
                tx,
                line_y - 9,
                tx,
                line_y + 9,
                COLOURS["target"],
            )  # fmt: skip
        )
    if row.baseline is not None and row.latest is not None:
        parts.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2"/>',
                x(row.baseline),
                line_y,
                x(row.latest),
                line_y,
                COLOURS["latest"],
            )  # fmt: skip
        )
    for key, value, fill in (("baseline", row.baseline, "#ffffff"), ("latest", row.latest, None)):
        if value is not None:
            parts.append(
                format_html(
                    '<circle cx="{}" cy="{}" r="5" fill="{}" stroke="{}" stroke-width="2"/>',
                    x(value),
                    line_y,
                    fill or COLOURS[key],
                    COLOURS[key],
                )  # fmt: skip
            )
    return "".join(parts)


def _values(row: ProgressRow) -> str:
    comparator = "≤" if row.lower_is_better else "≥"
    return (
        f"{_value(row.baseline, row.unit)} → {_value(row.latest, row.unit)} "
        f"(target {comparator} {_value(row.target, row.unit)})"
    )


def _value(value: float | None, unit: str) -> str:
    return "not measured" if value is None else f"{value:g}{unit}"
