"""Route the codings of a split code to one of its new codes by the codebook's rules.

Each coding's text is scored by the ``rules.v1`` suggester of qcode.suggest
restricted to the split's new codes (keywords and patterns, on lemmas and stems).
A coding is routed when one code is suggested with at least ``min_score`` and at
least ``margin`` ahead of the next; otherwise it is left for review.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

MIN_SCORE = 0.5  # one keyword or pattern of rules.v1
MARGIN = 0.25
SOURCE = "migrate:rules.v1"


@dataclass(frozen=True, slots=True)
class Routed:
    """A rules decision for one coding at one split step (``code`` None: too weak)."""

    coding: Any
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


def _texts(project: Any, items: Sequence[tuple[Any, Any]]) -> list[tuple[Any, Any, str | None, str]]:
    """``(coding, step, text or None, language)``: the coded text on the document's
    current version (None when the coding is on another version)."""
    from ..corpus import load_document

    documents: dict[str, Any] = {}
    out = []
    for coding, step in items:
        doc = documents.get(coding.doc)
        if doc is None:
            doc = documents[coding.doc] = load_document(project, coding.doc)
        current = coding.docv in (None, doc.version) and coding.end <= len(doc.text)
        text = doc.text[coding.start:coding.end] if current else None
        out.append((coding, step, text, doc.attributes.get("language") or doc.language))
    return out


def route_by_rules(project: Any, codebook: Any, items: Sequence[tuple[Any, Any]], *,
                   min_score: float = MIN_SCORE, margin: float = MARGIN) -> list[Routed]:
    """A rules decision for each ``(coding, split step)``; ``codebook`` holds the
    step's new codes with their keywords and patterns."""
    if not items:
        return []
    from ..lemmas import lemma_pipeline
    from ..suggest.base import Unit
    from ..suggest.parse import Parsed
    from ..suggest.rules import RuleSuggester

    suggesters: dict[str, Any] = {}
    out: list[Routed] = []
    by_language: dict[str, list[tuple[Any, Any, str]]] = {}
    for coding, step, text, language in _texts(project, items):
        if text is None or not text.strip():
            out.append(Routed(coding, step, None, 0.0, "its text is not on the current version"))
        else:
            by_language.setdefault(language, []).append((coding, step, text))
    for language, group in by_language.items():
        nlp = lemma_pipeline(language, project.settings.pipeline)
        for (coding, step, text), doc in zip(group, nlp.pipe(t for _, _, t in group),
                                             strict=True):
            suggester = suggesters.get(step.id)
            if suggester is None:
                suggester = suggesters[step.id] = RuleSuggester(codebook, step.targets)
            parsed = Parsed(None, doc, (Unit("coding", 1, 0, len(text)),), nlp)
            scores = {p.code: (p.score, p.reason) for p in suggester.propose(parsed)}
            code, score, reason = decide(scores, min_score=min_score, margin=margin)
            out.append(Routed(coding, step, code, round(score, 4), reason))
    return out
