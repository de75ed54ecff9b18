"""Route the codings of a split code to one of its new codes by the codebook's rules.

Each coding's text is scored by the ``rules.v1`` suggester of qcode.suggest
restricted to the split's new codes (keywords and patterns, on lemmas and stems).
A coding is routed when one code is suggested with at least ``min_score`` and at
least ``margin`` ahead of the next; otherwise it is left for review.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..corpus import DocumentCache
from ..lemmas import lemma_pipeline
from ..suggest.base import Unit
from ..suggest.rules import RuleSuggester

if TYPE_CHECKING:
    from ..codebook import Codebook
    from ..codings import Coding
    from ..project import Project

MIN_SCORE = 0.5  # one keyword or pattern of rules.v1
MARGIN = 0.25
SENTENCES = ("sentencizer", "senter", "parser", "ner")  # components routing does not need


@dataclass(frozen=True, slots=True)
class Routed:
    """A rules decision for one coding at one split step (``code`` None: too weak)."""

    coding: Coding
    step: Any
    code: str | None
    score: float
    reason: str


def decide(scores: dict[str, tuple[float, str]], *, min_score: float = MIN_SCORE,
           margin: float = MARGIN) -> tuple[str | None, float, str]:
    """``(code or None, best score, reason)`` from ``{code: (score, reason)}``."""
    if not scores:
        return None, 0.0, "no keyword or pattern of the new codes matched"
    ranked = sorted(scores.items(), key=lambda kv: -kv[1][0])
    code, (best, reason) = ranked[0]
    second = ranked[1][1][0] if len(ranked) > 1 else 0.0
    if best >= min_score and best - second >= margin:
        return code, best, reason
    others = ", ".join(f"{c} {s:.2f}" for c, (s, _) in ranked)
    return None, best, f"too close to call ({others})"


@dataclass(frozen=True, slots=True)
class _Text:
    """A coding's text standing in for a document (``id`` is the coding's)."""

    id: str
    text: str
    language: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class _Coded:
    """One coding's text as the rules suggester reads a parsed document: the text,
    its spaCy Doc, its units (the whole text is one) and the pipeline."""

    document: _Text
    doc: Any  # the spaCy Doc
    units: tuple[Any, ...]
    nlp: Any
    identity: str = ""

    @property
    def spans(self) -> tuple[tuple[int, int], ...]:
        return tuple((u.start, u.end) for u in self.units)

    def unit(self, index: int) -> Any:
        return self.units[index]


def _cache(project: Project) -> Any:
    return DocumentCache(project)


def _texts(documents: Any, items: Sequence[tuple[Any, Any]]
           ) -> list[tuple[Any, Any, str | None, str]]:
    """``(coding, step, text or None, language)``: the coded text on the document's
    current version (None when the coding is on another version or the document is gone)."""
    out: list[tuple[Any, Any, str | None, str]] = []
    for coding, step in items:
        doc = documents.get(coding.doc)
        if doc is None:
            out.append((coding, step, None, ""))
            continue
        current = coding.docv in (None, doc.version) and coding.end <= len(doc.text)
        text = doc.text[coding.start:coding.end] if current else None
        out.append((coding, step, text, doc.language))
    return out


def route_by_rules(project: Project, codebook: Codebook, items: Sequence[tuple[Any, Any]], *,
                   min_score: float = MIN_SCORE, margin: float = MARGIN,
                   documents: Any | None = None) -> list[Routed]:
    """A rules decision for each ``(coding, split step)``; ``codebook`` holds the
    step's new codes with their keywords and patterns."""
    if not items:
        return []
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*\[W036\]")  # a split code without patterns
        return _route_all(project, codebook, items, min_score, margin, documents)


def _route_all(project: Project, codebook: Codebook, items: Sequence[tuple[Any, Any]], min_score: float,
               margin: float, documents: Any | None) -> list[Routed]:
    suggesters: dict[str, Any] = {}
    out: list[Routed] = []
    by_language: dict[str, list[tuple[Any, Any, str]]] = {}
    for coding, step, text, language in _texts(documents or _cache(project), items):
        if text is None or not text.strip():
            out.append(Routed(coding, step, None, 0.0, "its text is not on the current version"))
        else:
            by_language.setdefault(language, []).append((coding, step, text))
    for language, group in by_language.items():
        nlp = lemma_pipeline(language, project.settings.pipeline)
        skip = [n for n in SENTENCES if n in nlp.pipe_names]  # a coding is one unit
        steps: dict[str, dict[str, Any]] = {}  # coders often code the same text: parse it once
        for _, step, text in group:
            steps.setdefault(text, {})[step.id] = step
        scored: dict[tuple[str, str], tuple[str | None, float, str]] = {}
        for text, doc in zip(steps, nlp.pipe(list(steps), disable=skip, batch_size=512),
                             strict=True):
            parsed: Any = _Coded(_Text(f"text:{len(scored)}", text, language), doc,  # (as Parsed)
                            (Unit("coding", 1, 0, len(text)),), nlp)
            for step in steps[text].values():
                suggester = suggesters.get(step.id)
                if suggester is None:
                    suggester = suggesters[step.id] = RuleSuggester(codebook, step.targets)
                found = {p.code: (p.score, p.reason) for p in suggester.propose(parsed)}
                scored[(step.id, text)] = decide(found, min_score=min_score, margin=margin)
        for coding, step, text in group:
            code, score, reason = scored[(step.id, text)]
            out.append(Routed(coding, step, code, round(score, 4), reason))
    return out
