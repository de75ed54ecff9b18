"""spaCy pipelines, imported lazily: nothing here imports spaCy at module load.

The default pipeline is offline: ``spacy.blank(lang)`` + ``sentencizer``. A
trained pipeline is used only when the project names one (``pipeline:`` in
qcode.yaml) and it is installed.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .errors import DependencyError, InputError

if TYPE_CHECKING:
    from spacy.tokens import Doc


def pipeline_identity(lang: str, model: str | None = None) -> str:
    """A stable name for a pipeline, used to key caches."""
    if model:
        return f"{model}"
    return f"blank:{lang}+sentencizer"


def sentence_pipeline(lang: str, model: str | None = None) -> Any:
    """A pipeline that sets sentence boundaries (and nothing slower than needed)."""
    return _sentence_pipeline(lang, model or None)


@lru_cache(maxsize=8)
def _sentence_pipeline(lang: str, model: str | None) -> Any:
    try:
        import spacy
    except ImportError:  # pragma: no cover - a runtime dependency
        raise DependencyError("Sentence units need spaCy: pip install spacy") from None
    if model:
        try:
            nlp = spacy.load(model, exclude=["ner"])
        except OSError:
            raise InputError(
                f"spaCy pipeline {model!r} (named in qcode.yaml) is not installed; install it "
                "or set 'pipeline: null' to use the offline default."
            ) from None
        if not {"parser", "senter", "sentencizer"} & set(nlp.pipe_names):
            nlp.add_pipe("sentencizer")
        return nlp
    try:
        nlp = spacy.blank(lang)
    except (ImportError, KeyError, ValueError):
        raise InputError(
            f"spaCy has no language {lang!r}; use a code such as en, nb, da, sv or de."
        ) from None
    nlp.add_pipe("sentencizer")
    return nlp


def sentence_spans(texts: list[str], lang: str, model: str | None = None) -> list[list[tuple[int, int]]]:
    """Sentence (start, end) character offsets for each text, whitespace trimmed.

    Reads sentence starts as arrays (``Doc.to_array``) rather than iterating
    ``doc.sents``, which builds a Python object per token and costs more than
    the sentencizer itself.
    """
    nlp = sentence_pipeline(lang, model)
    if all(len(text) <= PIECE for text in texts):
        docs = nlp.pipe(texts, batch_size=256)
        return [doc_sentence_spans(doc, text) for doc, text in zip(docs, texts, strict=True)]
    # spaCy's max_length limits one call, not one document: a long text goes in pieces
    # cut at line breaks, and each piece's sentences are moved to where it starts.
    cuts = [pieces(text, PIECE) for text in texts]
    flat = [text[a:b] for text, bounds in zip(texts, cuts, strict=True) for a, b in bounds]
    found = iter(nlp.pipe(flat, batch_size=256))
    out = []
    for text, bounds in zip(texts, cuts, strict=True):
        spans: list[tuple[int, int]] = []
        for a, b in bounds:
            spans += [(a + s, a + e) for s, e in doc_sentence_spans(next(found), text[a:b])]
        out.append(spans)
    return out


PIECE = 200_000  # characters per spaCy call, well below its max_length of 1,000,000


def pieces(text: str, size: int) -> list[tuple[int, int]]:
    """(start, end) pieces of ``text`` of at most ``size`` characters, each cut after a
    blank line, else after a line break, else after a space, else where it must."""
    bounds, start = [], 0
    while len(text) - start > size:
        window = text[start:start + size]
        cut = next((i + len(sep) for sep in ("\n\n", "\n", " ")
                    if (i := window.rfind(sep)) > size // 2), size)
        bounds.append((start, start + cut))
        start += cut
    bounds.append((start, len(text)))
    return bounds


def doc_sentence_spans(doc: Doc, text: str) -> list[tuple[int, int]]:
    """Sentence offsets of a Doc parsed from ``text``, computed on arrays.

    A sentence runs from its first token up to the next sentence's first token,
    trimmed of whitespace (spaCy's tokens are all whitespace or none, so this is
    the span from its first to its last non-space token); an opening bracket the
    sentencizer left at the end of a sentence ("... cabinet. [") moves to the
    next one ("[laughs] You have to ..."). Only sentence starts and token offsets
    are read from the Doc (each further token attribute costs as much again);
    whitespace is read from the text's characters (``doc.text`` would be
    rebuilt token by token).
    """
    n = len(doc)
    if n == 0:
        return []
    import numpy as np
    from spacy.attrs import IDX, SENT_START

    arr = doc.to_array([SENT_START, IDX])
    is_start = arr[:, 0] == 1
    is_start[0] = True
    idx = arr[:, 1].astype(np.int64)
    vocab = doc.vocab
    known: dict[str, bool] = {}

    def left_punct(token: str) -> bool:  # the token's text, with its trailing space if any
        if token not in known:
            bare = token.rstrip(" ")
            known[token] = bool(bare) and bool(vocab[bare].is_left_punct)
        return known[token]

    before = np.flatnonzero(is_start[1:] & ~is_start[:-1])  # last tokens of sentences
    while len(before):
        ends = idx[before + 1].tolist()
        moved = before[[left_punct(text[a:b]) for a, b in zip(idx[before].tolist(), ends, strict=True)]]
        is_start[moved + 1] = False
        is_start[moved] = True
        # A move changes who ends a sentence only beside it: the token before the
        # moved bracket, and the one after it (when a one-token sentence grew).
        near = np.concatenate([moved - 1, moved + 1])
        near = near[near + 1 < n]
        before = np.unique(near[is_start[near + 1] & ~is_start[near]])
    starts = idx[is_start]
    stops = np.append(starts[1:], len(text))
    solid = np.flatnonzero(~_whitespace(text))
    first = np.searchsorted(solid, starts)  # each sentence's first non-space character
    last = np.searchsorted(solid, stops) - 1  # and its last
    keep = first <= last
    return list(zip(solid[first[keep]].tolist(), (solid[last[keep]] + 1).tolist(), strict=True))


def _whitespace(text: str) -> Any:
    """A bool array: is each character of ``text`` whitespace (``str.isspace``)."""
    import numpy as np

    table = _space_table()
    if text.isascii():
        return table[np.frombuffer(text.encode("ascii"), dtype=np.uint8)]
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return table[np.minimum(codes, len(table) - 1)] & (codes < len(table))


@lru_cache(maxsize=1)
def _space_table() -> Any:
    """``str.isspace`` for every character up to the last space character (U+3000)."""
    import numpy as np

    return np.array([chr(c).isspace() for c in range(0x3001)])
