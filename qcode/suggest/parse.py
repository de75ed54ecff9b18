"""Parsed documents, cached in ``.qcode/parses/`` as spaCy DocBins.

A parse is keyed by the sha256 of the document's text and the identity of the
pipeline that made it (:func:`qcode.lemmas.lemma_identity`), so an edited document,
another language or another pipeline is parsed again and nothing stale is read.
A document's spaCy Doc is made only when a suggester needs it (the rules keep
their own cache of matches), parsing the misses of a batch together with
``nlp.pipe``. Deleting the folder only costs time.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from ..fileio import atomic_write
from ..lemmas import lemma_identity, lemma_pipeline, lemma_table

if TYPE_CHECKING:
    from spacy.tokens import Doc

    from ..corpus import Document
    from ..project import Project
    from .docs import DocView

DOCBIN_ATTRS = ("ORTH", "LEMMA", "NORM")
BATCH = 16


class Unit(NamedTuple):
    """One unit of a document (a sentence, turn or paragraph), numbered from 1 (a
    named tuple: a corpus has many, and they are made on every run)."""

    kind: str
    n: int
    start: int
    end: int

    @property
    def ref(self) -> str:
        return f"{self.kind}:{self.n}"


class Parsed:
    """A document, its units (of the project's kind), its pipeline and (made on first
    use) its spaCy Doc. The pipeline too is loaded only when needed (``identity``
    names it); the :class:`Unit` records only when asked for (``spans`` are enough
    to place a match)."""

    __slots__ = ("document", "kind", "spans", "identity", "_units", "_nlp", "_doc", "_make")

    def __init__(self, document: Document | DocView, kind: str, nlp: Callable[[], Any],
                 identity: str) -> None:
        self.document, self.kind, self.identity = document, kind, identity
        self.spans: tuple[tuple[int, int], ...] = document.units(kind)
        self._units: tuple[Unit, ...] | None = None
        self._nlp = nlp
        self._doc: Any = None  # the spaCy Doc, once made
        self._make: Callable[[], Any] | None = None

    @property
    def units(self) -> tuple[Unit, ...]:
        if self._units is None:
            self._units = tuple(Unit(self.kind, n, a, b) for n, (a, b) in enumerate(self.spans, 1))
        return self._units

    def unit(self, index: int) -> Unit:
        """The unit at ``index`` (0-based) of :attr:`spans`."""
        a, b = self.spans[index]
        return Unit(self.kind, index + 1, a, b)

    @property
    def nlp(self) -> Any:
        return self._nlp()

    @property
    def doc(self) -> Any:
        if self._doc is None and self._make is not None:
            self._doc = self._make()
        return self._doc


@dataclass
class ParseStats:
    """Documents parsed, read from the cache, or never needed as spaCy Docs."""

    parsed: int = 0
    cached: int = 0
    unneeded: int = 0


_LANGUAGE = re.compile(rb"^language: *'?([^'\s]+)'?\s*$", re.MULTILINE)


def project_languages(project: Project) -> tuple[str, ...]:
    """The project's language and every document's (read from the head of each
    document's metadata, without loading the documents)."""
    found = {project.settings.language}
    for path in sorted(project.documents_dir.glob("*.yaml")):
        with open(path, "rb") as fh:
            match = _LANGUAGE.search(fh.read(4096))
        if match:
            found.add(match.group(1).decode("utf-8"))
    return tuple(sorted(found))


def _pipeline(lang: str, model: str | None) -> Any:
    return lemma_pipeline(lang, model)


class ParseCache:
    """Parse documents with the project's lemma pipeline, reading and writing the cache."""

    def __init__(self, project: Project, *, use_cache: bool = True) -> None:
        self.project = project
        self.use_cache = use_cache
        self.stats = ParseStats()
        self.unit_kind = project.settings.unit
        self._tables: set[str] = set()

    def pipeline(self, document: Document | DocView) -> tuple[Callable[[], Any], str]:
        """A loader of the document's pipeline, and the pipeline's identity."""
        lang = document.language
        return (lambda: self.load(lang)), lemma_identity(lang, self.project.settings.pipeline)

    def load(self, lang: str) -> Any:
        """The project's lemma pipeline for ``lang`` (its lookup table read or kept first)."""
        if lang not in self._tables:
            lemma_table(lang, self.project.cache_dir)
            self._tables.add(lang)
        return _pipeline(lang, self.project.settings.pipeline)

    def path(self, document: Document | DocView, identity: str) -> Path:
        folder = hashlib.sha256(identity.encode()).hexdigest()[:16]
        return self.project.cache_dir / "parses" / folder / f"{document_sha(document)}.spacy"

    def parse(self, documents: Iterable[Any], *, wants: Callable[[Parsed], bool] | None = None,
              on_document: Callable[[Any], None] | None = None) -> Iterator[Parsed]:
        """Each document in order. Its spaCy Doc is made now if ``wants`` says so (the
        misses of a batch parsed together), else only when first used."""
        batch: list[Parsed] = []
        for document in documents:
            nlp, identity = self.pipeline(document)
            batch.append(Parsed(document, self.unit_kind, nlp, identity))
            if len(batch) == BATCH:
                yield from self._batch(batch, wants, on_document)
                batch = []
        if batch:
            yield from self._batch(batch, wants, on_document)

    def _batch(self, batch: list[Parsed], wants: Callable[[Parsed], bool] | None,
               on_document: Callable[[Any], None] | None) -> Iterator[Parsed]:
        misses: dict[str, list[Parsed]] = {}
        for parsed in batch:
            if wants is not None and not wants(parsed):
                parsed._make = lambda p=parsed: self._one(p)
                continue
            parsed._doc = self._load(parsed)
            if parsed._doc is None:
                misses.setdefault(parsed.identity, []).append(parsed)
        for group in misses.values():
            texts = (p.document.text for p in group)
            for parsed, doc in zip(group, group[0].nlp.pipe(texts), strict=True):
                self._parsed(parsed, doc)
        for parsed in batch:
            if on_document is not None:
                on_document(parsed.document)
            if parsed._doc is None and parsed._make is not None:
                self.stats.unneeded += 1
            yield parsed

    def _one(self, parsed: Parsed) -> Any:
        self.stats.unneeded -= 1
        doc = self._load(parsed)
        if doc is None:
            doc = parsed.nlp(parsed.document.text)
            self._parsed(parsed, doc)
        return doc

    def _parsed(self, parsed: Parsed, doc: Doc) -> None:
        self.stats.parsed += 1
        parsed._doc = doc
        if self.use_cache:
            atomic_write(self.path(parsed.document, parsed.identity), _docbin_bytes(doc), durable=False)

    def _load(self, parsed: Parsed) -> Any | None:
        path = self.path(parsed.document, parsed.identity)
        if not self.use_cache or not path.is_file():
            return None
        from spacy.tokens import DocBin

        try:
            docs = list(DocBin().from_bytes(path.read_bytes()).get_docs(parsed.nlp.vocab))
        except Exception:  # a damaged cache entry is parsed again, never trusted
            return None
        if len(docs) != 1 or _length(docs[0]) != len(parsed.document.text):
            return None
        self.stats.cached += 1
        return docs[0]


def _length(doc: Doc) -> int:
    """The length of the Doc's text, without joining it (entries are keyed by the
    text's sha256; this catches a damaged entry, cheaply)."""
    return doc[-1].idx + len(doc[-1].text_with_ws) if len(doc) else 0


def document_sha(document: Document | DocView) -> str:
    """The sha256 of the document's text (a view carries it; a document's metadata has it)."""
    sha = getattr(document, "sha256", None)
    return str(sha) if sha is not None else str(cast("Document", document).meta["sha256_text"])


def _docbin_bytes(doc: Doc) -> bytes:
    """What ``DocBin(attrs=DOCBIN_ATTRS, docs=[doc]).to_bytes()`` writes, read back
    with ``DocBin().from_bytes``, made faster: strings from the array's distinct
    values rather than from every token, msgpack without srsly's encoder registry,
    and zlib at level 1 rather than 6 (this is a cache; the spaCy version is part of
    its key, and an entry that does not load is parsed again)."""
    import zlib

    import numpy
    import srsly
    from spacy.attrs import SPACY

    version, attrs = _docbin_header()
    tokens = doc.to_array(attrs)
    spaces = numpy.asarray(doc.to_array(SPACY).reshape((-1, 1)), dtype=bool)
    strings = doc.vocab.strings
    msg = {
        "version": version, "attrs": attrs, "tokens": tokens.tobytes("C"),
        "spaces": spaces.tobytes("C"),
        "lengths": numpy.asarray([len(tokens)], dtype="int32").tobytes("C"),
        "strings": sorted(strings[v] for v in numpy.unique(tokens).tolist() if v in strings),
        "cats": [doc.cats], "flags": [{"has_unknown_spaces": doc.has_unknown_spaces}],
        "span_groups": [doc.spans.to_bytes()],
    }
    # srsly's own packer, without looking up its registry of encoders on every call
    # (the message holds only bytes, strings, lists and dicts): the same bytes.
    return zlib.compress(srsly.msgpack._Packer(use_bin_type=True).pack(msg), 1)


@lru_cache(maxsize=1)
def _docbin_header() -> tuple[Any, list[Any]]:
    """DocBin's format version and attribute ids (making a DocBin is not free)."""
    from spacy.tokens import DocBin

    docbin = DocBin(attrs=list(DOCBIN_ATTRS), store_user_data=False)
    return docbin.version, list(docbin.attrs)
