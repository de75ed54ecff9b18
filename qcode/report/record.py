"""The report's descriptive sections: Record, Progress, Codebook and Memos.

Each function returns plain records for the templates, computed with the
library's own functions (verify, replay, the review tables, the codebook).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from ..audit import verify_project
from ..codebook import Codebook
from ..codings import Coding, Codings
from ..errors import AuditError
from ..project import UNIT_KINDS, Project
from ..trail import Entry


def record_section(project: Project, codebook: Codebook, documents: dict[str, Any],
                   entries: list[Entry]) -> dict[str, Any]:
    """Project, documents, coders, codebook in force and the audit verdict."""
    report, git, git_note = _verify(project)
    problems = [{"log": f"audit/{p.log}.log", "line": p.line, "kind": p.kind, "message": p.message}
                for p in report.problems]
    logs = [{"log": f"audit/{c.name}.log", "lines": c.lines, "seq": c.head.seq,
             "hash": c.head.hash[:12], "seals": len(c.seals),
             "status": next((p["kind"] for p in problems if p["log"] == f"audit/{c.name}.log"),
                            "signed" if c.name in report.unproven else "ok")}
            for c in report.logs]
    coders = sorted({x.event.actor for x in entries} | set(project.settings.coders))
    docs = [{"id": d.id, "words": d.words(), "kind": d.kind, "version": d.version,
             "attributes": d.attributes} for d in documents.values()]
    return {
        "name": project.settings.name, "id": project.id, "unit": project.settings.unit,
        "documents": docs, "words": sum(d["words"] for d in docs), "coders": coders,
        "codebook_name": codebook.name, "codebook_version": codebook.version,
        "codes": len(codebook.active()), "retired": len(codebook.codes) - len(codebook.active()),
        "ok": report.ok, "problems": problems, "logs": logs, "notes": list(report.notes),
        # fully signed logs nothing shows complete: verified, but not called intact
        "unproven": [f"audit/{n}.log" for n in report.unproven],
        "git": git, "git_note": git_note,
        "failing": sorted({p.log for p in report.problems}),
        "as_of": max((x.event.time for x in entries), default=""),
    }


def _verify(project: Project) -> tuple[Any, bool, str]:
    """Verify with ``--git`` when the project is in a repository with commits."""
    try:
        return verify_project(project, git=True), True, "every committed version checked"
    except AuditError:
        return verify_project(project), False, "not checked: the project is not in a git " \
            "repository with commits"


def progress_section(coders: tuple[str, ...], documents: dict[str, Any], unit: str,
                     coded_by_doc: dict[tuple[str, str], int], entries: list[Entry]) -> dict[str, Any]:
    """Per coder and document: units coded and not, decisions, last activity; and
    events per day per coder for the activity chart."""
    decisions: Counter[tuple[str, str]] = Counter()
    last: dict[tuple[str, str], str] = {}
    for x in entries:
        key = (x.event.actor, x.event.doc or "")
        decisions[key] += 1
        last[key] = max(last.get(key, ""), x.event.time)
    rows = []
    for coder in coders:
        for doc_id, doc in documents.items():
            total = len(doc.units(unit)) if unit in UNIT_KINDS else 1
            coded = coded_by_doc.get((coder, doc_id), 0)
            rows.append({"coder": coder, "doc": doc_id, "units": total, "coded": coded,
                         "uncoded": total - coded, "decisions": decisions[(coder, doc_id)],
                         "last": last.get((coder, doc_id), "")})
    bucket, days, series = activity([(x.event.actor, x.event.time) for x in entries])
    return {"rows": rows, "unit": unit, "days": days, "series": series, "bucket": bucket}


def activity(events: list[tuple[str, str]], max_days: int = 90
             ) -> tuple[str, list[str], list[tuple[str, list[int]]]]:
    """Events per coder on every day from the first to the last (weeks, labelled by
    their Monday, when that is more than ``max_days``): (bucket, labels, series)."""
    import datetime as dt

    if not events:
        return "day", [], []
    dates = [dt.date.fromisoformat(t[:10]) for _, t in events]
    first, last = min(dates), max(dates)
    weekly = (last - first).days + 1 > max_days
    if weekly:
        first -= dt.timedelta(days=first.weekday())
    step = 7 if weekly else 1
    n = (last - first).days // step + 1
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * n)
    for (coder, _), day in zip(events, dates, strict=True):
        counts[coder][(day - first).days // step] += 1
    labels = [(first + dt.timedelta(days=step * k)).isoformat() for k in range(n)]
    return ("week" if weekly else "day"), labels, [(c, counts[c]) for c in sorted(counts)]


def codebook_section(codebook: Codebook, codings: Iterable[Coding] = (),
                     coders: tuple[str, ...] = (), only: tuple[str, ...] | None = None
                     ) -> dict[str, Any]:
    """Each code (of ``only``, when given): its text, frequency per coder (in
    ``codings``) and the change steps that touch it."""
    counts = Counter((c.code, c.coder) for c in codings)
    codes = []
    for code in codebook.codes:
        if only and code.id not in only:
            continue
        steps = [{"version": s.version, "kind": s.kind, "change": s.describe(), "reason": s.reason}
                 for s in codebook.steps if code.id in (*s.sources, *s.targets)]
        codes.append({
            "id": code.id, "label": code.label, "definition": code.definition,
            "include": code.include, "exclude": code.exclude, "examples": list(code.examples),
            "parent": code.parent, "retired": code.retired, "depth": codebook.depth(code.id),
            "frequency": {coder: counts[(code.id, coder)] for coder in coders}, "history": steps,
        })
    return {"name": codebook.name, "version": codebook.version, "codes": codes, "coders": list(coders)}


def memos_section(codings: Codings, labels: dict[str, str], coders: tuple[str, ...] | None,
                  docs: tuple[str, ...] | None, codes: tuple[str, ...] | None = None
                  ) -> dict[str, Any]:
    """Live memos grouped by what they are about: a code, a document (or a coding in
    it). Narrowed to ``codes``, a memo about another code (or a coding of one) is left
    out; a memo on a document stays."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for m in codings.memos:
        if (coders and m.coder not in coders) or (docs and m.doc and m.doc not in docs):
            continue
        coding = codings.get(m.coding) if m.coding else None
        code = m.code or (coding.code if coding else None)
        if codes and code and code not in codes:
            continue
        doc = m.doc or (coding.doc if coding else None)
        key = ("code", code) if code and not doc else ("document", doc or "")
        groups[key].append({"coder": m.coder, "time": m.time, "text": m.text, "code": code,
                            "label": labels.get(code or "", code), "span": m.span or
                            (coding.span if coding else None), "target": m.target})
    ordered = sorted(groups.items(), key=lambda kv: (kv[0][0] != "code", kv[0][1]))
    return {"groups": [{"kind": k, "name": n, "memos": sorted(v, key=lambda r: r["time"])}
                       for (k, n), v in ordered],
            "count": sum(len(v) for v in groups.values())}
