"""The demo's agreement step: agreement, co-occurrence and a crosstab on the sample coders."""

from __future__ import annotations

from collections.abc import Callable

from .project import project_agreement, project_cooccurrence, project_crosstab


def report_agreement(project, report: Callable[[str], None]) -> dict[str, object]:
    """Report agreement, the strongest co-occurrence and a crosstab; return the figures."""
    agreement = project_agreement(project, coefficients=("alpha",), ci="bca", n_replicates=2000)
    per_code = [r for r in agreement.results if r.code is not None and r.value is not None]
    overall = {r.coefficient: r for r in agreement.results if r.code is None}
    if per_code:
        low = min(per_code, key=lambda r: r.value)
        high = max(per_code, key=lambda r: r.value)
        report(
            f"agreement on {agreement.unit} units, {per_code[0].units:,} units, "
            f"{per_code[0].coders} coders: alpha from {low.value:.3f} ({low.code}) to "
            f"{high.value:.3f} ({high.code})"
        )
    for name in ("alpha", "alpha-masi"):
        r = overall.get(name)
        if r is not None and r.value is not None:
            ci = f", 95% BCa CI {r.ci[0]:.3f} to {r.ci[1]:.3f}" if r.ci else ""
            label = "pooled over codes" if name == "alpha" else "over code sets (MASI)"
            report(f"alpha {label}: {r.value:.3f}{ci} ({r.band})")
    _, total, _ = project_cooccurrence(project, unit="paragraph")
    pairs = [rec for rec in total.records() if rec["code1"] != rec["code2"] and rec["c"] is not None]
    if pairs:
        top = max(pairs, key=lambda rec: rec["c"])
        report(
            f"strongest co-occurrence in paragraphs: {top['code1']} and {top['code2']} "
            f"(c = {top['c']:.2f}, {top['count']} paragraphs)"
        )
    table, diffs = project_crosstab(project, by="setting", unit="paragraph", n_replicates=2000)
    shown = [d for d in diffs if d["ci"] is not None and (d["ci"][0] > 0 or d["ci"][1] < 0)]
    report(
        f"crosstab by setting: {len(table.codes)} codes x {len(table.values)} settings; "
        f"{len(shown)} differences of proportions whose 95% BCa CI excludes 0"
    )
    return {"agreement": agreement, "crosstab": table}
