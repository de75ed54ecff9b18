"""Lemmas and stems for matching keywords: offline, from spacy-lookups-data and Snowball.

The lemma pipeline is ``spacy.blank(lang)`` + ``sentencizer`` + ``qcode_lower`` +
``qcode_lemmatizer`` (or a trained pipeline named in qcode.yaml, followed by
``qcode_lemmatizer`` in stem-only mode). What it sets on each token:

- ``LEMMA``: the lemma of the lower-cased word. Lower-casing comes first
  (``qcode_lower``), so a sentence-initial "Coordinated" is found in the table.
  Where a form has several possible lemmas (Bokmål ``besøk`` is the noun *besøk*
  and a form of the verb *besøke*), all of them are joined into one class and the
  token gets the class's name (its alphabetically first lemma); a keyword goes
  through the same table, so a keyword matches a word when any lemma of one is
  a lemma of the other.
- ``NORM``: the Snowball stem of that lemma (for Norwegian and Danish also without
  a derivational ``-ing``, so ``koordinering`` and ``koordinere`` share
  ``koordiner``). ``NORM`` is a built-in attribute, so ``PhraseMatcher(attr="NORM")``
  matches on stems; ``Token._.qcode_stem`` reads the same value.

Tables: Norwegian Bokmål uses the full-form Norsk Ordbank data that
spacy-lookups-data ships as ``nb_lemma_exc`` (CC BY 4.0, Språkbanken at the
National Library of Norway) merged with the small ``nb_lemma_lookup``; other
languages use their ``<lang>_lemma_lookup`` table when there is one, else stems
alone. Nothing is downloaded. spaCy is imported inside functions only.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import DependencyError, InputError
from .fileio import atomic_write
from .nlp import pipeline_identity

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc
    from spacy.vocab import Vocab

COMPONENT_VERSION = "qcode_lemmatizer.v1"
SNOWBALL = {
    "en": "english", "nb": "norwegian", "no": "norwegian", "nn": "norwegian",
    "da": "danish", "sv": "swedish", "de": "german", "nl": "dutch", "fr": "french",
    "es": "spanish", "it": "italian", "pt": "portuguese", "fi": "finnish",
    "ru": "russian", "hu": "hungarian", "ro": "romanian", "tr": "turkish",
}
SPACY_LANG = {"no": "nb"}  # Norwegian without a variety is read as Bokmål
_DERIVED_ING = frozenset({"nb", "no", "nn", "da"})
_MIN_STEM = 4


def spacy_lang(lang: str) -> str:
    return SPACY_LANG.get(lang, lang)


def _data_dir() -> Path:
    try:
        import spacy_lookups_data
    except ImportError:  # pragma: no cover - a runtime dependency
        raise DependencyError("Lemmas need spacy-lookups-data: pip install spacy-lookups-data") from None
    return Path(spacy_lookups_data.__file__).parent / "data"


def _read_table(name: str) -> Any:
    path = _data_dir() / f"{name}.json.gz"
    if not path.is_file():
        return None
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return json.load(fh)


@lru_cache(maxsize=16)
def table_identity(lang: str) -> str:
    """Which lemma data a language uses, with versions (part of the cache key)."""
    lang = spacy_lang(lang)
    try:
        version = metadata.version("spacy-lookups-data")
    except metadata.PackageNotFoundError:  # pragma: no cover
        version = "?"
    if lang == "nb":
        source = "ordbank+lookup"
    elif (_data_dir() / f"{lang}_lemma_lookup.json.gz").is_file():
        source = "lookup"
    else:
        source = "none"
    stem = SNOWBALL.get(lang)
    stem_v = metadata.version("snowballstemmer") if stem else ""
    return f"lemmas:{lang}:{source}@{version}+stem:{stem or 'none'}@{stem_v}"


@dataclass(frozen=True, slots=True)
class LemmaTable:
    """``forms``: lower-cased form -> its lemma key (several lemmas joined by ``|``,
    sorted); ``shared``: a lemma -> the multi-lemma keys that contain it."""

    forms: dict[str, str]
    shared: dict[str, tuple[str, ...]]
    lemmas: frozenset[str] = frozenset()

    def key(self, word: str) -> str:
        return self.forms.get(word, word)

    def keys_matching(self, key: str) -> tuple[str, ...]:
        """Every lemma key sharing a lemma with ``key`` (``key`` itself first)."""
        found = dict.fromkeys([key])
        for lemma in key.split(SEP):
            found.update(dict.fromkeys((lemma, *self.shared.get(lemma, ()))))
        return tuple(found)


SEP = "|"


_TABLES: dict[str, LemmaTable] = {}


def lemma_table(lang: str, cache_dir: Path | None = None) -> LemmaTable:
    """The lemma table of ``lang``: every form with all of its possible lemmas.

    Built once per process; with ``cache_dir`` (a project's ``.qcode``) a built table
    is also kept there and read back in a fraction of the time (Bokmål: ~0.3 s
    instead of ~1.5 s), keyed by the data's versions and the Python version."""
    lang = spacy_lang(lang)
    path = _table_path(lang, cache_dir) if cache_dir is not None else None
    table = _TABLES.get(lang)
    if table is None and path is not None and path.is_file():
        table = _read_kept(path)
    if table is None:
        table = _build_table(lang)
    if path is not None and not path.is_file() and len(table.forms) > 100_000:
        _keep(path, table)
    _TABLES[lang] = table
    return table


def _table_path(lang: str, cache_dir: Path) -> Path:
    import hashlib
    import sys

    key = f"{table_identity(lang)}\n{sys.version}".encode()
    return cache_dir / "lemmas" / f"{lang}-{hashlib.sha256(key).hexdigest()[:16]}.marshal"


def _read_kept(path: Path) -> LemmaTable | None:
    import marshal

    try:
        forms, shared, lemmas = marshal.loads(path.read_bytes())
        return LemmaTable(forms, shared, lemmas)
    except (OSError, EOFError, ValueError, TypeError):
        return None


def _keep(path: Path, table: LemmaTable) -> None:
    import marshal


    try:
        atomic_write(path, marshal.dumps((table.forms, table.shared, table.lemmas)), durable=False)
    except OSError:
        pass  # a cache that cannot be written is only slower


def _build_table(lang: str) -> LemmaTable:
    first: dict[str, str] = {}
    several: dict[str, set[str]] = {}

    def add(form: str, lemma: str) -> None:
        prev = first.setdefault(form, lemma)
        if prev != lemma:
            several.setdefault(form, {prev}).add(lemma)

    if lang == "nb":
        for by_form in (_read_table("nb_lemma_exc") or {}).values():
            for form, lemmas in by_form.items():
                for lemma in lemmas:
                    add(form.lower(), lemma.lower())
    lookup = _read_table(f"{lang}_lemma_lookup") or {}
    # lower-case entries first: "coordinated" decides, not a capitalised "Coordinated"
    for form, lemma in sorted(lookup.items(), key=lambda item: item[0] != item[0].lower()):
        if form == form.lower() or form.lower() not in first:
            add(form.lower(), lemma.lower())
    return _table(first, several)


def _table(first: dict[str, str], several: dict[str, set[str]]) -> LemmaTable:
    shared: dict[str, list[str]] = {}
    for form, lemmas in several.items():
        first[form] = SEP.join(sorted(lemmas))
    for key in sorted({first[form] for form in several}):
        for lemma in key.split(SEP):
            shared.setdefault(lemma, []).append(key)
    every = frozenset(lemma for key in set(first.values()) for lemma in key.split(SEP))
    return LemmaTable(first, {lemma: tuple(found) for lemma, found in shared.items()}, every)


def claims(lang: str, phrase: str) -> bool:
    """Whether every word of ``phrase`` is a dictionary form (a lemma) in the table of
    ``lang``: Bokmål claims ``stilling``, English does not (there it is a form of
    *still*). Used to keep a bilingual codebook's keywords to their own language."""
    words = re.findall(r"[^\W\d_]+", phrase.lower())
    table = lemma_table(lang)
    if not words or not table.lemmas:
        return False
    stop_words = _stop_words(lang)
    return all(w in table.lemmas or w in stop_words for w in words)


@lru_cache(maxsize=8)
def _stop_words(lang: str) -> frozenset[str]:
    """spaCy's stop words of ``lang`` (function words, missing from lemma tables)."""
    import spacy.util

    try:
        return frozenset(spacy.util.get_lang_class(spacy_lang(lang)).Defaults.stop_words)
    except ImportError:
        return frozenset()


@lru_cache(maxsize=8)
def stemmer(lang: str) -> Callable[[str], str]:
    """A function word -> stem for ``lang`` (identity where Snowball has no stemmer)."""
    name = SNOWBALL.get(lang)
    if name is None:
        return lambda word: word
    try:
        import snowballstemmer
    except ImportError:  # pragma: no cover - a runtime dependency
        raise DependencyError("Stems need snowballstemmer: pip install snowballstemmer") from None
    stem_word = snowballstemmer.stemmer(name).stemWord
    if lang not in _DERIVED_ING:
        return stem_word

    def stem(word: str) -> str:
        out = stem_word(word)
        if out.endswith("ing") and len(out) - 3 >= _MIN_STEM:
            out = out[:-3]
        return out

    return stem


# ---------------------------------------------------------------- spaCy components

_REGISTERED: list[bool] = []


def _register_components() -> None:
    """Register ``qcode_lower`` and ``qcode_lemmatizer`` with spaCy (once)."""
    if _REGISTERED:
        return
    from spacy.language import Language
    from spacy.tokens import Token

    Language.component("qcode_lower", func=_lower_component)
    Language.factory(
        "qcode_lemmatizer", default_config={"lang": "en", "lookup": True}, func=_make_lemmatizer
    )
    if not Token.has_extension("qcode_stem"):
        Token.set_extension("qcode_stem", getter=lambda token: token.norm_)
    _REGISTERED.append(True)


def _lower_component(doc: Doc) -> Doc:
    """NORM := the lower-cased word, which is what the lemmatizer looks up."""
    if len(doc):
        from spacy.attrs import LOWER, NORM

        doc.from_array([NORM], doc.to_array([LOWER]))  # type: ignore[arg-type]  # (spaCy types to_array as floats)
    return doc


def _make_lemmatizer(nlp: Language, name: str, lang: str, lookup: bool) -> LookupLemmatizer:
    return LookupLemmatizer(nlp.vocab, lang, lookup)


class LookupLemmatizer:
    """LEMMA from the table (looking up NORM, the lower-cased word) and NORM := stem.

    With ``lookup=False`` (after a trained pipeline's own lemmatizer) it keeps the
    lemma, lower-cases it, and only adds the stem. Results are cached per word.
    """

    def __init__(self, vocab: Vocab, lang: str, lookup: bool) -> None:
        self.strings = vocab.strings
        self.table = lemma_table(lang) if lookup else LemmaTable({}, {})
        self.stem = stemmer(spacy_lang(lang))
        self.lookup = lookup
        self.cache: dict[int, tuple[int, int]] = {}
        self._stem_shared: dict[str, tuple[str, ...]] | None = None

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            return doc
        import numpy
        from spacy.attrs import LEMMA, LOWER, NORM

        if self.lookup:
            keys = doc.to_array(NORM).tolist()
        else:
            keys = [lemma or lower for lemma, lower in doc.to_array([LEMMA, LOWER]).tolist()]
        cache, entry = self.cache, self._entry
        pairs = [cache.get(key) or entry(key) for key in keys]
        doc.from_array([LEMMA, NORM], numpy.array(pairs, dtype="uint64"))  # type: ignore[arg-type]  # (uint64 ids)
        return doc

    def _entry(self, key: int) -> tuple[int, int]:
        lemma = self.table.key(self.strings[key].lower())
        value = (self.strings.add(lemma), self.strings.add(self.stem_key(lemma)))
        self.cache[key] = value
        return value

    def stem_key(self, lemma_key: str) -> str:
        return SEP.join(sorted({self.stem(lemma) for lemma in lemma_key.split(SEP)}))

    def alternatives(self, lemma_key: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The LEMMA values and the NORM (stem) values a keyword token matches: every
        key sharing one of its lemmas, and every stem key sharing one of its stems."""
        lemmas = self.table.keys_matching(lemma_key)
        if self._stem_shared is None:
            shared: dict[str, list[str]] = {}
            for key in sorted({self.stem_key(k) for ks in self.table.shared.values() for k in ks}):
                for stem in key.split(SEP) if SEP in key else ():
                    shared.setdefault(stem, []).append(key)
            self._stem_shared = {stem: tuple(keys) for stem, keys in shared.items()}
        own = self.stem_key(lemma_key)
        stems = dict.fromkeys([own])
        for stem in own.split(SEP):
            stems.update(dict.fromkeys((stem, *self._stem_shared.get(stem, ()))))
        return lemmas, tuple(stems)


# ---------------------------------------------------------------- pipelines


@lru_cache(maxsize=16)
def lemma_identity(lang: str, model: str | None = None) -> str:
    """A stable name for the lemma pipeline (keys the parse cache)."""
    if model:
        try:
            base = f"{model}@{metadata.version(model.replace('_', '-'))}"
        except metadata.PackageNotFoundError:
            base = pipeline_identity(lang, model)
    else:
        base = f"{pipeline_identity(spacy_lang(lang))}@spacy{metadata.version('spacy')}"
    return f"{base}+qcode_lower+{COMPONENT_VERSION}+{table_identity(lang)}"


@lru_cache(maxsize=8)
def lemma_pipeline(lang: str, model: str | None = None) -> Any:
    """The matching pipeline for ``lang`` (or the named trained pipeline)."""
    try:
        import spacy
    except ImportError:  # pragma: no cover - a runtime dependency
        raise DependencyError("Suggestions need spaCy: pip install spacy") from None
    _register_components()
    if model:
        try:
            nlp = spacy.load(model, exclude=["ner", "parser"])
        except OSError:
            raise InputError(
                f"spaCy pipeline {model!r} (named in qcode.yaml) is not installed; install it "
                "or set 'pipeline: null' to use the offline default."
            ) from None
        has_lemmas = "lemmatizer" in nlp.pipe_names
        if not has_lemmas:
            nlp.add_pipe("qcode_lower")
        nlp.add_pipe("qcode_lemmatizer", config={"lang": nlp.lang, "lookup": not has_lemmas})
        return nlp
    try:
        nlp = spacy.blank(spacy_lang(lang))
    except (ImportError, KeyError, ValueError):
        raise InputError(
            f"spaCy has no language {lang!r}; use a code such as en, nb, da, sv or de."
        ) from None
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("qcode_lower")
    nlp.add_pipe("qcode_lemmatizer", config={"lang": lang, "lookup": True})
    return nlp
