"""spaCy pipelines, imported lazily: nothing here imports spaCy at module load.

The default pipeline is offline: ``spacy.blank(lang)`` + ``sentencizer``. A
trained pipeline is used only when the project names one (``pipeline:`` in
qcode.yaml) and it is installed.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from .errors import DependencyError, InputError


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
    docs = nlp.pipe(texts, batch_size=256)
    return [doc_sentence_spans(doc) for doc in docs]


def doc_sentence_spans(doc: Any) -> list[tuple[int, int]]:
    """Sentence offsets of a parsed Doc, computed on token arrays.

    A sentence runs from its first to its last non-space token (spaCy never puts
    whitespace at either end of a token, so the span is trimmed); an opening
    bracket the sentencizer left at the end of a sentence ("... cabinet. [")
    moves to the next one ("[laughs] You have to ...").
    """
    n = len(doc)
    if n == 0:
        return []
    import numpy as np
    from spacy.attrs import IDX, IS_LEFT_PUNCT, IS_SPACE, LENGTH, SENT_START

    arr = doc.to_array([SENT_START, IDX, LENGTH, IS_LEFT_PUNCT, IS_SPACE]).astype(np.int64)
    is_start = arr[:, 0] == 1
    is_start[0] = True
    left_punct = arr[:-1, 3] == 1
    for _ in range(4):  # at most a few brackets in a row
        moved = np.flatnonzero(is_start[1:] & left_punct & ~is_start[:-1]) + 1
        if not len(moved):
            break
        is_start[moved] = False
        is_start[moved - 1] = True
    starts = np.flatnonzero(is_start)
    token = np.arange(n)
    solid = arr[:, 4] == 0
    first = np.minimum.reduceat(np.where(solid, token, n), starts)
    last = np.maximum.reduceat(np.where(solid, token, -1), starts)
    keep = first <= last
    begins = arr[first[keep], 1].tolist()
    ends = (arr[last[keep], 1] + arr[last[keep], 2]).tolist()
    return list(zip(begins, ends, strict=True))
