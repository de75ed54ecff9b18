"""Render a :class:`~qcode.report.build.Report` as one self-contained HTML page or as
Markdown, from the Jinja2 templates in ``templates/``.

HTML is autoescaped (project text is untrusted input: a transcript may hold
``<script>``); Markdown has its own escaping, applied to every expression by
the environment's ``finalize``, so a template cannot forget it.
"""

from __future__ import annotations

import math
import re
from functools import cache
from typing import TYPE_CHECKING, Any

from ..safetext import visible as safe_visible
from . import charts
from .build import Report

if TYPE_CHECKING:
    import jinja2



def num(value: Any, digits: int = 3) -> str:
    """A figure as the tables show it: fixed decimals, an en dash when undefined."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{float(value):.{digits}f}"


def pct(value: Any) -> str:
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.0%}"


def when(value: str | None) -> str:
    """``2025-03-01T09:30:12.000Z`` as ``2025-03-01 09:30 UTC``."""
    return f"{value[:10]} {value[11:16]} UTC" if value and len(value) >= 16 else (value or "")


def squash(text: str | None) -> str:
    """Whitespace collapsed; control characters shown as visible stand-ins (never passed
    through)."""
    return safe_visible(" ".join((text or "").split()))


def clip(text: str, width: int) -> str:
    text = squash(text)
    return text if len(text) <= width else text[:width - 1] + "…"


def md_escape(value: Any) -> str:
    """Text made inert in Markdown: HTML, emphasis, links, code and table pipes are
    escaped, a line-start marker loses its meaning, and a value stays on its line."""
    if value is None:
        return ""
    text = squash(str(value))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = re.sub(r"([\\`*_\[\]|~])", r"\\\1", text)
    return re.sub(r"^([#+=-])", r"\\\1", text)


def visible(value: Any) -> Any:
    """Control characters (and bidi overrides) in project text shown as visible
    stand-ins, as everywhere in qcode (:func:`qcode.safetext.visible`), before autoescape (the
    HTML environment's ``finalize``); markup qcode made itself passes untouched."""
    from markupsafe import Markup

    if isinstance(value, str) and not isinstance(value, Markup):
        return safe_visible(value)
    return value


@cache
def environment(markdown: bool) -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("qcode.report", "templates"),
        autoescape=not markdown,
        finalize=md_escape if markdown else visible,
        undefined=jinja2.StrictUndefined,
        trim_blocks=markdown,
        lstrip_blocks=markdown,
        keep_trailing_newline=True,
    )
    env.filters.update(num=num, pct=pct, when=when, squash=squash, clip=clip)
    return env


def report_charts(report: Report) -> dict[str, charts.Chart | None]:
    """The report's figures as chart geometry (drawn by the templates)."""
    s = report.sections
    out: dict[str, charts.Chart | None] = {"activity": None, "agreement": None,
                                            "cooccurrence": None, "attributes": None}
    progress = s["progress"]
    if progress["days"]:
        out["activity"] = charts.columns(progress["days"], progress["series"],
                                         label=f"Decisions per {progress['bucket']} per coder")
    rows = [r for r in s["agreement"].get("rows", ()) if r["coefficient"] == "alpha"]
    if rows:
        out["agreement"] = charts.dot_whisker(
            [charts.Interval(r["code"] or "(all codes)", r["value"], r["ci_low"], r["ci_high"])
             for r in rows], domain=(-0.2, 1.0), marks=(0.667, 0.8),
            label="Krippendorff's alpha per code with 95% intervals")
    co = s["cooccurrence"]
    if co.get("codes"):
        measure = co["measure"]
        out["cooccurrence"] = charts.heatmap(
            co["codes"], co["cells"], flags=co["flags"], digits=0 if measure == "count" else 2,
            label=f"Co-occurrence ({measure}), pooled over coders")
    diffs = s["attributes"].get("differences") or []
    if diffs:
        out["attributes"] = charts.dot_whisker(
            [charts.Interval(f"{d['code']}: {d['value1']} − {d['value2']}", d["difference"],
                             d["ci_low"], d["ci_high"]) for d in diffs],
            domain=charts.symmetric_domain([v for d in diffs for v in (d["ci_low"], d["ci_high"],
                                                                     d["difference"])]),
            marks=(0.0,), label_w=270, label="Differences of proportions with 95% intervals")
    return out


def _context(report: Report) -> dict[str, Any]:
    return {"s": report.sections, "titles": report.titles, "unit": report.unit,
            "labels": report.labels, "options": report.options}


def render_html(report: Report) -> str:
    """The whole report as one HTML page: inline CSS and SVG, no script, no link out."""
    template = environment(False).get_template("report.html.j2")
    return template.render(**_context(report), charts=report_charts(report))


def render_markdown(report: Report) -> str:
    """The same content as Markdown tables; a note stands where a chart would."""
    return environment(True).get_template("report.md.j2").render(**_context(report))
