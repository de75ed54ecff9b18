"""Gather every section of the report from a project (data only; rendering is elsewhere)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from ..agreement.from_project import Scope, coded, scope
from ..codebook import load_codebook
from ..corpus import list_documents, load_document
from ..errors import InputError
from ..index import replay
from ..project import UNIT_KINDS, Project
from ..trail import all_events
from . import analysis, record
from .options import SECTIONS, ReportOptions


@dataclass(frozen=True, slots=True)
class Report:
    """Everything the templates show, section by section (plain records)."""

    options: ReportOptions
    unit: str
    labels: dict[str, str]
    sections: dict[str, dict[str, Any]]

    @property
    def titles(self) -> tuple[tuple[str, str], ...]:
        return SECTIONS


def build_report(project: Project, options: ReportOptions | None = None) -> Report:
    """Compute every section for ``project`` within the chosen coders, codes and documents."""
    opts = options or ReportOptions()
    unit = opts.unit or project.settings.unit
    if unit not in UNIT_KINDS:
        raise InputError(f"--unit {unit!r}: the report reads units of a kind; use "
                         f"{', '.join(UNIT_KINDS)}.")
    codebook = load_codebook(project.codebook_path)
    codings = replay(project)
    entries = all_events(project)
    if opts.coders:
        entries = [x for x in entries if x.event.actor in opts.coders]
    doc_ids = opts.docs or tuple(list_documents(project))
    documents = {d: load_document(project, d) for d in doc_ids}
    sc = _scope(project, opts)
    labels = {c.id: c.label for c in codebook.codes}
    sections = {
        "record": record.record_section(project, codebook, documents, entries),
        "codebook": record.codebook_section(codebook, sc.records if sc else (), sc.coders if sc else (),
                                            only=opts.codes),
        "memos": record.memos_section(codings, labels, opts.coders, opts.docs, opts.codes),
        "suggestions": analysis.suggestions_section(codings, sc, opts),
    }
    coders = sc.coders if sc else tuple(sorted({x.event.actor for x in entries}))
    sections["progress"] = record.progress_section(coders, documents, unit, _coded_per_doc(sc, unit),
                                                   entries)
    if sc is None:
        empty = {"empty": "No codings yet in this scope."}
        for name in ("agreement", "disagreements", "cooccurrence", "attributes"):
            sections[name] = dict(empty)
    else:
        sections["agreement"] = analysis.agreement_section(project, sc, opts, unit)
        sections["disagreements"] = analysis.disagreements_section(sc, unit)
        sections["cooccurrence"] = analysis.cooccurrence_section(project, sc, opts, unit)
        sections["attributes"] = analysis.attributes_section(project, sc, opts, unit)
    sections["record"]["narrowed"] = narrowed(opts)
    for section in sections.values():
        section.setdefault("empty", "")  # why a section has nothing to show ("" when it has)
        section.setdefault("note", "")
    return Report(opts, unit, labels, sections)


def narrowed(opts: ReportOptions) -> str:
    """What the report was narrowed to, in words ("" when it covers everything)."""
    parts = [f"{what}{'s' * (len(chosen) > 1)} {', '.join(chosen)}"
             for what, chosen in (("code", opts.codes), ("coder", opts.coders), ("document", opts.docs))
             if chosen]
    return f"narrowed to {'; '.join(parts)}" if parts else ""


def _scope(project: Project, opts: ReportOptions) -> Scope | None:
    """The codings in scope, or None when there are none yet (an empty project)."""
    try:
        return scope(project, coders=opts.coders, codes=opts.codes, docs=opts.docs, records=True)
    except InputError:
        if opts.coders or opts.codes or opts.docs:
            raise  # an unknown coder, code or document is the person's to fix
        return None


def _coded_per_doc(sc: Scope | None, unit: str) -> dict[tuple[str, str], int]:
    """(coder, document) -> units of the kind that coder coded with any code."""
    if sc is None:
        return {}
    cu = coded(sc, unit)
    any_code = cu.coded_any()
    out: Counter[tuple[str, str]] = Counter()
    for i, coder in enumerate(cu.coders):
        for d in cu.units.doc[any_code[:, i]]:
            out[(coder, cu.units.docs[d])] += 1
    return dict(out)
