"""Small inline SVG charts as geometry: shapes with numbers and text, no markup.

A chart is a :class:`Chart` of primitive shapes in SVG user units; the template
``charts.html.j2`` draws them, so every label goes through Jinja's autoescape like
any other project text. Three kinds cover the report: dot-and-whisker (agreement
with bootstrap intervals, differences of proportions), a heatmap (co-occurrence)
and lines over days (activity). A plotting library would bring a large import and
SVG whose text it writes itself (see docs/report.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

# Okabe and Ito's colour-blind safe palette, in a fixed order (coders keep their colour).
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000")
LABEL_W = 150  # room for row labels, in user units
ROW_H = 18


@dataclass(frozen=True, slots=True)
class Shape:
    """One primitive: ``kind`` is rect, line, circle, text or polyline."""

    kind: str
    x: float = 0.0
    y: float = 0.0
    w: float = 0.0  # rect width; line x2; circle radius
    h: float = 0.0  # rect height; line y2
    fill: str = "none"
    stroke: str = "none"
    text: str = ""
    anchor: str = "start"
    points: str = ""  # polyline
    title: str = ""  # a tooltip and an accessible name
    dash: bool = False
    rotate: float = 0.0  # text turned about its anchor, in degrees
    clip: int = 24  # text longer than this many characters is cut with an ellipsis


@dataclass(frozen=True, slots=True)
class Chart:
    width: float
    height: float
    label: str  # what the chart shows, for screen readers
    shapes: tuple[Shape, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Interval:
    """A row of a dot-and-whisker chart; ``lo``/``hi`` None: no interval."""

    label: str
    value: float | None
    lo: float | None = None
    hi: float | None = None


def scale(value: float, domain: tuple[float, float], span: tuple[float, float]) -> float:
    """Map ``value`` from ``domain`` onto ``span`` linearly, clamped to the span."""
    (d0, d1), (s0, s1) = domain, span
    t = 0.5 if d1 == d0 else (value - d0) / (d1 - d0)
    return s0 + min(max(t, 0.0), 1.0) * (s1 - s0)


def ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values inside ``lo..hi``: the smallest step of 1, 2 or 5 times a power of
    ten that gives at most ``count + 1`` ticks (so at least two for ``count`` >= 4)."""
    if hi <= lo:
        return [lo]
    power = 10 ** math.floor(math.log10((hi - lo) / max(count, 1))) / 10
    for step in (m * power * 10 ** e for e in range(4) for m in (1, 2, 5)):
        first = math.ceil(lo / step - 1e-9)
        n = math.floor(hi / step + 1e-9) - first + 1
        if n <= count + 1:
            return [round((first + k) * step, 10) for k in range(n)]
    return [lo, hi]  # not reached: a step of 10 ** 3 times the range's tenth gives one tick


def dot_whisker(rows: Sequence[Interval], *, domain: tuple[float, float], label: str,
                marks: Sequence[float] = (), width: float = 640, label_w: float = LABEL_W) -> Chart:
    """Each row a dot at its value with a whisker over its interval; dashed ``marks``
    (such as 0.667 and 0.8 for alpha) run the full height. Row labels get ``label_w``
    units (about six per character)."""
    top, plot = 8.0, (label_w, width - 16)
    height = top + ROW_H * max(len(rows), 1) + 24
    x = lambda v: scale(v, domain, plot)  # noqa: E731
    shapes = _x_axis(domain, plot, top, height - 24)
    shapes += [Shape("line", x(m), top, x(m), height - 24, stroke="#b00", dash=True) for m in marks]
    for k, row in enumerate(rows):
        y = top + ROW_H * k + ROW_H / 2
        shapes.append(Shape("text", label_w - 6, y + 4, text=row.label, anchor="end", fill="#222",
                            clip=int(label_w // 6.5)))
        if row.value is None or math.isnan(row.value):
            shapes.append(Shape("text", plot[0] + 4, y + 4, text="undefined", fill="#777"))
            continue
        if row.lo is not None and row.hi is not None:
            shapes.append(Shape("line", x(row.lo), y, x(row.hi), y, stroke="#333",
                                title=f"{row.label}: {row.lo:.3f} to {row.hi:.3f}"))
        shapes.append(Shape("circle", x(row.value), y, 4, fill=PALETTE[0],
                            title=f"{row.label}: {row.value:.3f}"))
    return Chart(width, height, label, tuple(shapes))


def symmetric_domain(values: Sequence[float | None], step: float = 0.05) -> tuple[float, float]:
    """``(-m, m)`` covering every value, ``m`` rounded up to ``step`` (at least one step)."""
    m = max((abs(v) for v in values if v is not None and not math.isnan(v)), default=0.0)
    m = max(math.ceil(m / step - 1e-9) * step, step)
    return (-m, m)


def _x_axis(domain: tuple[float, float], plot: tuple[float, float], top: float, bottom: float) -> list[Shape]:
    shapes = [Shape("line", plot[0], bottom, plot[1], bottom, stroke="#999")]
    for t in ticks(*domain):
        px = scale(t, domain, plot)
        shapes.append(Shape("line", px, top, px, bottom, stroke="#eee"))
        shapes.append(Shape("text", px, bottom + 14, text=f"{t:g}", anchor="middle", fill="#555"))
    return shapes


def heatmap(labels: Sequence[str], values: Sequence[Sequence[float | None]], *, label: str,
            cell: float = 26, flags: Sequence[Sequence[bool]] | None = None,
            digits: int = 0) -> Chart:
    """A square table of shaded cells; the diagonal is grey, a flagged cell gets a star."""
    n = len(labels)
    off = [v for i, r in enumerate(values) for j, v in enumerate(r)
           if i != j and v is not None and not math.isnan(v)]
    top_value = max(off, default=0.0) or 1.0
    head = 110.0
    shapes: list[Shape] = []
    for j, name in enumerate(labels):  # column labels, written upwards
        shapes.append(Shape("text", LABEL_W + cell * j + cell / 2 + 4, head - 6, text=name,
                            anchor="start", fill="#222", rotate=-60))
    for i, name in enumerate(labels):
        y = head + cell * i
        shapes.append(Shape("text", LABEL_W - 6, y + cell / 2 + 4, text=name, anchor="end", fill="#222"))
        for j, v in enumerate(values[i]):
            shapes += _heat_cell(LABEL_W + cell * j, y, cell, v, top_value, i == j,
                                 bool(flags and flags[i][j]), digits, f"{name} × {labels[j]}")
    return Chart(LABEL_W + cell * n + 80, head + cell * n + 8, label, tuple(shapes))


def _heat_cell(x: float, y: float, cell: float, v: float | None, top: float, diagonal: bool,
               flagged: bool, digits: int, name: str) -> list[Shape]:
    if v is None or math.isnan(v):
        return [Shape("rect", x, y, cell, cell, fill="#fff", stroke="#ddd", title=f"{name}: undefined")]
    shade = min(v / top, 1.0) if not diagonal else 0.0
    fill = "#e8e8e8" if diagonal else _blue(shade)
    text = f"{v:.{digits}f}" + ("*" if flagged else "")
    ink = "#fff" if shade > 0.55 else "#222"
    return [Shape("rect", x, y, cell, cell, fill=fill, stroke="#fff", title=f"{name}: {text}"),
            Shape("text", x + cell / 2, y + cell / 2 + 4, text=text, anchor="middle", fill=ink)]


def _blue(t: float) -> str:
    """White to dark blue as ``t`` goes 0..1."""
    lo, hi = (247, 251, 255), (8, 48, 107)
    r, g, b = (round(a + (c - a) * t) for a, c in zip(lo, hi, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def columns(buckets: Sequence[str], series: Sequence[tuple[str, Sequence[int]]], *, label: str,
            width: float = 640, height: float = 180) -> Chart:
    """Grouped columns: for each bucket (a day or a week) one column per series, with a
    legend; the first and last bucket are labelled on the axis."""
    top, bottom, plot = 10.0, height - 40, (48.0, width - 16)
    peak = max((v for _, vs in series for v in vs), default=0) or 1
    y = lambda v: scale(v, (0, peak), (bottom, top))  # noqa: E731
    slot = (plot[1] - plot[0]) / max(len(buckets), 1)
    bar = min(max(slot * 0.8 / max(len(series), 1), 0.5), 28.0)
    pad = (slot - bar * len(series)) / 2
    shapes = [Shape("line", plot[0], bottom, plot[1], bottom, stroke="#999")]
    for t in ticks(0, peak, 4):
        shapes += [Shape("line", plot[0], y(t), plot[1], y(t), stroke="#eee"),
                   Shape("text", plot[0] - 6, y(t) + 4, text=f"{t:g}", anchor="end", fill="#555")]
    for k in sorted({0, len(buckets) - 1}) if buckets else ():
        anchor = "start" if k == 0 else "end"
        x = plot[0] if k == 0 else plot[1]
        shapes.append(Shape("text", x, bottom + 14, text=buckets[k], anchor=anchor, fill="#555"))
    for s, (name, values) in enumerate(series):
        colour = PALETTE[s % len(PALETTE)]
        for k, v in enumerate(values):
            if v:
                x = plot[0] + slot * k + pad + bar * s
                shapes.append(Shape("rect", x, y(v), bar, bottom - y(v), fill=colour,
                                    title=f"{name}, {buckets[k]}: {v}"))
        lx = plot[0] + 120 * s
        shapes += [Shape("rect", lx, height - 16, 10, 10, fill=colour),
                   Shape("text", lx + 14, height - 7, text=name, fill="#222")]
    return Chart(width, height, label, tuple(shapes))
