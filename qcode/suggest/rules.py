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
from dataclasses import dataclass
from itertools import islice, product
from typing import Any

from ..errors import CodebookError
from .base import Proposal, Unit, register
from .check import explain

METHOD = "rules.v1"
MAX_VARIANTS = 64  # lemma/stem combinations per keyword phrase


@dataclass(frozen=True, slots=True)
class Label:
    code: str
    keyword: str  # the keyword, or "pattern N"
    include: bool


class Matchers:
    """The matchers of one pipeline (vocabulary) for a set of codes."""

    def __init__(self, nlp: Any, codes: tuple[Any, ...], source: str,
                 languages: tuple[str, ...] = ()) -> None:
        from spacy.matcher import Matcher, PhraseMatcher

        self.lemma = PhraseMatcher(nlp.vocab, attr="LEMMA")
        self.stem = PhraseMatcher(nlp.vocab, attr="NORM")
        self.patterns = Matcher(nlp.vocab, validate=True)
        self.labels: dict[int, Label] = {}
        lemmatizer = nlp.get_pipe("qcode_lemmatizer")
        for code in codes:
            for include, words in ((True, code.keywords), (False, code.exclude_keywords)):
                for word in words:
                    if not keyword_applies(word, nlp.lang, languages):
                        continue
                    key = self._label(nlp, Label(code.id, word, include))
                    lemma_docs, stem_docs = keyword_docs(nlp, lemmatizer, word)
                    if lemma_docs:
                        self.lemma.add(key, lemma_docs)
                        self.stem.add(key, stem_docs)
            for i, pattern in enumerate(code.patterns, start=1):
                key = self._label(nlp, Label(code.id, f"pattern {i}", True))
                try:
                    self.patterns.add(key, [lemma_pattern(pattern, lemmatizer)])
                except Exception as exc:  # spaCy raises several types for bad patterns
                    raise CodebookError(
                        f"{source}: code {code.id!r}: pattern {i} is not a valid spaCy Matcher "
                        f"pattern ({explain(exc)}); run `qcode codebook check`."
                    ) from None

    def _label(self, nlp: Any, label: Label) -> str:
        key = f"{label.code}\t{label.keyword}\t{int(label.include)}"
        self.labels[nlp.vocab.strings.add(key)] = label
        return key

    def __call__(self, doc: Any) -> list[tuple[int, int, int]]:
        found = [*self.lemma(doc), *self.stem(doc)] if len(self.lemma) else []
        return found + (list(self.patterns(doc)) if len(self.patterns) else [])


def keyword_applies(phrase: str, lang: str, languages: tuple[str, ...]) -> bool:
    """A keyword is matched in documents of ``lang`` unless it is a dictionary word
    of another of the project's languages and not of ``lang``: a bilingual codebook's
    ``stilling`` (Bokmål) is not looked for in English text, where it would be read
    as a form of *still*, nor ``skill`` in Bokmål, where it is a form of *skille*."""
    from ..lemmas import claims, spacy_lang

    lang = spacy_lang(lang)
    others = {spacy_lang(other) for other in languages} - {lang}
    if not others or claims(lang, phrase):
        return True
    return not any(claims(other, phrase) for other in sorted(others))


def keyword_docs(nlp: Any, lemmatizer: Any, phrase: str) -> tuple[list[Any], list[Any]]:
    """Pattern Docs for a keyword: one per combination of the lemma keys (and of the
    stem keys) its words can match."""
    from spacy.tokens import Doc

    tokens = [t for t in nlp(phrase) if not t.is_space]
    if not tokens:
        return [], []
    options = [_either(lemmatizer, t) for t in tokens]
    lemma_docs = [Doc(nlp.vocab, words=list(c), lemmas=list(c))
                  for c in islice(product(*(o[0] for o in options)), MAX_VARIANTS)]
    stem_docs = []
    for combo in islice(product(*(o[1] for o in options)), MAX_VARIANTS):
        doc = Doc(nlp.vocab, words=list(combo))
        for token, stem in zip(doc, combo, strict=True):
            token.norm_ = stem
        stem_docs.append(doc)
    return lemma_docs, stem_docs


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
    """Keyword and pattern rules of the chosen codes (default: all active codes)."""

    name = METHOD

    def __init__(self, codebook: Any, codes: tuple[str, ...] | None = None, *,
                 languages: tuple[str, ...] = (), **_: Any) -> None:
        chosen = set(codes) if codes is not None else None
        self.codes = tuple(c for c in codebook.active() if chosen is None or c.id in chosen)
        self.source = codebook.source
        self.languages = languages
        self._matchers: dict[int, Matchers] = {}

    def matchers(self, nlp: Any) -> Matchers:
        found = self._matchers.get(id(nlp))
        if found is None:
            found = self._matchers[id(nlp)] = Matchers(nlp, self.codes, self.source,
                                                       self.languages)
        return found

    def propose(self, parsed: Any) -> list[Proposal]:
        matchers = self.matchers(parsed.nlp)
        doc, units = parsed.doc, parsed.units
        starts = [u.start for u in units]
        hits: dict[tuple[int, str], dict[str, list[str]]] = {}
        spans: dict[tuple[int, str], set[tuple[int, int]]] = {}
        vetoed: set[tuple[int, str]] = set()
        for match_id, start, end in matchers(doc):
            label = matchers.labels[match_id]
            index = _unit_index(units, starts, doc[start].idx)
            if index is None:
                continue
            if not label.include:
                vetoed.add((index, label.code))
                continue
            spans.setdefault((index, label.code), set()).add((start, end))
            words = hits.setdefault((index, label.code), {}).setdefault(label.keyword, [])
            text = doc[start:end].text
            if text not in words:
                words.append(text)
        order = {c.id: i for i, c in enumerate(self.codes)}
        return [_proposal(units[i], code, found, len(spans[(i, code)])) for (i, code), found in
                sorted(hits.items(), key=lambda kv: (kv[0][0], order[kv[0][1]]))
                if (i, code) not in vetoed]


def _unit_index(units: tuple[Unit, ...], starts: list[int], offset: int) -> int | None:
    i = bisect.bisect_right(starts, offset) - 1
    return i if i >= 0 and units[i].start <= offset < units[i].end else None


def _proposal(unit: Unit, code: str, found: dict[str, list[str]], places: int) -> Proposal:
    """``n`` is the number of distinct keywords, but a word matching two keywords
    (``faglige``: faglig and faglighet) counts once."""
    keywords = sorted(found)
    reason = "matched " + "; ".join(
        f"{k}: {', '.join(repr(w) for w in sorted(found[k]))}" for k in keywords)
    words = tuple(sorted({w for k in keywords for w in found[k]}))
    return Proposal(unit, code, METHOD, 1 - 0.5 ** min(len(keywords), places), reason, words)
