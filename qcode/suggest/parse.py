"""Parsed documents, cached in ``.qcode/parses/`` as spaCy DocBins.

A parse is keyed by the sha256 of the document's text and the identity of the
pipeline that made it (:func:`qcode.lemmas.lemma_identity`), so an edited document,
another language or another pipeline is parsed again and nothing stale is read.
Deleting the folder only costs time.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .base import Unit
from .files import atomic_write_bytes

DOCBIN_ATTRS = ("ORTH", "LEMMA", "NORM", "SENT_START")
BATCH = 16


@dataclass(frozen=True, slots=True)
class Parsed:
    """A stored document, its spaCy Doc (lemmas and stems set) and its units."""

    document: Any
    doc: Any
    units: tuple[Unit, ...]
    nlp: Any = field(repr=False)


@dataclass
class ParseStats:
    """How many documents were parsed, and how many came from the cache."""

    parsed: int = 0
    cached: int = 0


_LANGUAGE = re.compile(rb"^language: *'?([^'\s]+)'?\s*$", re.MULTILINE)


def project_languages(project: Any) -> tuple[str, ...]:
    """The project's language and every document's (read from the head of each
    document's metadata, without loading the documents)."""
    found = {project.settings.language}
    for path in sorted(project.documents_dir.glob("*.yaml")):
        with open(path, "rb") as fh:
            match = _LANGUAGE.search(fh.read(4096))
        if match:
            found.add(match.group(1).decode("utf-8"))
    return tuple(sorted(found))


def doc_units(document: Any, kind: str) -> tuple[Unit, ...]:
    return tuple(Unit(kind, n, a, b) for n, (a, b) in enumerate(document.units(kind), start=1))


class ParseCache:
    """Parse documents with the project's lemma pipeline, reading and writing the cache."""

    def __init__(self, project: Any, *, use_cache: bool = True) -> None:
        self.project = project
        self.use_cache = use_cache
        self.stats = ParseStats()
        self.unit_kind = project.settings.unit

    def pipeline(self, document: Any) -> tuple[Any, str]:
        from ..lemmas import lemma_identity, lemma_pipeline

        lang, model = document.language, self.project.settings.pipeline
        return lemma_pipeline(lang, model), lemma_identity(lang, model)

    def path(self, document: Any, identity: str) -> Path:
        folder = hashlib.sha256(identity.encode()).hexdigest()[:16]
        return self.project.cache_dir / "parses" / folder / f"{document.meta['sha256_text']}.spacy"

    def parse(self, documents: Iterable[Any],
              on_document: Callable[[Any], None] | None = None) -> Iterator[Parsed]:
        """Parsed documents in the given order; misses are parsed in batches with
        ``nlp.pipe`` and stored. Memory holds one batch at a time."""
        batch: list[Any] = []
        for document in documents:
            batch.append(document)
            if len(batch) == BATCH:
                yield from self._batch(batch, on_document)
                batch = []
        if batch:
            yield from self._batch(batch, on_document)

    def _batch(self, documents: list[Any], on_document) -> Iterator[Parsed]:
        found: dict[str, Any] = {}
        misses: dict[tuple[int, str], list[Any]] = {}
        for document in documents:
            nlp, identity = self.pipeline(document)
            doc = self._load(document, identity, nlp)
            if doc is not None:
                found[document.id] = doc
                self.stats.cached += 1
            else:
                misses.setdefault((id(nlp), identity), []).append(document)
        for group in misses.values():
            nlp, identity = self.pipeline(group[0])
            for document, doc in zip(group, nlp.pipe(d.text for d in group), strict=True):
                self.stats.parsed += 1
                found[document.id] = doc
                if self.use_cache:
                    self._store(document, identity, doc)
        for document in documents:
            if on_document is not None:
                on_document(document)
            nlp, _ = self.pipeline(document)
            yield Parsed(document, found[document.id], doc_units(document, self.unit_kind), nlp)

    def _load(self, document: Any, identity: str, nlp: Any) -> Any | None:
        path = self.path(document, identity)
        if not self.use_cache or not path.is_file():
            return None
        from spacy.tokens import DocBin

        try:
            docs = list(DocBin().from_bytes(path.read_bytes()).get_docs(nlp.vocab))
        except Exception:  # a damaged cache entry is parsed again, never trusted
            return None
        if len(docs) != 1 or docs[0].text != document.text:
            return None
        return docs[0]

    def _store(self, document: Any, identity: str, doc: Any) -> None:
        from spacy.tokens import DocBin

        data = DocBin(attrs=list(DOCBIN_ATTRS), docs=[doc], store_user_data=False).to_bytes()
        atomic_write_bytes(self.path(document, identity), data)
