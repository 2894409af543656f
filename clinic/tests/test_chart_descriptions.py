"""What a screen reader hears for a chart: every reading of a short series, a summary of a
long one (the table of numbers under each chart lists every reading)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from clinic.charts import DESC_READINGS, pain_chart

SVG = "{http://www.w3.org/2000/svg}"


def _desc(chart) -> str:
    root = ET.fromstring(str(chart.svg))  # noqa: S314  (our own SVG)
    return root.find(f"{SVG}desc").text


def test_a_short_series_is_read_out_in_full():
    labels = [f"S{n}" for n in range(1, DESC_READINGS + 1)]
    before = list(range(DESC_READINGS))
    chart = pain_chart(chart_id="p", x_labels=labels, before=before, after=[None] * DESC_READINGS)
    desc = _desc(chart)
    assert "Pain before: " + ", ".join(f"S{n + 1} {n}" for n in before) + "." in desc
    assert "Pain after: no readings." in desc


def test_a_long_series_is_summarised_and_the_table_keeps_every_reading():
    count = DESC_READINGS + 198
    labels = [f"S{n}" for n in range(1, count + 1)]
    before = [7] + [5] * (count - 2) + [2]
    after = [None, *([3] * (count - 1))]
    chart = pain_chart(chart_id="p", x_labels=labels, before=before, after=after)
    desc = _desc(chart)
    assert f"Pain before: {count} readings, from S1 7 to S{count} 2;" in desc
    assert f"Pain after: {count - 1} readings, from S2 3 to S{count} 3;" in desc
    assert "S100 5" not in desc  # not read out one by one
    assert len(chart.rows) == count and chart.rows[99] == ["S100", "5", "3"]
