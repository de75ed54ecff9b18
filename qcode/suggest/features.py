"""What a learner knows about a unit beyond its words.

- the speaker and role of the turn the unit is in (a sentence keeps its turn's
  speaker, so the moderator's questions stay recognisable at any unit kind);
- the document's attributes (``attr:site=bergen``);
- the codebook: ``kw=CODE`` when a keyword or pattern of CODE matched in the unit
  (the rules' own matches), ``def=CODE`` when the unit shares a content word
  (stem) with CODE's label or definition.

Each is a token such as ``speaker=moderator``; the learner weighs them with the
words. Turns and attributes come from the stored document (loaded once).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ..corpus import load_document
from .docs import read_view

if TYPE_CHECKING:
    from ..project import Project
    from .parse import ParseCache, Parsed
    from .rules import RuleSuggester

# the document attributes that say nothing about content
_SKIP_ATTRIBUTES = frozenset({"language"})
_MIN_DEFINITION_STEM = 3


class DocumentContext:
    """The turns (speaker, role) and attributes of a project's documents, loaded once."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._docs: dict[str, tuple[list[int], list[Any], tuple[str, ...]]] = {}

    def _load(self, doc_id: str) -> tuple[list[int], list[Any], tuple[str, ...]]:
        found = self._docs.get(doc_id)
        if found is None:
            document = load_document(self.project, doc_id)
            turns = sorted((t for t in document.turns if t.speaker), key=lambda t: t.line_start)
            attrs = tuple(f"attr:{k.casefold()}={str(v).casefold()}"
                          for k, v in sorted(document.attributes.items())
                          if k not in _SKIP_ATTRIBUTES and str(v).strip())
            found = self._docs[doc_id] = ([t.line_start for t in turns], turns, attrs)
        return found

    def tokens(self, doc_id: str, start: int, end: int) -> tuple[str, ...]:
        """The context tokens of the unit ``start:end`` of ``doc_id``."""
        starts, turns, attrs = self._load(doc_id)
        turn = _turn_of(starts, turns, start, end)
        out: list[str] = []
        if turn is not None:
            out.append(f"speaker={turn.speaker.casefold()}")
            if turn.role:
                out.append(f"role={turn.role.casefold()}")
        return (*out, *attrs)


def _turn_of(starts: list[int], turns: list[Any], start: int, end: int) -> Any | None:
    """The turn holding ``start`` (its label line counts), else the first turn whose
    label is inside ``start:end`` (a paragraph that opens with a label)."""
    i = bisect.bisect_right(starts, start) - 1
    if i >= 0 and start < max(turns[i].end, turns[i].start):
        return turns[i]
    j = i + 1
    if j < len(turns) and turns[j].line_start < end:
        return turns[j]
    return None


class DefinitionIndex:
    """The content stems of each code's label and definition, to mark a unit that
    shares one with a code (``def=CODE``)."""

    def __init__(self, codes: Iterable[Any]) -> None:
        self.texts = {c.id: " ".join(x for x in (c.label, c.definition) if x) for c in codes}
        self._stems: dict[str, dict[str, frozenset[str]]] = {}

    def stems(self, nlp: Any) -> dict[str, frozenset[str]]:
        found = self._stems.get(nlp.lang)
        if found is None:
            found = {}
            for code, text in self.texts.items():
                found[code] = frozenset(t.norm_ for t in nlp(text) if not (
                    t.is_stop or t.is_punct or t.is_space or t.like_num)
                    and len(t.norm_) >= _MIN_DEFINITION_STEM)
            self._stems[nlp.lang] = found
        return found

    def tokens(self, nlp: Any, words: Sequence[str]) -> tuple[str, ...]:
        have = set(words)
        return tuple(f"def={code}" for code, stems in self.stems(nlp).items() if stems & have)


def codebook_tokens(rules: RuleSuggester, parsed: Parsed) -> dict[int, tuple[str, ...]]:
    """``kw=CODE`` tokens per unit start of a parsed document (the rules' matches)."""
    hits: dict[int, dict[str, None]] = {}
    for p in rules.propose(parsed):
        hits.setdefault(p.unit.start, {})[f"kw={p.code}"] = None
    return {start: tuple(found) for start, found in hits.items()}


def keyword_hits(project: Project, cache: ParseCache, rules: RuleSuggester, docs: Iterable[str]
                 ) -> dict[tuple[str, int], frozenset[str]]:
    """The codes whose rules matched, per (document, unit start), for ``docs``."""

    out: dict[tuple[str, int], set[str]] = {}
    for parsed in cache.parse((read_view(project, d) for d in sorted(set(docs))), wants=rules.wants):
        for p in rules.propose(parsed):
            out.setdefault((parsed.document.id, p.unit.start), set()).add(p.code)
    rules.flush()
    return {k: frozenset(v) for k, v in out.items()}


def with_codebook(examples: Sequence[Any], hits: dict[tuple[str, int], frozenset[str]],
                  definitions: DefinitionIndex | None, nlp_of: Any) -> list[Any]:
    """The examples with their ``kw=`` and ``def=`` tokens added to the context."""
    from dataclasses import replace

    out = []
    for e in examples:
        kw = tuple(f"kw={c}" for c in sorted(hits.get((e.doc, e.unit.start), ())))
        defs = definitions.tokens(nlp_of(e.doc), e.words) if definitions is not None else ()
        out.append(replace(e, context=(*e.context, *kw, *defs)))
    return out


def codebook_examples(project: Project, cache: ParseCache, examples: Sequence[Any], rules: RuleSuggester,
                      definitions: DefinitionIndex) -> list[Any]:
    """Training examples with the codebook's tokens (their documents' rule matches)."""
    hits = keyword_hits(project, cache, rules, {e.doc for e in examples})
    return with_codebook(examples, hits, definitions, nlp_for(project, cache))


def nlp_for(project: Project, cache: ParseCache) -> Any:
    """doc id -> the lemma pipeline of the document's language."""

    langs: dict[str, str] = {}

    def nlp_of(doc_id: str) -> Any:
        if doc_id not in langs:
            langs[doc_id] = read_view(project, doc_id).language
        return cache.load(langs[doc_id])

    return nlp_of
