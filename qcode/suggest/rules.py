"""``rules.v1``: keyword and pattern suggestions from the codebook, explained.

Each code's ``keywords`` (words and phrases, in dictionary form) are matched on
lemmas and, as a fallback, on stems (``PhraseMatcher`` on ``LEMMA`` and on
``NORM``, which the lemma pipeline sets to the stem); the code's ``patterns`` are
spaCy ``Matcher`` patterns, whose ``LEMMA`` values are looked up in the same table.
The suggested span is the unit (the project's unit kind) holding the start of a
match; the score is ``1 - 0.5**n`` for ``n`` distinct keywords and patterns matched
in the unit (0.5, 0.75, 0.875, ...), where words matching several keywords count
once; the reason names each keyword and the words
that matched it. An ``exclude_keywords`` match in the unit vetoes the code there.
"""

from __future__ import annotations

import bisect
import hashlib
import json
from dataclasses import dataclass
from itertools import islice, product
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ..errors import CodebookError
from ..fileio import atomic_write
from ..lemmas import SEP, claims, lemma_table, spacy_lang
from .base import Proposal, Unit, register
from .check import explain
from .compounds import COMPOUNDING, Compounds
from .parse import Parsed, document_sha

if TYPE_CHECKING:
    from spacy.tokens import Doc

    from ..codebook import Codebook
    from ..project import Project

METHOD = "rules.v1"
METHOD_V2 = "rules.v2"
MAX_VARIANTS = 64  # lemma/stem combinations per keyword phrase


@dataclass(frozen=True, slots=True)
class Label:
    code: str
    keyword: str  # the keyword, or "pattern N"
    include: bool


class Matchers:
    """The matchers of one pipeline (vocabulary) for a set of codes."""

    def __init__(self, nlp: Any, codes: tuple[Any, ...], source: str,
                 languages: tuple[str, ...] = (), *, strict_stems: bool = False,
                 compounds: bool = False) -> None:
        from spacy.matcher import Matcher, PhraseMatcher

        self.lemma = PhraseMatcher(nlp.vocab, attr="LEMMA")
        self.stem = PhraseMatcher(nlp.vocab, attr="NORM")
        self.patterns = Matcher(nlp.vocab, validate=True)
        self.labels: dict[int, Label] = {}
        lemmatizer = self.lemmatizer = nlp.get_pipe("qcode_lemmatizer")
        self.strict = strict_stems
        self._derived_cache: dict[str, bool] = {}
        self.compounds = Compounds(nlp, lemmatizer) if compounds and nlp.lang in COMPOUNDING else None
        for code in codes:
            for include, words in ((True, code.keywords), (False, code.exclude_keywords)):
                for word in words:
                    if not keyword_applies(word, nlp.lang, languages):
                        continue
                    key = self._label(nlp, Label(code.id, word, include))
                    lemma_docs, stem_docs = keyword_docs(nlp, lemmatizer, word, strict_stems)
                    if lemma_docs:
                        self.lemma.add(key, lemma_docs)
                        if stem_docs:
                            self.stem.add(key, stem_docs)
                        if self.compounds is not None:
                            self.compounds.add(nlp.vocab.strings[key], lemma_docs)
            for i, pattern in enumerate(code.patterns, start=1):
                key = self._label(nlp, Label(code.id, f"pattern {i}", True))
                try:
                    self.patterns.add(key, [lemma_pattern(pattern, lemmatizer)])
                except Exception as exc:  # spaCy raises several types for bad patterns
                    raise CodebookError(
                        f"{source}: code {code.id!r}: pattern {i} is not a valid spaCy Matcher "
                        f"pattern ({explain(exc)}); run `qcode codebook check`."
                    ) from None

    def _stem_hits(self, doc: Doc) -> list[tuple[int, int, int]]:
        """Stem matches; strict: not where a word's stem is another dictionary word
        than its lemma ("tidlig" is not a form of *tid*, "useful" not of *use*)."""
        if not len(self.stem):
            return []
        hits = list(self.stem(doc))
        if not self.strict or not hits:
            return hits
        return [(m, a, b) for m, a, b in hits
                if not any(self._derived(t.lemma_) for t in doc[a:b])]

    def _derived(self, lemma_key: str) -> bool:
        found = self._derived_cache.get(lemma_key)
        if found is None:
            found = self._derived_cache[lemma_key] = stem_is_other_word(self.lemmatizer, lemma_key)
        return found

    def _label(self, nlp: Any, label: Label) -> str:
        key = f"{label.code}\t{label.keyword}\t{int(label.include)}"
        self.labels[nlp.vocab.strings.add(key)] = label
        return key

    def __call__(self, doc: Doc) -> list[tuple[int, int, int]]:
        found = [*self.lemma(doc), *self._stem_hits(doc)] if len(self.lemma) else []
        if self.compounds is not None and self.compounds.keys:
            found += self.compounds(doc)
        return found + (list(self.patterns(doc)) if len(self.patterns) else [])


def keyword_applies(phrase: str, lang: str, languages: tuple[str, ...]) -> bool:
    """A keyword is matched in documents of ``lang`` unless it is a dictionary word
    of another of the project's languages and not of ``lang``: a bilingual codebook's
    ``stilling`` (Bokmål) is not looked for in English text, where it would be read
    as a form of *still*, nor ``skill`` in Bokmål, where it is a form of *skille*."""
    lang = spacy_lang(lang)
    others = {spacy_lang(other) for other in languages} - {lang}
    if not others or claims(lang, phrase):
        return True
    return not any(claims(other, phrase) for other in sorted(others))


def keyword_docs(nlp: Any, lemmatizer: Any, phrase: str,
                 strict: bool = False) -> tuple[list[Any], list[Any]]:
    """Pattern Docs for a keyword: one per combination of the lemma keys (and of the
    stem keys) its words can match. ``strict``: no stem Docs when a word's stem is
    another dictionary word (``useful`` -> *use*: the stem would match "using")."""
    from spacy.tokens import Doc

    tokens = [t for t in nlp(phrase) if not t.is_space]
    if not tokens:
        return [], []
    options = [_either(lemmatizer, t) for t in tokens]
    if strict and any(stem_is_other_word(lemmatizer, t.lemma_) for t in tokens):
        options = [(lemmas, ()) for lemmas, _ in options]
    lemma_docs = [Doc(nlp.vocab, words=list(c), lemmas=list(c))
                  for c in islice(product(*(o[0] for o in options)), MAX_VARIANTS)]
    stem_docs = []
    for combo in islice(product(*(o[1] for o in options)), MAX_VARIANTS):
        doc = Doc(nlp.vocab, words=list(combo))
        for token, stem in zip(doc, combo, strict=True):
            token.norm_ = stem
        stem_docs.append(doc)
    return lemma_docs, stem_docs


def stem_is_other_word(lemmatizer: Any, lemma_key: str) -> bool:
    """Whether the stem of a lemma is a different dictionary word (``useful`` ->
    *use*, ``careful`` -> *care*): a derivation whose stem names another word."""
    own = set(lemma_key.split(SEP))
    stems = set(lemmatizer.stem_key(lemma_key).split(SEP))
    return any(stem not in own and stem in lemmatizer.table.lemmas for stem in stems)


def _either(lemmatizer: Any, token: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A keyword's word is a dictionary form itself, and may also be a form of another
    lemma (English 'wound' of 'wind'): match both."""
    own, looked_up = lemmatizer.alternatives(token.lower_), lemmatizer.alternatives(token.lemma_)
    return (tuple(dict.fromkeys(own[0] + looked_up[0])), tuple(dict.fromkeys(own[1] + looked_up[1])))


def lemma_pattern(pattern: list[dict[str, Any]], lemmatizer: Any) -> list[dict[str, Any]]:
    """A Matcher pattern whose LEMMA values match every lemma key sharing a lemma."""
    def keys(value: Any) -> list[str]:
        key = lemmatizer.table.key(str(value).lower())
        return list(lemmatizer.alternatives(key)[0])

    out = []
    for spec in pattern:
        spec = dict(spec)
        value = spec.get("LEMMA")
        if isinstance(value, str):
            spec["LEMMA"] = {"IN": keys(value)}
        elif isinstance(value, dict):
            spec["LEMMA"] = {op: [k for v in vals for k in keys(v)]
                             if op in ("IN", "NOT_IN") and isinstance(vals, list) else vals
                             for op, vals in value.items()}
        out.append(spec)
    return out


@register(METHOD)
class RuleSuggester:
    """Keyword and pattern rules of the chosen codes (default: all active codes).

    With a project, each document's matches are kept in ``.qcode/matches/``, keyed by
    the document's text, the pipeline and the rules (codes, keywords, patterns and the
    project's languages), so a later run needs no spaCy Doc for it. Call
    :meth:`flush` after a batch of documents to write what was found."""

    name = METHOD
    strict_stems = False
    compounds = False

    def __init__(self, codebook: Codebook, codes: tuple[str, ...] | None = None, *,
                 languages: tuple[str, ...] = (), project: Project | None = None, **_: Any) -> None:
        chosen = set(codes) if codes is not None else None
        self.codes = tuple(c for c in codebook.active() if chosen is None or c.id in chosen)
        self.source = codebook.source
        self.languages = languages
        self.cache_dir = project.cache_dir / "matches" if project is not None else None
        self._matchers: dict[int, Matchers] = {}
        self._pending: dict[str, list[Match]] = {}
        self._kept: dict[Path, dict[str, Path]] = {}  # folder -> {document sha256: file}
        self._current: tuple[Path, dict[str, list[Match]]] | None = None
        self._fresh: dict[Path, list[tuple[str, list[Match]]]] = {}
        self._config = json.dumps([self.name, list(languages), [
            [c.id, list(c.keywords), list(c.exclude_keywords), list(c.patterns)]
            for c in self.codes]], sort_keys=True, ensure_ascii=False)

    @property
    def fingerprint(self) -> str:
        """What the rules are: a hash of the codes' keywords and patterns."""
        return hashlib.sha256(self._config.encode()).hexdigest()[:16]

    @property
    def keywordless(self) -> tuple[str, ...]:
        """The codes with neither keywords nor patterns (the rules never suggest them)."""
        return tuple(c.id for c in self.codes if not (c.keywords or c.patterns))

    @property
    def notes(self) -> tuple[str, ...]:
        missing = self.keywordless
        if not missing:
            return ()
        if len(missing) == len(self.codes):
            return (f"{self.name}: the codebook has no keywords or patterns, so the rules "
                    "suggest nothing; add keywords, or use --method model.",)
        return (f"{self.name}: no keywords or patterns for {', '.join(missing)}; the rules "
                "never suggest them.",)

    def matchers(self, nlp: Any) -> Matchers:
        found = self._matchers.get(id(nlp))
        if found is None:
            if self.cache_dir is not None:  # the tables keyword_applies consults, kept ones
                for lang in self.languages:
                    lemma_table(lang, self.cache_dir.parent)
            found = self._matchers[id(nlp)] = Matchers(
                nlp, self.codes, self.source, self.languages, strict_stems=self.strict_stems,
                compounds=self.compounds)
        return found

    def _folder(self, parsed: Parsed) -> Path | None:
        return self._folder_for(parsed.identity)

    def _folder_for(self, identity: str) -> Path | None:
        if self.cache_dir is None:
            return None
        key = hashlib.sha256(f"{identity}\n{self._config}".encode()).hexdigest()[:16]
        return self.cache_dir / key

    def _index(self, folder: Path) -> dict[str, Path]:
        """Which file of ``folder`` keeps each document's matches (by the text's sha256),
        read from the folder's ``index.tsv`` (one line per document kept: sha, file)."""
        index = self._kept.get(folder)
        if index is None:
            index = self._kept[folder] = {}
            try:
                lines = (folder / "index.tsv").read_text(encoding="utf-8").splitlines()
            except (OSError, ValueError):
                lines = []
            for line in lines:
                sha, sep, name = line.partition("\t")
                if sep and name.endswith(".jsonl") and "/" not in name:
                    index[sha] = folder / name
        return index

    def _pack(self, path: Path) -> dict[str, list[Match]]:
        """The matches in one kept file (the last one read is held: documents come in
        the order they were kept, so memory holds one batch, not the corpus)."""
        if self._current is not None and self._current[0] == path:
            return self._current[1]
        found: dict[str, list[Match]] = {}
        try:
            lines = path.read_text(encoding="utf-8").splitlines()[1:]
        except (OSError, ValueError):
            lines = []
        for line in lines:
            try:
                sha, items = json.loads(line)
                found[str(sha)] = [Match(str(c), str(k), bool(i), int(o), str(t))
                                   for c, k, i, o, t in items]
            except (ValueError, TypeError):
                continue  # a line that does not read: that document is matched again
        self._current = (path, found)
        return found

    def preload(self, identity: str) -> None:
        """Index the matches kept for a pipeline now (before forking a worker, which
        then has the index too)."""
        folder = self._folder_for(identity)
        if folder is not None:
            self._index(folder)

    def wants(self, parsed: Parsed) -> bool:
        """Whether this document's spaCy Doc is needed (not if its matches are kept)."""
        folder = self._folder(parsed)
        sha = document_sha(parsed.document)
        path = self._index(folder).get(sha) if folder is not None else None
        kept = self._pack(path).get(sha) if path is not None else None
        if kept is not None:
            self._pending[sha] = kept
            return False
        return True

    def matches(self, parsed: Parsed) -> list[Match]:
        """Every keyword, exclude-keyword and pattern match in the document."""
        kept = self._pending.pop(document_sha(parsed.document), None)
        if kept is not None:
            return kept
        from spacy.attrs import IDX, LENGTH

        matchers, doc = self.matchers(parsed.nlp), parsed.doc
        hits = sorted(set(matchers(doc)))  # the lemma and stem matchers often agree
        found = []
        if hits:
            where = doc.to_array([IDX, LENGTH])
            text, labels = parsed.document.text, matchers.labels
            for match_id, start, end in hits:
                label = labels[match_id]
                first, (last, length) = int(where[start, 0]), where[end - 1].tolist()
                found.append(Match(label.code, label.keyword, label.include, first,
                                   text[first:last + length]))
            found.sort()
        folder = self._folder(parsed)
        if folder is not None:
            self._fresh.setdefault(folder, []).append((document_sha(parsed.document), found))
        return found

    def flush(self) -> None:
        """Keep the matches found since the last flush: one file per folder and batch
        (fewer, larger files; creating a file is what costs), its first line listing
        the batch's documents, then one line per document; and a line per document
        in the folder's index."""
        for folder, batch in self._fresh.items():
            shas = [sha for sha, _ in batch]
            lines = [json.dumps(shas)] + [
                json.dumps([sha, [list(m) for m in found]], ensure_ascii=False)
                for sha, found in batch]
            path = folder / f"{hashlib.sha256(chr(10).join(shas).encode()).hexdigest()[:16]}.jsonl"
            atomic_write(path, ("\n".join(lines) + "\n").encode("utf-8"), durable=False)
            _append(folder / "index.tsv", "".join(f"{sha}\t{path.name}\n" for sha in shas))
            if folder in self._kept:
                self._kept[folder].update((sha, path) for sha in shas)
            if self._current is not None and self._current[0] == path:
                self._current = None  # written again: read afresh when next needed
        self._fresh.clear()

    def propose(self, parsed: Parsed) -> list[Proposal]:
        spans = parsed.spans
        starts = [a for a, _ in spans]
        hits: dict[tuple[int, str], dict[str, list[str]]] = {}
        places: dict[tuple[int, str], set[tuple[int, str]]] = {}
        vetoed: set[tuple[int, str]] = set()
        for m in self.matches(parsed):
            index = _unit_index(spans, starts, m.offset)
            if index is None:
                continue
            if not m.include:
                vetoed.add((index, m.code))
                continue
            places.setdefault((index, m.code), set()).add((m.offset, m.text))
            words = hits.setdefault((index, m.code), {}).setdefault(m.keyword, [])
            if m.text not in words:
                words.append(m.text)
        order = {c.id: i for i, c in enumerate(self.codes)}
        model = self.fingerprint
        return [_proposal(parsed.unit(i), code, found, len(places[(i, code)]), self.name,
                          model) for (i, code), found in
                sorted(hits.items(), key=lambda kv: (kv[0][0], order[kv[0][1]]))
                if (i, code) not in vetoed]


def _append(path: Path, text: str) -> None:
    """Append ``text`` in one write (O_APPEND: a worker's lines and ours never mix)."""
    import os

    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, text.encode("utf-8"))
    finally:
        os.close(fd)


class Match(NamedTuple):
    """One match, as kept in the cache: the code, keyword (or ``pattern N``), whether
    it includes (or, an exclude keyword, vetoes), and where and what it matched."""

    code: str
    keyword: str
    include: bool
    offset: int
    text: str


def _unit_index(spans: tuple[tuple[int, int], ...], starts: list[int], offset: int) -> int | None:
    i = bisect.bisect_right(starts, offset) - 1
    return i if i >= 0 and spans[i][0] <= offset < spans[i][1] else None


def _proposal(unit: Unit, code: str, found: dict[str, list[str]], places: int,
              method: str = METHOD, model: str = "") -> Proposal:
    """``n`` is the number of distinct keywords, but a word matching two keywords
    (``faglige``: faglig and faglighet) counts once."""
    keywords = sorted(found)
    parts, words = [], []
    for keyword in keywords:
        matched = found[keyword]
        words += matched
        shown = f"'{matched[0]}'" if len(matched) == 1 else ", ".join(f"'{w}'" for w in sorted(matched))
        parts.append(f"{keyword}: {shown}")
    return Proposal(unit, code, method, 1 - 0.5 ** min(len(keywords), places),
                    "matched " + "; ".join(parts),
                    tuple(words) if len(words) == 1 else tuple(sorted(set(words))), model)


@register(METHOD_V2)
class RuleSuggesterV2(RuleSuggester):
    """``rules.v2``: ``rules.v1``, and a single-word keyword also matches as the first
    part or the head of a compound missing from the dictionary (Bokmål *kvote* in
    "kvoteprisene"); a keyword whose stem is another dictionary word is matched on
    its lemmas only (``useful`` does not match "using")."""

    name = METHOD_V2
    strict_stems = True
    compounds = True


RULES = RuleSuggesterV2  # the current rules
