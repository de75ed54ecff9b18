"""``qcode suggest explain UNIT``: why a unit gets (or does not get) its codes.

For the rules, the keywords and patterns that matched in the unit; for a learner,
each code's score against its threshold and the features that carried it (the
words, the speaker, the codebook), with the model's fingerprint; and what is
queued for the unit. Nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..codebook import load_codebook
from ..corpus import load_document
from ..errors import InputError
from .base import REGISTRY, Keywords, Suggester, resolve_methods
from .docs import read_view
from .linear import LinearSuggester, decide
from .parse import ParseCache, project_languages
from .queue import read_queue

if TYPE_CHECKING:
    from ..project import Project
    from .parse import Parsed


@dataclass(frozen=True, slots=True)
class Line:
    """One finding: a method, a code, a score, whether it is suggested, and why."""

    method: str
    code: str
    score: float | None
    threshold: float | None
    suggested: bool
    why: str
    model: str = ""


@dataclass(frozen=True, slots=True)
class Explanation:
    doc: str
    unit: str
    text: str
    context: tuple[str, ...]
    lines: tuple[Line, ...]


def parse_unit(ref: str) -> tuple[str, str]:
    """``DOC:N`` or ``DOC:KIND:N`` -> (doc, unit ref)."""
    doc, sep, unit = ref.partition(":")
    if not sep or not doc or not unit:
        raise InputError(f"Unit {ref!r} is not DOC:N or DOC:KIND:N; write e.g. interview-01:14 "
                         "or interview-01:turn:3.")
    return doc, unit


def explain(project: Project, coder: str, ref: str, *, method: str = "both", pooled: bool = False,
            top: int = 3) -> Explanation:
    """Why the unit ``ref`` gets its suggestions from ``method``'s suggesters."""

    doc_id, unit_ref = parse_unit(ref)
    document = load_document(project, doc_id)
    kind, n, start, end = document.resolve_unit(unit_ref, project.settings.unit)
    codebook = load_codebook(project.codebook_path)
    cache = ParseCache(project)
    cache.unit_kind = kind
    parsed = next(iter(cache.parse([read_view(project, doc_id)])))
    lines: list[Line] = []
    context: tuple[str, ...] = ()
    for name in resolve_methods(method):
        suggester = REGISTRY[name](codebook, None, project=project, coder=coder, cache=cache,
                                   pooled=pooled, languages=project_languages(project))
        found, ctx = _explain_one(suggester, parsed, start, top)
        lines.extend(found)
        context = context or ctx
    lines.extend(_queued(project, coder, doc_id, start, end))
    return Explanation(doc_id, f"{kind}:{n}", document.text[start:end], context, tuple(lines))


def _explain_one(suggester: Suggester, parsed: Parsed, start: int, top: int
                 ) -> tuple[list[Line], tuple[str, ...]]:
    if isinstance(suggester, LinearSuggester):
        model = suggester.model
        if not model.labels:
            return [Line(suggester.name, "-", None, None, False, "; ".join(model.notes) or
                         "nothing learned yet: code some units first", "")], ()
        example = next((e for e in suggester.examples(parsed) if e.unit.start == start), None)
        if example is None:
            return [Line(suggester.name, "-", None, None, False, "the unit has no words")], ()
        scores = model.scores([example])[0]
        chosen = set(decide(scores, model.thresholds, top_k=suggester.top_k))
        ranked = sorted(scores, key=lambda c: -(scores[c] - model.thresholds[c]))
        shown = [c for c in ranked if c in chosen] or ranked[:top]
        out = []
        for code in shown[:max(top, len(chosen))]:
            carried = ", ".join(f"{name} {weight:+.2f}" for name, weight in model.explain(example, code))
            out.append(Line(suggester.name, code, scores[code], model.thresholds[code],
                            code in chosen, f"carried by: {carried}", model.fingerprint))
        return out, example.context
    proposals = [p for p in suggester.propose(parsed) if p.unit.start == start]
    if not proposals:
        missing = suggester.keywordless if isinstance(suggester, Keywords) else ()
        why = "no keyword or pattern matched in the unit"
        if missing:
            why += f" ({', '.join(missing)} have no keywords or patterns)"
        return [Line(suggester.name, "-", None, None, False, why)], ()
    return [Line(p.method, p.code, p.score, None, True, p.reason, p.model) for p in proposals], ()


def _queued(project: Project, coder: str, doc_id: str, start: int, end: int) -> list[Line]:
    return [Line(f"queued {s.id}", s.code, s.score, None, True, f"{s.method}: {s.reason}", s.model)
            for s in read_queue(project, coder)
            if s.doc == doc_id and s.start < end and start < s.end]
