"""Server-side SVG charts, shared by web pages and PDFs (DESIGN.md, key flow 4).

Made on the server so the same chart appears on a page and in a WeasyPrint PDF: plain SVG
elements only, no script, no external reference (no href, no url(), no web fonts), text that
a screen reader gets from <title> and <desc>. Every piece of text is escaped here, so the
result is safe to include with `{{ chart }}`.

One escaping style: f-strings with `escape()` (the standard library's, which Django's `escape`
calls) around every interpolated text; numbers, colours and ids are ours. Not format_html: it
sends every argument through Django's lazy-aware wrappers, ~20 µs a call, and a long plan's
progress page draws four charts of ~25 parts each, with markers per reading. The markup of
each chart on sample data is pinned by clinic/tests/test_chart_output.py.

The core app imports no other app, so callers map their own rows (milestones, measurements)
to the small dataclasses below.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

from clinic import clinical_change

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
        return mark_safe("")  # noqa: S308 - an empty string
    w, h, id_html = WIDTH, TOP + ROW_HEIGHT * len(rows) + MARGIN, escape(chart_id)
    desc = " ".join(row.describe() for row in rows)
    body = "".join([_legend(), *(_row(row, index) for index, row in enumerate(rows))])
    return mark_safe(  # noqa: S308 - every text below is escaped; each part escapes its own
        f'<svg xmlns="http://www.w3.org/2000/svg" class="progress-chart" role="img" '
        f'width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="{FONT}" font-size="11" '
        f'aria-labelledby="{id_html}-title {id_html}-desc">'
        f'<title id="{id_html}-title">{escape(title)}</title>'
        f'<desc id="{id_html}-desc">{escape(desc)}</desc>{body}</svg>'
    )


def _legend() -> str:
    items = [
        ("baseline", "Baseline", "none"),
        ("latest", "Latest", None),
        ("target", "Target", None),
    ]
    return "".join(
        f'<circle cx="{MARGIN + 6 + 110 * n}" cy="14" r="5" fill="{fill or COLOURS[key]}" '
        f'stroke="{COLOURS[key]}" stroke-width="2"/>'
        f'<text x="{MARGIN + 16 + 110 * n}" y="18">{escape(label)}</text>'
        for n, (key, label, fill) in enumerate(items)
    )


def _row(row: ProgressRow, index: int) -> str:
    top = TOP + ROW_HEIGHT * index
    y = top + 28
    left, right = MARGIN, WIDTH - MARGIN

    def x(value: float) -> float:
        share = min(max(value / row.scale_max, 0.0), 1.0) if row.scale_max else 0.0
        return round(left + share * (right - left), 1)

    parts = [
        f'<text x="{left}" y="{top + 12}" font-weight="bold">{escape(row.label)}</text>',
        f'<text x="{right}" y="{top + 12}" text-anchor="end">{escape(_values(row))}</text>',
        f'<line x1="{left}" y1="{y}" x2="{right}" y2="{y}" stroke="{COLOURS["track"]}" '
        'stroke-width="4"/>',
    ]
    if row.target is not None:
        tx = x(row.target)
        parts.append(
            f'<line x1="{tx}" y1="{y - 9}" x2="{tx}" y2="{y + 9}" stroke="{COLOURS["target"]}" '
            'stroke-width="3"/>'
        )
    if row.baseline is not None and row.latest is not None:
        parts.append(
            f'<line x1="{x(row.baseline)}" y1="{y}" x2="{x(row.latest)}" y2="{y}" '
            f'stroke="{COLOURS["latest"]}" stroke-width="2"/>'
        )
    for key, value, fill in (("baseline", row.baseline, "#ffffff"), ("latest", row.latest, None)):
        if value is not None:
            parts.append(
                f'<circle cx="{x(value)}" cy="{y}" r="5" fill="{fill or COLOURS[key]}" '
                f'stroke="{COLOURS[key]}" stroke-width="2"/>'
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


# --- charts over time (session by session) ----------------------------------------------------
#
# Sized for a phone: a 480-unit wide viewBox with 13-unit text stays readable when the page
# scales it down to ~340 px, and the legend takes one line per item so long labels (a norm and
# its source) never overlap. Each chart comes with the same numbers as a plain table.

LINE_WIDTH = 480
LINE_FONT = 13
PLOT_HEIGHT = 170
LEGEND_LINE = 19
LEFT, RIGHT, BOTTOM = 44, 14, 34
MAX_X_LABELS = 10
MAX_MARKERS = 40
SERIES_COLOURS = ["#b02a37", "#0b5ed7", "#146c43", "#6f42c1"]
BAND_COLOUR = "#ffe69c"

# Minimal clinically important change per outcome measure (clinic/clinical_change.py, with
# the sources), unless the caller gives the band: NPRS 2 points (or 30 % of the baseline when
# that is less), PSFS 2 points for the mean (3 for one activity), LEFS 9 points. `scale` is
# the measure's full range.
OUTCOME_MEASURES = {
    "NPRS": {"mcid": float(clinical_change.NPRS_POINTS), "scale": 10},
    "PSFS": {"mcid": float(clinical_change.PSFS_MEAN_POINTS), "scale": 10},
    "LEFS": {"mcid": float(clinical_change.LEFS_POINTS), "scale": 80},
}


@dataclass(frozen=True)
class Series:
    """One line: a value (or None: not measured) per x position."""

    label: str
    values: list[float | None]
    colour: str
    marker: str = "circle"  # or "square": colour is never the only difference
    dashed: bool = False


@dataclass(frozen=True)
class Guide:
    """A horizontal reference line (a target, a normal value)."""

    value: float
    label: str
    colour: str


@dataclass(frozen=True)
class Band:
    """A shaded horizontal band, e.g. baseline +/- the minimal clinically important change."""

    low: float
    high: float
    label: str


@dataclass(frozen=True)
class Chart:
    """An SVG and the same numbers as a table (header row, then one row per x position)."""

    chart_id: str
    title: str
    svg: SafeString
    columns: list[str]
    rows: list[list[str]]
    note: str = ""

    @property
    def table_rows(self) -> SafeString:
        """The table's body rows as HTML: the first cell of a row heads it. Built here
        rather than by nested template loops: a long plan has hundreds of readings per chart
        (the table lists every one: it is the accessible alternative to the drawing)."""
        return table_rows(self.rows)


def table_rows(rows: list[list[str]]) -> SafeString:
    """`<tr>`s of `rows`, every cell escaped."""
    # One pass of plain string joins (format_html per row or cell costs ~4x as much here),
    # and each distinct text escaped once: readings repeat (pain 0-10, degrees).
    escaped: dict[str, str] = {}

    def cell(text: str) -> str:
        html = escaped.get(text)
        if html is None:
            html = escaped[text] = escape(text)
        return html

    return mark_safe(  # noqa: S308 - every cell goes through escape()
        "".join(
            f'<tr><th scope="row">{cell(head)}</th>'
            + "".join(f"<td>{cell(text)}</td>" for text in cells)
            + "</tr>"
            for head, *cells in rows
        )
    )


def line_chart(
    *,
    chart_id: str,
    title: str,
    x_labels: list[str],
    series: list[Series],
    y_max: float,
    y_min: float = 0,
    unit: str = "",
    guides: tuple[Guide, ...] = (),
    band: Band | None = None,
    row_labels: list[str] | None = None,
    note: str = "",
) -> Chart:
    """A line chart of `series` over `x_labels`, with reference lines and an optional band."""
    plot = _Plot(len(x_labels), y_min, y_max, legend_items=len(series) + len(guides) + bool(band))
    parts = [_grid(plot, unit), _x_axis(plot, x_labels)]
    if band is not None:
        parts.append(_band(plot, band))
    parts += [_guide(plot, guide) for guide in guides]
    parts += [_series(plot, item) for item in series]
    parts.append(_line_legend(series, guides, band))
    # Each value as text once, for the description and the table: a chart can hold hundreds.
    texts = [_texts(s.values, unit) for s in series]
    desc = _line_desc(x_labels, series, texts, guides, band)
    w, h, chart_id_html = LINE_WIDTH, plot.height, escape(chart_id)
    svg = mark_safe(  # noqa: S308 - every text below is escaped; each part escapes its own
        f'<svg xmlns="http://www.w3.org/2000/svg" class="progress-chart line-chart" role="img" '
        f'width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="{FONT}" '
        f'font-size="{LINE_FONT}" aria-labelledby="{chart_id_html}-title {chart_id_html}-desc">'
        f'<title id="{chart_id_html}-title">{escape(title)}</title>'
        f'<desc id="{chart_id_html}-desc">{escape(desc)}</desc>{"".join(parts)}</svg>'
    )
    labels = row_labels or x_labels
    columns = [["–" if text is None else text for text in column] for column in texts]
    rows = list(map(list, zip(labels, *columns, strict=True)))
    return Chart(chart_id, title, svg, ["", *(s.label for s in series)], rows, note)


def _texts(values: list[float | None], unit: str) -> list[str | None]:
    """Each value as text (None stays None); a repeated value is formatted once."""
    texts: dict[float, str] = {}
    return [
        None if v is None else texts.get(v) or texts.setdefault(v, _value(v, unit)) for v in values
    ]


def pain_chart(*, chart_id: str, x_labels: list[str], before: list, after: list, **extra) -> Chart:
    """Pain (0-10) at the start and at the end of each session."""
    return line_chart(
        chart_id=chart_id,
        title="Pain before and after each session (0-10)",
        x_labels=x_labels,
        series=[
            Series("Pain before", before, SERIES_COLOURS[0]),
            Series("Pain after", after, SERIES_COLOURS[1], marker="square", dashed=True),
        ],
        y_max=10,
        **extra,
    )


def rom_chart(
    *,
    chart_id: str,
    movement: str,
    x_labels: list[str],
    values: list,
    target: float | None,
    comparator: str,
    normal: float | None,
    normal_source: str,
    **extra,
) -> Chart:
    """One movement's range of motion over time against its target and the normal value."""
    guides = []
    if target is not None:
        guides.append(Guide(target, f"Target {comparator} {target:g}°", COLOURS["target"]))
    if normal:
        guides.append(Guide(normal, f"Normal {normal:g}° ({normal_source})", COLOURS["baseline"]))
    top = max([v for v in values if v is not None] + [g.value for g in guides] + [10])
    return line_chart(
        chart_id=chart_id,
        title=f"{movement}: range of motion (degrees)",
        x_labels=x_labels,
        series=[Series(movement, values, COLOURS["latest"])],
        y_max=_nice_top(top * 1.08),
        unit="°",
        guides=tuple(guides),
        **extra,
    )


def outcome_chart(
    *,
    chart_id: str,
    measure: str,
    label: str,
    x_labels: list[str],
    values: list,
    baseline: float | None,
    target: float | None,
    comparator: str,
    mcid: float | None = None,
    **extra,
) -> Chart:
    """An outcome score over time; the band around the baseline is the minimal clinically
    important change (MCID; the measure's unless given): a reading inside it is not yet a
    change that matters."""
    spec = OUTCOME_MEASURES[measure]
    mcid, scale = spec["mcid"] if mcid is None else mcid, spec["scale"]
    band = None
    if baseline is not None:
        band = Band(
            max(baseline - mcid, 0),
            min(baseline + mcid, scale),
            f"Baseline {baseline:g} ± {mcid:g}: smaller changes are not clinically important",
        )
    guides = ()
    if target is not None:
        guides = (Guide(target, f"Target {comparator} {target:g}", COLOURS["target"]),)
    return line_chart(
        chart_id=chart_id,
        title=f"{label} over time ({measure} 0-{scale})",
        x_labels=x_labels,
        series=[Series(label, values, SERIES_COLOURS[2 if measure != "NPRS" else 0])],
        y_max=scale,
        band=band,
        guides=guides,
        **extra,
    )


class _Plot:
    """Where things go: the plot area below the legend, and value -> coordinate."""

    def __init__(self, points: int, y_min: float, y_max: float, *, legend_items: int):
        self.points = points
        self.y_min, self.y_max = y_min, y_max if y_max > y_min else y_min + 1
        self.top = 8 + LEGEND_LINE * legend_items + 10
        self.bottom = self.top + PLOT_HEIGHT
        self.left, self.right = LEFT, LINE_WIDTH - RIGHT
        self.height = self.bottom + BOTTOM
        self.span = self.y_max - self.y_min
        if points <= 1:
            self.xs = [round((self.left + self.right) / 2, 1)] * points
        else:
            step = (self.right - self.left - 20) / (points - 1)
            self.xs = [round(self.left + 10 + step * index, 1) for index in range(points)]

    def x(self, index: int) -> float:
        return self.xs[index]

    def y(self, value: float) -> float:
        share = (min(max(value, self.y_min), self.y_max) - self.y_min) / self.span
        return round(self.bottom - share * PLOT_HEIGHT, 1)


def _nice_top(value: float) -> float:
    step = 10 if value <= 100 else 20
    return float(-(-value // step) * step)


def _ticks(plot: _Plot) -> list[float]:
    span = plot.y_max - plot.y_min
    step = next(s for s in (1, 2, 5, 10, 20, 25, 50, 100) if span / s <= 6)
    first = -(-plot.y_min // step) * step
    return [first + step * i for i in range(int((plot.y_max - first) // step) + 1)]


def _grid(plot: _Plot, unit: str) -> str:
    left, right, unit_html = plot.left, plot.right, escape(unit)
    return "".join(
        f'<line x1="{left}" y1="{y}" x2="{right}" y2="{y}" stroke="#dee2e6" stroke-width="1"/>'
        f'<text x="{left - 6}" y="{y + 4}" text-anchor="end" fill="#495057">{t:g}{unit_html}</text>'
        for t in _ticks(plot)
        for y in (plot.y(t),)
    )


def _x_axis(plot: _Plot, labels: list[str]) -> str:
    every = max(1, -(-len(labels) // MAX_X_LABELS))
    shown = [i for i in range(len(labels)) if i % every == 0 or i == len(labels) - 1]
    if len(shown) > 1 and shown[-1] - shown[-2] < every:
        shown.pop(-2)  # keep the last label, drop its crowded neighbour
    bottom = plot.bottom
    axis = (
        f'<line x1="{plot.left}" y1="{bottom}" x2="{plot.right}" y2="{bottom}" '
        'stroke="#495057" stroke-width="1"/>'
    )
    return axis + "".join(
        f'<text x="{plot.x(i)}" y="{bottom + 18}" text-anchor="middle" fill="#495057">'
        f"{escape(labels[i])}</text>"
        for i in shown
    )


def _band(plot: _Plot, band: Band) -> str:
    top, bottom = plot.y(band.high), plot.y(band.low)
    return (
        f'<rect class="mcid-band" x="{plot.left}" y="{top}" width="{plot.right - plot.left}" '
        f'height="{round(bottom - top, 1)}" fill="{BAND_COLOUR}" fill-opacity="0.55"/>'
    )


def _guide(plot: _Plot, guide: Guide) -> str:
    y = plot.y(guide.value)
    return (
        f'<line class="guide" x1="{plot.left}" y1="{y}" x2="{plot.right}" y2="{y}" '
        f'stroke="{escape(guide.colour)}" stroke-width="2" stroke-dasharray="6 4"/>'
    )


def _series(plot: _Plot, series: Series) -> str:
    ys: dict[float, float] = {}  # readings repeat (pain 0-10, degrees): each y computed once
    points = [
        (x, ys.get(v) or ys.setdefault(v, plot.y(v)))
        for x, v in zip(plot.xs, series.values, strict=True)
        if v is not None
    ]
    if not points:
        return ""
    dash = ' stroke-dasharray="5 3"' if series.dashed else ""
    line = (
        f'<polyline points="{" ".join(f"{x},{y}" for x, y in points)}" fill="none" '
        f'stroke="{escape(series.colour)}" stroke-width="2.5"{dash}/>'
    )
    if len(points) > MAX_MARKERS:
        return line
    return line + "".join(_marker(series, x, y) for x, y in points)


def _marker(series: Series, x: float, y: float) -> str:
    colour = escape(series.colour)
    if series.marker == "square":
        return f'<rect x="{x - 4}" y="{y - 4}" width="8" height="8" fill="{colour}"/>'
    return f'<circle cx="{x}" cy="{y}" r="4" fill="{colour}"/>'


def _line_legend(series: list[Series], guides, band: Band | None) -> str:
    parts, row = [], 0

    def top() -> float:
        return 8 + LEGEND_LINE * row

    for item in series:
        dash = ' stroke-dasharray="5 3"' if item.dashed else ""
        y = top() + 7
        parts.append(
            f'<line x1="{MARGIN}" y1="{y}" x2="{MARGIN + 26}" y2="{y}" '
            f'stroke="{escape(item.colour)}" stroke-width="2.5"{dash}/>'
        )
        parts.append(_marker(item, MARGIN + 13, y))
        parts.append(_legend_text(item.label, top()))
        row += 1
    for guide in guides:
        y = top() + 7
        parts.append(
            f'<line x1="{MARGIN}" y1="{y}" x2="{MARGIN + 26}" y2="{y}" '
            f'stroke="{escape(guide.colour)}" stroke-width="2" stroke-dasharray="6 4"/>'
        )
        parts.append(_legend_text(guide.label, top()))
        row += 1
    if band is not None:
        parts.append(
            f'<rect x="{MARGIN}" y="{top() + 1}" width="26" height="12" fill="{BAND_COLOUR}" '
            'fill-opacity="0.55"/>'
        )
        parts.append(_legend_text(band.label, top()))
    return "".join(parts)


def _legend_text(label: str, top: float) -> str:
    return f'<text x="{MARGIN + 34}" y="{top + 11}">{escape(label)}</text>'


# A description read aloud lists at most this many readings per line; a longer series is
# summarised, since the table under every chart lists each reading (a screen reader would
# otherwise read 200 values before reaching anything else).
DESC_READINGS = 12


def _line_desc(x_labels, series: list[Series], texts, guides, band: Band | None) -> str:
    sentences = []
    for item, values in zip(series, texts, strict=True):
        readings = [
            f"{x} {text}" for x, text in zip(x_labels, values, strict=True) if text is not None
        ]
        if len(readings) > DESC_READINGS:
            sentences.append(
                f"{item.label}: {len(readings)} readings, from {readings[0]} to {readings[-1]}; "
                "the table of numbers lists each one."
            )
        else:
            sentences.append(f"{item.label}: {', '.join(readings) or 'no readings'}.")
    sentences += [f"{guide.label}." for guide in guides]
    if band is not None:
        sentences.append(f"Shaded band from {band.low:g} to {band.high:g}: {band.label}.")
    return " ".join(sentences)
