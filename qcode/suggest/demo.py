"""The suggestion step of ``qcode demo``: suggest, decide a few, evaluate honestly."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .decide import decide
from .engine import suggest
from .evaluate import METHODS, evaluate


def report_suggestions(project: Any, report: Callable[[str], None], coder: str,
                       *, folds: int = 5) -> dict[str, Any]:
    """Run rules and the model for ``coder``, accept the three best-supported rule
    suggestions and reject one weak one (as a coder reading them might), then report
    the cross-validated scores against her own coding."""
    result = suggest(project, coder, method="both")
    by_method = {m: sum(s.method == m for s in result.suggestions) for m in result.methods}
    report(f"{coder}: {len(result.suggestions)} suggestions ("
           + ", ".join(f"{m}: {n}" for m, n in by_method.items())
           + f") for units she has not decided; {result.decided} proposals skipped as decided")
    for note in result.notes:
        report(f"  {note}")
    rules = sorted((s for s in result.suggestions if s.method == "rules.v1"),
                   key=lambda s: (-s.score, s.doc, s.start, s.code))
    accepted, rejected = rules[:3], [s for s in rules[3:] if s.score <= 0.5][-1:]
    if accepted:
        decide(project, coder, accepted, accept=True)
    if rejected:
        decide(project, coder, rejected, accept=False, memo="keyword out of context")
    for s, verb in [*((s, "accepted") for s in accepted), *((s, "rejected") for s in rejected)]:
        report(f"  {verb} {s.id} {s.code} on {s.doc} {s.unit} (score {s.score:.2f}): {s.reason}")
    ev = evaluate(project, coder, folds=folds)
    report(f"cross-validated against {coder}'s coding: {len(ev.folds)} folds grouped by "
           f"document, {ev.units} units, no document in both training and test")
    scores = {}
    for method in METHODS:
        micro = ev.micro(method)
        scores[method] = round(ev.macro_f1(method), 3)
        report(f"  {method:<10}  macro F1 {ev.macro_f1(method):.2f}   precision "
               f"{micro.precision:.2f}  recall {micro.recall:.2f}")
    report("  (baseline: the most frequent code for every unit; figures from held-out "
           "documents only)")
    return {"suggestions": len(result.suggestions), "accepted": len(accepted),
            "rejected": len(rejected), "macro_f1": scores}
