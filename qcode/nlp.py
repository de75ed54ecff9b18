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
    return [doc_sentence_spans(doc, text) for doc, text in zip(docs, texts, strict=True)]


def doc_sentence_spans(doc: Any, text: str | None = None) -> list[tuple[int, int]]:
    """Trimmed sentence offsets of a parsed Doc (pass its text: ``Doc.text`` is slow)."""
    if len(doc) == 0:
        return []
    from spacy.attrs import IDX, IS_LEFT_PUNCT, LENGTH, SENT_START

    arr = doc.to_array([SENT_START, IDX, LENGTH, IS_LEFT_PUNCT])
    text = doc.text if text is None else text
    starts = [0]
    left_punct = arr[:, 3].tolist()
    for i in (arr[:, 0] == 1).nonzero()[0].tolist():
        # an opening bracket the sentencizer left at the end of a sentence ("... cabinet. [")
        # belongs to the next one ("[laughs] You have to ...")
        while i - 1 > starts[-1] and left_punct[i - 1]:
            i -= 1
        if i > starts[-1]:
            starts.append(i)
    idx, length = arr[:, 1].tolist(), arr[:, 2].tolist()
    bounds = [*starts, len(doc)]
    spans = []
    for first, stop in zip(bounds, bounds[1:], strict=False):
        start, end = idx[first], idx[stop - 1] + length[stop - 1]
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((start, end))
    return spans
