"""Growing and shrinking a selected span by a word or a sentence.

Pure functions on the document text and its sentence units; a selection always
keeps at least one word and never starts or ends in whitespace.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

Span = tuple[int, int]
_WORD = re.compile(r"\S+")
_LOOK_BACK = 400


def _trim(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _word_before(text: str, pos: int) -> int | None:
    """Start of the last word that ends at or before ``pos``."""
    lo = pos
    while lo > 0:
        lo = max(0, lo - _LOOK_BACK)
        found = None
        for m in _WORD.finditer(text, lo, pos):
            found = m
        if found is not None and (found.start() > lo or lo == 0):
            return found.start()
    return None


def by_word(text: str, span: Span, edge: str, step: int) -> Span:
    """Move ``edge`` ("start" or "end") of ``span`` by one word: ``step`` 1 grows
    the selection, -1 shrinks it."""
    start, end = span
    if edge == "end" and step > 0:
        m = _WORD.search(text, end)
        return (start, m.end()) if m else span
    if edge == "end":
        words = list(_WORD.finditer(text, start, end))
        return (start, words[-2].end()) if len(words) > 1 else span
    if step > 0:
        before = _word_before(text, start)
        return (before, end) if before is not None else span
    words = list(_WORD.finditer(text, start, end))
    return (words[1].start(), end) if len(words) > 1 else span


def by_sentence(text: str, sentences: Sequence[Span], span: Span, edge: str,
                step: int) -> Span:
    """Move ``edge`` of ``span`` to the next sentence boundary outwards (``step`` 1)
    or inwards (-1). Falls back to words when the document has no sentences."""
    if not sentences:
        return by_word(text, span, edge, step)
    start, end = span
    starts = [a for a, _ in sentences]
    ends = [b for _, b in sentences]
    if edge == "end" and step > 0:
        i = bisect.bisect_right(ends, end)
        return (start, ends[i]) if i < len(ends) else span
    if edge == "end":
        i = bisect.bisect_left(ends, end) - 1
        return (start, ends[i]) if i >= 0 and ends[i] > start else span
    if step > 0:
        i = bisect.bisect_left(starts, start) - 1
        return (starts[i], end) if i >= 0 else span
    i = bisect.bisect_right(starts, start)
    return (starts[i], end) if i < len(starts) and starts[i] < end else span


def adjust(text: str, sentences: Sequence[Span], span: Span, edge: str, unit: str,
           step: int) -> Span:
    """One selection step: ``unit`` is "word" or "sentence"."""
    moved = (by_word(text, span, edge, step) if unit == "word"
             else by_sentence(text, sentences, span, edge, step))
    start, end = _trim(text, *moved)
    return (start, end) if end > start else span
