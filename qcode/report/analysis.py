"""The report's comparative sections: Agreement, Disagreements, Co-occurrence,
Attributes and Suggestions.

The figures come from the same library functions as ``qcode agree``, ``cooccur``
and ``crosstab`` (a golden test holds them equal); this module only picks and
arranges them for the templates.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import numpy as np

from ..agreement.compare import (
    confusion_pairs,
    cooccurring_units,
    differing_units,
    unit_disagreements,
)
from ..agreement.from_project import Scope, coded, project_agreement, project_cooccurrence, project_crosstab
from ..codings import Codings
from ..project import Project
from .options import ReportOptions

COEFFICIENT_NAMES = {"alpha": "Krippendorff's alpha", "cohen": "Cohen's kappa",
                     "fleiss": "Fleiss' kappa"}
INTERVAL_NAMES = {"bca": "BCa", "percentile": "percentile"}


def coefficients_for(n_coders: int) -> tuple[str, ...]:
    """Krippendorff's alpha with Cohen's kappa for two coders, Fleiss' kappa for more."""
    return ("alpha", "cohen" if n_coders == 2 else "fleiss")


def agreement_section(project: Project, sc: Scope, opts: ReportOptions, unit: str) -> dict[str, Any]:
    """Per code and overall, with bootstrap intervals and plain-words bands."""
    if len(sc.coders) < 2:
        return {"rows": [], "note": "Agreement needs two coders with codings; this scope has "
                f"{len(sc.coders)}."}
    names = coefficients_for(len(sc.coders))
    report = project_agreement(project, unit=unit, coefficients=names, ci=opts.ci,
                               n_replicates=opts.replicates, seed=opts.seed, within=sc)
    rows = [{"code": r.code, "coefficient": r.coefficient, "value": r.value, "units": r.units,
             "coders": r.coders, "ci_low": r.ci[0] if r.ci else None,
             "ci_high": r.ci[1] if r.ci else None, "band": r.band} for r in report.results]
    return {"rows": rows, "coefficients": list(names), "missing": report.missing, "ci": opts.ci,
            "coefficient_names": [COEFFICIENT_NAMES.get(n, n) for n in names],
            "ci_name": INTERVAL_NAMES.get(opts.ci, opts.ci),
            "replicates": opts.replicates, "seed": opts.seed, "unit": report.unit, "note": ""}


REPORT_UNITS = 1000  # disagreement units the page shows (the sample study has 451)


def disagreements_section(sc: Scope, unit: str) -> dict[str, Any]:
    """Units where coders differ, grouped by document, and the confusion of code pairs;
    past :data:`REPORT_UNITS` units, the first ones, with a note of how many there are
    (each shows every coder's codes: at 100,000 log lines they made a 301 MB page)."""
    if len(sc.coders) < 2:
        return {"docs": [], "pairs": [], "count": 0, "coders": list(sc.coders)}
    cu = coded(sc, unit)
    differing = differing_units(cu)
    shown = differing[:REPORT_UNITS]
    docs = {cu.units.docs[d] for d in np.unique(cu.units.doc[shown])}  # only their texts
    texts = {d: sc.documents[d].text for d in sc.docs if d in docs}
    turns = {d: sc.documents[d].turns for d in sc.docs if d in docs}
    records = unit_disagreements(cu, texts=texts, turns=turns, units=shown)
    by_doc: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        by_doc[r["doc"]].append(r)
    per_doc = np.bincount(cu.units.doc[differing], minlength=len(cu.units.docs))
    total = {d: int(per_doc[i]) for i, d in enumerate(cu.units.docs)}
    note = ""
    if differing.size > REPORT_UNITS:
        note = (f"The first {REPORT_UNITS:,} of {differing.size:,} units are shown, in "
                "document order. qcode agree disagreements lists every one (a row per code "
                "and unit, with the same --unit, --coder, --code and --doc), and the "
                "report's --doc and --code narrow this one.")
    return {"docs": [{"doc": d, "units": rs, "total": total[d]} for d, rs in by_doc.items()],
            "pairs": confusion_pairs(cu), "count": int(differing.size),
            "coders": list(sc.coders), "missing": cu.missing_cells(), "note": note}


def cooccurrence_section(project: Project, sc: Scope, opts: ReportOptions, unit: str) -> dict[str, Any]:
    """The pooled table as counts, its five-fold flags, and the top pairs with passages."""
    tables, total, _ = project_cooccurrence(project, unit=unit, within=sc)
    cu = coded(sc, unit)
    texts = {d: sc.documents[d].text for d in sc.docs}
    records = [r for r in total.records() if r["code1"] != r["code2"] and r["count"]]
    records.sort(key=lambda r: -r["count"])
    top = [{**r, "examples": cooccurring_units(cu, r["code1"], r["code2"], texts=texts,
                                               limit=opts.examples_per_pair)}
           for r in records[:opts.top_pairs]]
    flags = total.five_fold()
    n = len(total.codes)
    cells = [[None if v != v else float(v) for v in row] for row in total.table(opts.measure).tolist()]
    return {"codes": list(total.codes), "counts": total.counts.tolist(), "cells": cells,
            "measure": opts.measure,
            "flags": [[bool(flags[i, j]) and i != j for j in range(n)] for i in range(n)],
            "flagged": sum(r["five_fold"] for r in records), "top": top, "mode": total.mode,
            "records": total.records(), "per_coder": [t.coder for t in tables]}


def attributes_section(project: Project, sc: Scope, opts: ReportOptions, unit: str) -> dict[str, Any]:
    """Code frequencies by the chosen attribute, and differences with BCa intervals."""
    names = sorted({k for d in sc.documents.values() for k in d.attributes})
    by = opts.by or default_attribute([d.attributes for d in sc.documents.values()])
    if by is None:
        note = ("No document has attributes; set some with `qcode attrs`." if not names else
                f"No attribute splits the documents into two to five groups ({', '.join(names)}); "
                "choose one with `qcode report --by NAME`.")
        return {"by": None, "note": note, "attributes": names}
    table, diffs = project_crosstab(project, by=by, unit=unit, n_replicates=opts.replicates,
                                    seed=opts.seed, within=sc)
    rows = [{**r, "value": r[by]} for r in table.records()]  # diffs carry ci_low, ci_high
    return {"by": by, "levels": list(table.values), "rows": rows, "differences": diffs,
            "unit": unit, "attributes": names, "note": ""}


def default_attribute(attributes: list[dict[str, str]]) -> str | None:
    """Among attributes with two to five values, the one whose second-largest group of
    documents is largest (a few sizeable groups to compare); then fewer values, then the
    first name. None: no attribute splits the documents so."""
    best: tuple[int, int, str] | None = None
    for name in sorted({k for a in attributes for k in a}):
        sizes = sorted(Counter(a[name] for a in attributes if a.get(name)).values(), reverse=True)
        if 2 <= len(sizes) <= 5:
            key = (-sizes[1], len(sizes), name)
            best = key if best is None or key < best else best
    return best[2] if best else None


def suggestions_section(codings: Codings, sc: Scope | None, opts: ReportOptions) -> dict[str, Any]:
    """How much the machine shaped the coding: manual, accepted and rejected per coder;
    each suggester's acceptance rate; the share of final codings from suggestions.
    Codings and decisions are those of the scope's coders (and of the codes and
    documents asked for)."""
    coders, codes = (sc.coders, sc.codes) if sc else ((), ())
    live = list(sc.records) if sc else []
    decisions = [d for d in codings.decisions if d.coder in coders
                 and (not opts.codes or d.code in codes) and (not opts.docs or d.doc in opts.docs)]
    per_coder: list[dict[str, Any]] = []
    for coder in coders:
        mine = [c for c in live if c.coder == coder]
        origin = Counter(_origin(c.source) for c in mine)
        rejected = sum(1 for d in decisions if d.coder == coder and not d.accepted)
        per_coder.append({"coder": coder, "codings": len(mine), "manual": origin["manual"],
                          "suggested": origin["suggested"], "other": origin["other"],
                          "rejected": rejected,
                          "share": origin["suggested"] / len(mine) if mine else None})
    return {"coders": per_coder, "suggesters": _by_suggester(decisions, live),
            "share": sum(r["suggested"] for r in per_coder) / len(live) if live else None,
            "decisions": len(decisions)}


def _origin(source: str) -> str:
    if source in ("", "manual"):
        return "manual"
    return "suggested" if source.startswith("suggest") else "other"


def _by_suggester(decisions: list[Any], live: list[Any]) -> list[dict[str, Any]]:
    decided: dict[tuple[str, str], Counter[bool]] = defaultdict(Counter)
    for d in decisions:
        decided[(d.coder, d.source)][d.accepted] += 1
    kept = Counter((c.coder, c.source) for c in live if c.source.startswith("suggest"))
    rows = []
    for coder, source in sorted(set(decided) | set(kept)):
        name, _, version = source.partition(":")[2].rpartition(".")
        n = decided[(coder, source)]
        total = n[True] + n[False]
        rows.append({"coder": coder, "source": source, "suggester": name or source,
                     "version": version, "accepted": n[True], "rejected": n[False],
                     "rate": n[True] / total if total else None, "kept": kept[(coder, source)]})
    return rows
