"""Training and test data from the coders' own decisions, unit by unit.

A unit of a document the coder has coded is an example for every code: positive
for the codes she applied (or accepted) on text overlapping it, negative for the
others. A suggestion she rejected makes its unit a negative example for that one
code, also in a document she has not coded otherwise. Codings made on an earlier
version of a document are left out until they are re-anchored.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..corpus import list_documents
from ..index import replay
from .base import Unit
from .docs import read_view
from .features import DocumentContext
from .parse import ParseCache

if TYPE_CHECKING:
    from spacy.tokens import Doc

    from ..project import Project
    from .parse import Parsed


@dataclass(frozen=True, slots=True)
class Example:
    """One unit: its words (stems) and its labels. ``known`` is None when the unit
    is labelled for every code (the unit of a coded document)."""

    doc: str
    docv: str
    unit: Unit
    words: tuple[str, ...]
    positives: frozenset[str]
    known: frozenset[str] | None = None
    text: str = ""  # the unit's text, as written
    context: tuple[str, ...] = ()  # speaker, role, attributes (see :mod:`.features`)

    def cats(self, labels: Iterable[str]) -> dict[str, float]:
        return {label: float(label in self.positives) for label in labels
                if self.known is None or label in self.known}


@dataclass(frozen=True, slots=True)
class Decisions:
    """What a coder (or, pooled, every coder) decided: live codings and rejections."""

    codings: tuple[Any, ...]
    rejected: tuple[Any, ...]

    @property
    def coded_docs(self) -> tuple[str, ...]:
        return tuple(sorted({c.doc for c in self.codings}))


def decisions(project: Project, coder: str | None) -> Decisions:
    """The decisions of ``coder``, or (``coder`` None) of every coder, as the replay of
    every log makes them: on today's text after re-anchoring and migrations, with
    orphans left out (and said so). A coder's own log alone would keep a moved coding
    on the replaced text, where no unit matches it."""
    replayed = replay(project, coders=None if coder is None else [coder])
    codings = tuple(c for c in replayed.codings if coder is None or c.coder == coder)
    return Decisions(codings, tuple(d for d in replayed.decisions if not d.accepted
                                    and (coder is None or d.coder == coder)))


def unit_words(doc: Doc, start: int, end: int) -> tuple[str, ...]:
    """The stems of the words in ``start:end`` (punctuation and spaces left out)."""
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None:
        return ()
    return tuple(t.norm_ for t in span if not (t.is_punct or t.is_space))


def build_examples(project: Project, cache: ParseCache, found: Decisions,
                   docs: Iterable[str] | None = None) -> list[Example]:
    """Examples from the coded documents (or only ``docs``) and the rejections."""
    wanted = set(docs) if docs is not None else None
    by_doc: dict[str, list[Any]] = {}
    for c in found.codings:
        by_doc.setdefault(c.doc, []).append(c)
    for d in found.rejected:
        by_doc.setdefault(d.doc, [])
    stored = set(list_documents(project))
    ids = [d for d in sorted(by_doc) if (wanted is None or d in wanted) and d in stored]
    rejected: dict[str, list[Any]] = {}
    for d in found.rejected:
        rejected.setdefault(d.doc, []).append(d)
    examples: list[Example] = []

    context = DocumentContext(project)
    for parsed in cache.parse(read_view(project, d) for d in ids):
        document = parsed.document
        codings = [c for c in by_doc[document.id] if c.docv in (None, document.version)]
        examples.extend(_doc_examples(parsed, codings, rejected.get(document.id, []), context))
    return examples


def _doc_examples(parsed: Parsed, codings: list[Any], rejected: list[Any],
                  context: Any) -> list[Example]:
    document, out = parsed.document, []
    coded = bool(codings)
    for unit in parsed.units:
        positives = frozenset(c.code for c in codings if c.start < unit.end and unit.start < c.end)
        refused = frozenset(d.code for d in rejected if d.start < unit.end and unit.start < d.end)
        if not coded and not refused:
            continue
        words = unit_words(parsed.doc, unit.start, unit.end)
        if words:
            known = None if coded else refused
            out.append(Example(document.id, document.version, unit, words, positives, known,
                               document.text[unit.start:unit.end],
                               context.tokens(document.id, unit.start, unit.end)))
    return out


def fingerprint(examples: Iterable[Example], labels: Iterable[str], *extra: str) -> str:
    """sha256 of the decisions a model learns from (changes when a decision does)."""
    h = hashlib.sha256()
    h.update(json.dumps([list(labels), list(extra)]).encode())
    for e in examples:
        row = [e.doc, e.docv, e.unit.start, e.unit.end, sorted(e.positives),
               None if e.known is None else sorted(e.known)]
        h.update(json.dumps(row, ensure_ascii=False).encode() + b"\n")
    return h.hexdigest()
