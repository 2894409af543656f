"""The charts' exact markup on fixed sample data, kept in `chart_samples/`: a change to how
the SVG is built (its escaping style, its helpers) must leave every byte as it was. A change
meant to alter a chart rewrites the samples (`write_samples()` below), and the diff shows
what changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinic.charts import ProgressRow, outcome_chart, pain_chart, progress_chart, rom_chart

SAMPLES = Path(__file__).with_name("chart_samples")
TRICKY = "Knee <left> & \"quoted\" 'text'"  # every character escaping changes


def _charts() -> dict[str, str]:
    labels = [f"{day} Dec" for day in range(1, 9)]
    many = [f"S{n}" for n in range(1, 61)]  # more points than markers are drawn for
    pain = pain_chart(
        chart_id="pain",
        x_labels=labels,
        before=[7, 6, None, 5, 5, 4.5, 3, 3],
        after=[5, 4, None, 4, 3, 3, 2, None],
    )
    long_pain = pain_chart(
        chart_id="long",
        x_labels=many,
        before=[(n * 7) % 11 for n in range(60)],
        after=[None if n % 9 == 0 else (n * 3) % 11 for n in range(60)],
    )
    rom = rom_chart(
        chart_id="rom<1>",
        movement=TRICKY,
        x_labels=labels[:4],
        values=[40, 55.5, None, 72],
        target=80,
        comparator="≥",
        normal=90,
        normal_source='AAOS & "norms"',
        row_labels=[f"{label} <b>" for label in labels[:4]],
        note="A note & more",
    )
    outcome = outcome_chart(
        chart_id="psfs",
        measure="PSFS",
        label="Function",
        x_labels=labels[:3],
        values=[3, 4.5, 7],
        baseline=3,
        target=7,
        comparator="≥",
    )
    single = outcome_chart(
        chart_id="lefs",
        measure="LEFS",
        label=TRICKY,
        x_labels=labels[:1],
        values=[40],
        baseline=None,
        target=60,
        comparator="≥",
    )
    progress = progress_chart(
        [
            ProgressRow(TRICKY, 6, 4, 3, 10, lower_is_better=True),
            ProgressRow("Rotation", 50.5, None, 70, 88, unit="°"),
            ProgressRow("PSFS", None, 6, None, 10),
            ProgressRow("Zero scale", 1, 2, 3, 0),
        ],
        title='Milestones <&> "progress"',
        chart_id="p'1",
    )
    charts = {"progress.svg": str(progress)}
    for name, chart in {
        "pain": pain,
        "long": long_pain,
        "rom": rom,
        "outcome": outcome,
        "single": single,
    }.items():
        charts[f"{name}.svg"] = str(chart.svg)
        charts[f"{name}-table.html"] = str(chart.table_rows)
    return charts


def write_samples() -> None:
    """`.venv/bin/python -c "from clinic.tests.test_chart_output import write_samples as w; w()"`"""
    for name, made in _charts().items():
        (SAMPLES / name).write_text(made, encoding="utf-8")


@pytest.mark.parametrize("name", sorted(_charts()))
def test_chart_markup_is_unchanged(name):
    assert _charts()[name] == (SAMPLES / name).read_text(encoding="utf-8")


def test_an_outcome_without_a_target_draws_no_target_line():
    """A measure followed without a milestone target (target None) is drawn, without a guide."""
    chart = outcome_chart(
        chart_id="nprs",
        measure="NPRS",
        label="Pain",
        x_labels=["S1", "S2"],
        values=[6, 4],
        baseline=6,
        target=None,
        comparator="≤",
    )
    svg = str(chart)
    assert "Pain over time" in svg and "Target" not in svg
