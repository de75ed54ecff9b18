"""The demo's exchange step: the sample study out to REFI-QDA and back in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..codebook import load_codebook
from ..codings import replay
from ..project import Project, init_project
from . import export, plan_import, run_import


def report_exchange(project: Project, report: Callable[[str], None], importer: str) -> dict[str, Any]:
    """Export ``project`` to ``exports/study.qdpx`` and ``.qdc`` inside it, import the
    .qdpx into a second project ``exports/reimported`` and compare the codings."""
    folder = project.root / "exports"
    folder.mkdir(exist_ok=True)
    qdpx, qdc = folder / "study.qdpx", folder / "study.qdc"
    summary = export(project, qdpx)
    codes = export(project, qdc)
    report(f"exported {summary.documents} documents, {summary.codings} codings by {summary.coders} "
           f"coders and {summary.memos} memos to {qdpx} (REFI-QDA, for NVivo, ATLAS.ti, MAXQDA, "
           f"QualCoder); the codebook's {codes} codes to {qdc}")
    target = folder / "reimported"
    copy = init_project(target, name=f"{project.settings.name} (re-imported)",
                        language=project.settings.language, force=True)
    plan = plan_import(copy, qdpx, importer=importer)
    written = run_import(copy, plan)
    codebook = set(load_codebook(project.codebook_path).ids)
    listed = [(c.coder, c.doc, c.start, c.end, c.code) for c in replay(project).codings
              if c.code in codebook]
    before = set(listed)
    after = {(c.coder, c.doc, c.start, c.end, c.code) for c in replay(copy).codings}
    same = "the same" if before == after else "NOT the same"
    twins = len(listed) - len(before)
    report(f"imported {qdpx.name} into a second project {target} as {importer} (project.log line "
           f"{written.project_seq}): {len(plan.docs)} documents, {len(plan.codes)} codes, coders "
           f"{', '.join(sorted(plan.coders))}; its codings are {same} as the original's: "
           f"{len(after)} passages coded, per coder and code"
           + (f" ({twins} codings repeating another one's coder, passage and code, left by the merge, "
              "count once)" if twins else "")
           + (f"; {summary.unplaced_codes} codings awaiting review after the codebook change "
              "travelled as text" if summary.unplaced_codes else ""))
    return {"exchange_same": before == after, "exchange_folder": str(folder)}
