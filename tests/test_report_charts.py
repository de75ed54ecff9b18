"""The report's chart geometry: scales, ticks and where each mark lands."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qcode.report import charts


def test_scale_maps_linearly_and_clamps():
    assert charts.scale(0.5, (0, 1), (100, 300)) == 200
    assert charts.scale(-3, (0, 1), (100, 300)) == 100  # clamped to the plot
    assert charts.scale(9, (0, 1), (100, 300)) == 300
    assert charts.scale(2, (0, 4), (50, 10)) == 30  # a y axis runs downwards
    assert charts.scale(7, (7, 7), (0, 10)) == 5  # an empty domain sits in the middle


@given(st.floats(-1e6, 1e6, allow_nan=False), st.floats(1e-3, 1e6, allow_nan=False))
def test_ticks_are_round_steps_inside_the_range(lo, width):
    hi = lo + width
    values = charts.ticks(lo, hi)
    assert 2 <= len(values) <= 11
    slack = 1e-6 * width  # rounding to the step, relative to the range shown
    assert all(lo - slack <= v <= hi + slack for v in values)
    steps = {round(b - a, 9) for a, b in zip(values, values[1:], strict=False)}
    assert len(steps) == 1
    step = steps.pop()
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert round(mantissa, 6) in (1, 2, 5, 10)


def test_dot_whisker_puts_dot_and_whisker_at_value_and_interval():
    rows = [charts.Interval("autonomy", 0.5, 0.25, 0.75), charts.Interval("tasks", None)]
    chart = charts.dot_whisker(rows, domain=(0, 1), marks=(0.8,), label="alpha", width=400)
    plot = (charts.LABEL_W, 400 - 16)
    dot = next(s for s in chart.shapes if s.kind == "circle")
    assert dot.x == pytest.approx(charts.scale(0.5, (0, 1), plot))
    whisker = next(s for s in chart.shapes if s.kind == "line" and s.title.startswith("autonomy"))
    assert (whisker.x, whisker.w) == pytest.approx((charts.scale(0.25, (0, 1), plot),
                                                     charts.scale(0.75, (0, 1), plot)))
    assert whisker.y == whisker.h == dot.y  # horizontal, on the dot's row
    mark = next(s for s in chart.shapes if s.dash)
    assert mark.x == pytest.approx(charts.scale(0.8, (0, 1), plot))
    texts = [s.text for s in chart.shapes if s.kind == "text"]
    assert "tasks" in texts and "undefined" in texts  # an undefined value is said, not drawn
    assert sum(s.kind == "circle" for s in chart.shapes) == 1


def test_heatmap_shades_by_value_and_stars_flagged_cells():
    values = [[10, 4, 0], [4, 8, 1], [0, 1, 2]]
    flags = [[False, False, False], [False, False, True], [False, True, False]]
    chart = charts.heatmap(["a", "b", "c"], values, flags=flags, label="counts")
    cells = {s.title.split(":")[0]: s for s in chart.shapes if s.kind == "rect"}
    assert len(cells) == 9
    assert cells["a × b"].fill == "#08306b"  # the largest off-diagonal value is darkest
    assert cells["a × c"].fill == "#f7fbff"  # zero is white
    assert cells["a × a"].fill == "#e8e8e8"  # the diagonal (frequencies) is grey
    texts = [s.text for s in chart.shapes if s.kind == "text"]
    assert texts.count("1*") == 2 and "10" in texts
    assert max(s.x + s.w for s in chart.shapes if s.kind == "rect") <= chart.width


def test_columns_bucket_each_series_and_legend():
    chart = charts.columns(["2025-03-01", "2025-03-02"], [("anna", [3, 0]), ("ben", [1, 2])],
                           label="per day")
    bars = [s for s in chart.shapes if s.kind == "rect" and s.title]
    assert sorted(b.title for b in bars) == ["anna, 2025-03-01: 3", "ben, 2025-03-01: 1",
                                             "ben, 2025-03-02: 2"]
    tallest = max(bars, key=lambda b: b.h)
    assert tallest.title.startswith("anna") and all(b.y + b.h == pytest.approx(140) for b in bars)
    assert {s.text for s in chart.shapes if s.kind == "text"} >= {"anna", "ben", "2025-03-01"}


def test_symmetric_domain_covers_every_value():
    assert charts.symmetric_domain([0.012, -0.061, None]) == pytest.approx((-0.1, 0.1))
    assert charts.symmetric_domain([]) == pytest.approx((-0.05, 0.05))
