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


@lru_cache(maxsize=8)
def sentence_pipeline(lang: str, model: str | None = None) -> Any:
    """A pipeline that sets sentence boundaries (and nothing slower than needed)."""
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
    """Sentence (start, end) character offsets for each text, whitespace trimmed."""
    nlp = sentence_pipeline(lang, model)
    out: list[list[tuple[int, int]]] = []
    for doc in nlp.pipe(texts, batch_size=64):
        spans = []
        for sent in doc.sents:
            start, end = sent.start_char, sent.end_char
            text = doc.text
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if end > start:
                spans.append((start, end))
        out.append(spans)
    return out
