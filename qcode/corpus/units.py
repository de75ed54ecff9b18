"""Units: sentences, turns and paragraphs, computed once at ingest; and word counts.

Offsets are Python str indices into the stored text; each unit's slice is its
text with surrounding whitespace trimmed. Sentences never include a speaker
label or a fieldnote heading and never cross a turn boundary. A document with
no turns uses its paragraphs as turn units.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ..nlp import sentence_spans
from .turns import LEADING_TIME, Turn

Span = tuple[int, int]
_BLANK = re.compile(r"\n[ \t]*\n")


def _trim(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


def paragraphs(text: str) -> list[Span]:
    """Blocks separated by blank lines."""
    spans: list[Span] = []
    pos = 0
    for m in _BLANK.finditer(text):
        span = _trim(text, pos, m.start())
        if span:
            spans.append(span)
        pos = m.end()
    span = _trim(text, pos, len(text))
    if span:
        spans.append(span)
    return spans


def sentence_regions(text: str, paras: Sequence[Span], turns: Sequence[Turn]) -> list[Span]:
    """Stretches of text to split into sentences: paragraphs minus labels and headings,
    cut at every turn start."""
    cuts = sorted((t.line_start, t.start) for t in turns if t.start > t.line_start)
    regions: list[Span] = []
    ci = 0
    for p_start, p_end in paras:
        pos = p_start
        while ci < len(cuts) and cuts[ci][1] <= p_start:
            ci += 1
        j = ci
        while j < len(cuts) and cuts[j][0] < p_end:
            c_start, c_end = cuts[j]
            span = _trim(text, pos, min(c_start, p_end))
            if span:
                regions.append(span)
            pos = max(pos, c_end)
            j += 1
        span = _trim(text, pos, p_end)
        if span:
            regions.append(span)
    return regions


def sentences(text: str, regions: Sequence[Span], lang: str, model: str | None = None) -> list[Span]:
    """Sentences of ``text`` inside ``regions`` (see :func:`clip_to_regions`)."""
    return clip_to_regions(sentence_spans([text], lang, model)[0], regions, text)


def clip_to_regions(found: Sequence[Span], regions: Sequence[Span], text: str) -> list[Span]:
    """Sentences found in the whole text (trimmed, as spaCy's are), cut to the regions
    that may hold sentences: a sentence never crosses a turn, and labels and headings
    between regions drop out.

    Splitting the whole document once and cutting afterwards gives the same units as
    splitting each region on its own, at spaCy's whole-document speed.
    """
    out: list[Span] = []
    j, n = 0, len(found)
    for a, b in regions:
        while j < n and found[j][1] <= a:
            j += 1
        k, first = j, len(out)
        while k < n and found[k][0] < b:
            s, e = found[k]
            k += 1
            span = _trim(text, max(s, a), min(e, b)) if s < a or e > b else (s, e)
            if not span:
                continue
            if len(out) > first and not text[span[0]].isalnum() and _dangling(text, out[-1], span):
                out[-1] = (out[-1][0], span[1])  # a closing quote or bracket left alone
            else:
                out.append(span)
    return out


_ALNUM = re.compile(r"[^\W_]")  # a letter or digit (str.isalnum)


def _dangling(text: str, before: Span, span: Span) -> bool:
    """Punctuation only, right after the sentence before (the sentencizer can leave a
    closing quote at a line end on its own)."""
    return _ALNUM.search(text, span[0], span[1]) is None and not text[before[1]:span[0]].strip()


def structural_units(text: str, turns: Sequence[Turn]) -> tuple[dict[str, list[Span]], list[Span]]:
    """Turn and paragraph units (no spaCy needed), and the regions for sentences."""
    paras = paragraphs(text)
    turn_units = [(t.start, t.end) for t in turns if t.end > t.start] or list(paras)
    return {"turn": turn_units, "paragraph": paras}, sentence_regions(text, paras, turns)


def compute_units(
    text: str, turns: Sequence[Turn], lang: str, model: str | None = None
) -> dict[str, list[Span]]:
    """All three unit kinds, each in text order."""
    paras = paragraphs(text)
    regions = sentence_regions(text, paras, turns)
    turn_units = [(t.start, t.end) for t in turns if t.end > t.start] or list(paras)
    return {
        "sentence": sentences(text, regions, lang, model),
        "turn": turn_units,
        "paragraph": paras,
    }


def count_words(text: str) -> int:
    """Whitespace-separated words, as ``len(text.split())`` counts them."""
    if not text.isascii():
        return len(text.split())
    import numpy as np  # ASCII: count word starts on the bytes, without a list of words

    table = np.frombuffer(_ASCII_SPACE, dtype=bool)
    space = table[np.frombuffer(text.encode("ascii"), dtype=np.uint8)]
    if not len(space):
        return 0
    return int(np.count_nonzero(space[:-1] & ~space[1:])) + int(not space[0])


_ASCII_SPACE = bytes(chr(i).isspace() for i in range(128))


def spoken_words(text: str, turns: Iterable[Turn]) -> int:
    """The document's words without its speaker labels, timestamps and fieldnote
    headings: what stands between a turn's line start and its content, and a
    bracketed timestamp that opens a speaker's words ("R: [00:04:10] Fine")."""
    pieces, pos = [], 0
    for t in turns:
        if t.start <= t.line_start:
            continue
        stamp = LEADING_TIME.match(text, t.start, t.end) if t.speaker is not None else None
        pieces.append(text[pos:t.line_start])
        pos = stamp.end() if stamp else t.start
    if not pieces:
        return count_words(text)
    pieces.append(text[pos:])
    return count_words(" ".join(pieces))  # a label touching its text ("Kari:Hello") splits

