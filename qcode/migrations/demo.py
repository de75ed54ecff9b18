"""The demo's codebook change: version 2 of the sample codebook (two codes merged, one
split, one retired), re-coding both sample coders' work, with counts before and after."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ..audit import verify_project
from ..codebook import dump_codebook, load_codebook
from ..codings import replay
from .batch import recode

MEDICAL = ("medicine", "medication", "multidose", "dosette", "tablet", "wound", "bandage",
           "injection", "insulin", "eye drops", "assessment", "nursing", "morphine",
           "medisin", "multidose", "dosett", "sår", "sårstell", "sykepleie", "øyedråpe")
PRACTICAL = ("chore", "shower", "stocking", "compression stocking", "breakfast", "meal", "walk",
             "lift", "training", "rehabilitation", "dusj", "støttestrømpe", "frokost", "måltid",
             "stell", "trening", "hverdagsrehabilitering")
CHANGES = [
    {"version": 2, "merge": {"from": ["competency", "professionalism"], "into": "professionalism"},
     "reason": "The coders could not keep professional judgement and the skills behind it apart."},
    {"version": 2, "split": {"from": "tasks", "into": ["medical-tasks", "practical-tasks"],
                             "by": "rules"},
     "reason": "Medical and practical tasks moved to different groups after the reform."},
    {"version": 2, "retire": "personnel",
     "reason": "Staffing is covered by the municipality's own figures."},
]


def version_two(codebook: Any) -> Any:
    """The sample codebook's version 2 (a Codebook; written out with ``dump_codebook``)."""
    codes = []
    for code in codebook.codes:
        if code.id == "competency":
            continue
        if code.id == "professionalism":
            extra = codebook.require("competency").keywords
            code = replace(code, keywords=code.keywords + extra,
                           definition=code.definition + " It includes the knowledge and skills "
                           "this judgement rests on (formerly the code competency).")
        if code.id == "tasks":
            codes.append(replace(code, id="medical-tasks", label="Medical tasks", keywords=MEDICAL,
                                 definition="Medication, wound care, injections and the other "
                                 "health care tasks of a visit."))
            codes.append(replace(code, id="practical-tasks", label="Practical tasks",
                                 keywords=PRACTICAL, patterns=(), colour="#8c564b",
                                 definition="Personal care, meals, showers, stockings and the "
                                 "chores that come with a visit."))
            continue
        if code.id == "personnel":
            code = replace(code, retired=True)
        codes.append(code)
    return replace(codebook, version=2, codes=tuple(codes), changes=tuple(CHANGES), steps=())


def report_migration(project: Any, report: Callable[[str], None], actor: str) -> dict[str, object]:
    """Write codebook-v2.yaml, re-code to it as ``actor`` and report the counts."""
    before = Counter(c.code for c in replay(project))
    path = project.root / "codebook-v2.yaml"
    path.write_text(dump_codebook(version_two(load_codebook(project.codebook_path))),
                    encoding="utf-8")
    result = recode(project, path, actor=actor)
    codings = replay(project)
    after = Counter(c.code for c in codings)
    outcomes = result.plan.counts()
    report("codebook version 2: merge competency into professionalism, split tasks into "
           "medical-tasks and practical-tasks (by rules), retire personnel")
    codes = [*load_codebook(path).ids, *[c for c in before if c not in load_codebook(path).ids]]
    for code in dict.fromkeys(codes):
        if before[code] or after[code]:
            report(f"  {code:<18} {before[code]:>4} -> {after[code]:>4}")
    pending = sum(1 for c in codings if any(f.startswith("pending:") for f in c.flags))
    report(f"{sum(before.values())} codings before, {len(codings)} after: "
           f"{outcomes.get('merge', 0)} merged, {outcomes.get('routed', 0)} routed by rules, "
           f"{pending} left for review, {outcomes.get('retired', 0)} kept under the retired code")
    intact = verify_project(project).ok
    report(f"wrote {len(result.events)} lines to audit/project.log as {actor}; every log "
           f"verifies: {'yes' if intact else 'NO'}")
    return {"migration_before": sum(before.values()), "migration_after": len(codings),
            "migration_pending": pending, "migration_verified": intact}
