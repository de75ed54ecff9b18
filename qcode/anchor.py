"""Re-finding coded spans in an edited document (a corrected transcript).

For each coding of the old text, in this order:

1. **same**: the text up to the end of the span is unchanged (or the text from its
   start to the end is, and only the length before it changed): same text, offsets
   kept or shifted by that change;
2. **exact**: the span's boundaries carried through an alignment of the two texts
   (rapidfuzz Levenshtein opcodes) hold exactly the old text, or the old text
   occurs elsewhere in the new one (the occurrence nearest the carried position);
3. **fuzzy**: the carried span, edited inside, or else the best alignment of the
   old text within a window around it (``fuzz.partial_ratio_alignment``), when its
   similarity reaches ``threshold`` (0-100);
4. **orphan**: nothing reaches the threshold. The coding is kept on the old version.

Nothing here touches a project; :mod:`qcode.migrations.reanchor` records the
results in the logs.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass

THRESHOLD = 80.0
WINDOW = 300  # characters searched on each side of the carried span


@dataclass(frozen=True, slots=True)
class Anchor:
    """Where a span of the old text is in the new one. ``start``/``end`` are None
    for an orphan; ``score`` is 100 for exact matches."""

    start: int | None
    end: int | None
    score: float
    method: str  # same, exact, fuzzy or orphan

    @property
    def orphan(self) -> bool:
        return self.method == "orphan"


class OffsetMap:
    """Carries offsets of ``old`` into ``new`` through an alignment of the two
    (computed on first use, outside their common prefix and suffix)."""

    def __init__(self, old: str, new: str) -> None:
        self.old, self.new = old, new
        prefix = _common_prefix(old, new)
        suffix = _common_prefix(old[prefix:][::-1], new[prefix:][::-1])
        self.prefix, self.suffix = prefix, suffix
        self.delta = len(new) - len(old)
        self._ops: list[tuple[str, int, int, int, int]] | None = None

    def _opcodes(self) -> list[tuple[str, int, int, int, int]]:
        if self._ops is None:
            from rapidfuzz.distance import Levenshtein

            p, s = self.prefix, self.suffix
            a, b = self.old[p:len(self.old) - s], self.new[p:len(self.new) - s]
            ops = [(o.tag, o.src_start + p, o.src_end + p, o.dest_start + p, o.dest_end + p)
                   for o in Levenshtein.opcodes(a, b)] if (a or b) else []
            self._ops = ops
            self._i1 = [o[1] for o in ops]
            self._i2 = [o[2] for o in ops]
        return self._ops

    def start(self, pos: int) -> int:
        """Where old offset ``pos`` is in the new text; text inserted exactly at
        ``pos`` is left before it (so a span's start does not take it in)."""
        if pos < self.prefix:
            return pos
        if pos >= len(self.old) - self.suffix:
            return pos + self.delta
        ops = self._opcodes()
        k = bisect.bisect_right(self._i1, pos) - 1
        tag, i1, _, j1, j2 = ops[k]
        if tag == "insert":
            return j2
        return j1 if tag == "delete" else j1 + min(pos - i1, j2 - j1)

    def end(self, pos: int) -> int:
        """Like :meth:`start`, but text inserted exactly at ``pos`` is left after it."""
        if pos <= self.prefix:
            return pos
        if pos > len(self.old) - self.suffix:
            return pos + self.delta
        ops = self._opcodes()
        tag, i1, i2, j1, j2 = ops[bisect.bisect_left(self._i2, pos)]  # i1 < pos <= i2
        if tag == "equal":
            return j1 + (pos - i1)
        if tag == "delete":
            return j1
        return j2 if pos == i2 else j1 + min(pos - i1, j2 - j1)


def _common_prefix(a: str, b: str) -> int:
    """Length of the common prefix of ``a`` and ``b`` (compared in chunks)."""
    limit, n, size = min(len(a), len(b)), 0, 4096
    while n < limit:
        size = min(size, limit - n)
        if a[n:n + size] == b[n:n + size]:
            n += size
        elif size == 1:
            break
        else:
            size = max(1, size // 8)
    return n


def _nearest(text: str, needle: str, around: int) -> int | None:
    """The start of the occurrence of ``needle`` nearest to ``around``."""
    best, pos = None, text.find(needle)
    while pos >= 0:
        if best is None or abs(pos - around) < abs(best - around):
            best = pos
        elif pos > around:
            break
        pos = text.find(needle, pos + 1)
    return best


def anchor(offsets: OffsetMap, start: int, end: int, *, threshold: float = THRESHOLD) -> Anchor:
    """Where ``old[start:end]`` went in the new text (see the module text)."""
    old, new = offsets.old, offsets.new
    if end <= offsets.prefix:
        return Anchor(start, end, 100.0, "same")
    if start >= len(old) - offsets.suffix:
        moved = offsets.delta != 0
        return Anchor(start + offsets.delta, end + offsets.delta, 100.0,
                      "exact" if moved else "same")
    quote = old[start:end]
    ms, me = offsets.start(start), offsets.end(end)
    me = max(me, ms)
    if new[ms:me] == quote:
        return Anchor(ms, me, 100.0, "same" if (ms, me) == (start, end) else "exact")
    if quote:
        found = _nearest(new, quote, ms)
        if found is not None:
            return Anchor(found, found + len(quote), 100.0, "exact")
    return _fuzzy(quote, new, ms, me, threshold)


def _fuzzy(quote: str, new: str, ms: int, me: int, threshold: float) -> Anchor:
    from rapidfuzz import fuzz

    carried = fuzz.ratio(quote, new[ms:me]) if me > ms else 0.0
    if carried >= threshold:
        return Anchor(ms, me, round(carried, 1), "fuzzy")
    reach = max(WINDOW, len(quote))
    lo, hi = max(0, ms - reach), min(len(new), me + reach)
    best = fuzz.partial_ratio_alignment(quote, new[lo:hi]) if quote and hi > lo else None
    score = best.score if best is not None else 0.0
    if best is not None and score >= threshold and best.dest_end > best.dest_start:
        return Anchor(lo + best.dest_start, lo + best.dest_end, round(score, 1), "fuzzy")
    return Anchor(None, None, round(max(score, carried), 1), "orphan")


def anchor_spans(old: str, new: str, spans: Iterable[tuple[int, int]], *,
                 threshold: float = THRESHOLD) -> list[Anchor]:
    """Re-anchor many spans of ``old`` in ``new`` (one alignment for all of them)."""
    offsets = OffsetMap(old, new)
    return [anchor(offsets, start, end, threshold=threshold) for start, end in spans]
