"""What another tool's ``startPosition``/``endPosition`` count, and where they land
in qcode's normalised text.

The spec counts code points in the plain-text file. Real tools differ (NVivo:
UTF-16 code units with CRLF as two; ATLAS.ti and MAXQDA: CRLF in the file
counted as one). A *reading* is one such convention: the unit (code points or
UTF-16 units), whether a CRLF counts as one, and whether a leading BOM counts.
Each reading maps an offset to an index into the file's decoded text, which
:class:`TextMap` then maps into the normalised text qcode stores (no BOM, LF,
NFC). :func:`choose` scores every reading against the evidence the selections
carry and picks by the file's ``origin`` unless the evidence clearly says
otherwise; it never guesses silently: the result names the reading, what each
reading scored, and every selection that did not verify.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from ..corpus.decode import normalise


@dataclass(frozen=True, slots=True)
class Reading:
    unit: str  # "codepoints" or "utf16"
    crlf_as_one: bool
    bom_counted: bool

    @property
    def label(self) -> str:
        unit = "UTF-16 code units" if self.unit == "utf16" else "code points"
        newline = "CRLF counted as 1" if self.crlf_as_one else "CRLF counted as 2"
        bom = "BOM counted" if self.bom_counted else "BOM not counted"
        return f"{unit}, {newline}, {bom}"



SPEC = Reading("codepoints", False, False)
NVIVO = Reading("utf16", False, False)
ATLASTI = Reading("codepoints", True, False)
MAXQDA = Reading("codepoints", True, False)
READINGS = tuple(Reading(u, c, b) for u in ("codepoints", "utf16") for c in (False, True)
                 for b in (False, True))


def reading_for_origin(origin: str) -> Reading:
    """The reading a tool is known to use, by the ``origin`` it wrote."""
    name = origin.lower()
    if "qcode" in name:
        for profile, reading in PROFILE_READINGS.items():
            if f"profile {profile}" in name:
                return reading
        return SPEC
    if "nvivo" in name:
        return NVIVO
    if "atlas" in name:
        return ATLASTI
    if "maxqda" in name:
        return MAXQDA
    return SPEC


PROFILE_READINGS = {"spec": SPEC, "nvivo": NVIVO, "atlasti": ATLASTI, "maxqda": MAXQDA}


# ---------------------------------------------------------------- the file's text


def decode_source(raw: bytes) -> str:
    """The archive's plain text as written (BOM kept as U+FEFF, newlines as they are)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "\ufeff" + raw.decode("utf-16")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


class TextMap:
    """Index ``i`` of the decoded file text -> index into ``normalise(text)``."""

    def __init__(self, text: str) -> None:
        self.raw = text
        self.normal = normalise(text)
        # characters normalising drops: leading BOMs, and the CR of each CRLF
        bom = len(text) - len(text.lstrip("\ufeff"))
        self._dropped = [*range(bom), *(m.start() for m in _CRLF.finditer(text))]
        unfolded = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
        unfolded = unfolded.lstrip("\ufeff")
        self._nfc = None if unicodedata.is_normalized("NFC", unfolded) else _nfc_positions(unfolded)

    def to_normal(self, i: int) -> int:
        """A position inside a CRLF, a BOM or a sequence NFC composes maps to that
        unit's start."""
        plain = i - bisect.bisect_left(self._dropped, i)
        return plain if self._nfc is None else self._nfc[plain]


_CRLF = re.compile("\r(?=\n)")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _nfc_positions(text: str) -> list[int]:
    """Index in ``text`` -> index in its NFC form, composing one starter and the marks
    after it at a time (checked against NFC of the whole)."""
    out: list[int] = []
    pos = 0
    runs = [m.group() for m in re.finditer(r".[\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a"
                                             r"\u064b-\u065f\u0900-\u0dff\u1ab0-\u1aff\u1dc0-\u1dff"
                                             r"\u20d0-\u20ff\ufe20-\ufe2f]*", text, re.S)]
    parts = []
    for run in runs:
        composed = unicodedata.normalize("NFC", run)
        parts.append(composed)
        out.extend([pos] * len(run))
        pos += len(composed)
    out.append(pos)
    if "".join(parts) != unicodedata.normalize("NFC", text) or len(out) != len(text) + 1:
        return _nfc_positions_slow(text)
    return out


def _nfc_positions_slow(text: str) -> list[int]:
    """By prefixes, per line (lines are short): exact for any composition."""
    out: list[int] = []
    base = 0
    for line in text.split("\n"):
        for i in range(len(line)):
            out.append(base + len(unicodedata.normalize("NFC", line[:i])))
        base += len(unicodedata.normalize("NFC", line)) + 1
        out.append(base - 1)
    out[-1] = len(unicodedata.normalize("NFC", text))
    return out[: len(text) + 1]


class Counter:
    """Offsets of one reading -> indexes into the decoded file text. The counted
    position of index ``i`` is ``i + astral(i) - uncounted(i)``, found by bisecting
    the few special characters, so a long text costs no work per character."""

    def __init__(self, text: str, reading: Reading) -> None:
        self.text = text
        zero = []
        if text.startswith("\ufeff") and not reading.bom_counted:
            zero.append(0)
        if reading.crlf_as_one:
            zero += [m.start() for m in _CRLF.finditer(text)]
        self.zero = sorted(set(zero))
        self.astral = [m.start() for m in _ASTRAL.finditer(text)] if reading.unit == "utf16" else []
        self.length = self.count(len(text))

    def count(self, i: int) -> int:
        return i + bisect.bisect_left(self.astral, i) - bisect.bisect_left(self.zero, i)

    def index(self, offset: int) -> int | None:
        """The last index whose counted position is ``offset`` (past any uncounted
        characters), or None when no index has it (inside a surrogate pair, or out
        of range)."""
        if offset < 0 or offset > self.length:
            return None
        lo, hi = 0, len(self.text)
        while lo < hi:  # the last i with count(i) <= offset
            mid = (lo + hi + 1) // 2
            if self.count(mid) <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo if self.count(lo) == offset else None


# ---------------------------------------------------------------- evidence


@dataclass(frozen=True, slots=True)
class Placed:
    """One selection under one reading: where it lands in the normalised text."""

    start: int | None
    end: int | None
    verified: bool
    why: str = ""  # when not verified
    boundary: bool = False
    name_match: bool | None = None  # None: the name holds no text to compare


@dataclass(frozen=True, slots=True)
class Score:
    reading: Reading
    placed: tuple[Placed, ...]

    @property
    def in_range(self) -> int:
        return sum(p.verified for p in self.placed)

    @property
    def boundaries(self) -> int:
        return sum(p.boundary for p in self.placed)

    @property
    def names(self) -> tuple[int, int]:
        judged = [p.name_match for p in self.placed if p.name_match is not None]
        return sum(judged), len(judged)

    def key(self) -> tuple[int, int, int]:
        return (self.names[0], self.boundaries, self.in_range)

    def summary(self, total: int) -> str:
        matched, judged = self.names
        names = f", {matched} of {judged} selection names match the text" if judged else ""
        return (f"{self.reading.label}: {self.in_range} of {total} in range, "
                f"{self.boundaries} on word boundaries{names}")


_GENERIC_NAME = re.compile(r"^(quotation|segment|selection|coding|passage)\s*[\d:.\s]*$|^\d[\d:.\s–-]*$",
                           re.I)


def _clean(text: str) -> str:
    return " ".join(text.split()).casefold()


def name_matches(name: str, text: str) -> bool | None:
    """Whether a selection's ``name`` is the selected text (a prefix of it when
    the tool shortened it with an ellipsis); None when the name is no quote."""
    wanted = _clean(unicodedata.normalize("NFC", name))
    if len(wanted) < 3 or _GENERIC_NAME.match(wanted):
        return None
    have = _clean(text)
    if wanted.endswith(("…", "...")):
        return have.startswith(wanted.rstrip("….").rstrip())
    if "…" in wanted:  # head … tail, as qcode's own quotes
        head, _, tail = wanted.partition("…")
        return have.startswith(head.strip()) and have.endswith(tail.strip())
    return have == wanted or (len(wanted) > 20 and have.startswith(wanted))


def _is_word(ch: str) -> bool:
    return ch.isalnum()


def at_boundaries(text: str, start: int, end: int) -> bool:
    left = start == 0 or not (_is_word(text[start - 1]) and _is_word(text[start]))
    right = end >= len(text) or not (_is_word(text[end - 1]) and _is_word(text[end]))
    return start < end and left and right


def place(counter: Counter, mapping: TextMap, start: int, end: int, name: str) -> Placed:
    a, b = counter.index(start), counter.index(end)
    if a is None or b is None:
        inside = 0 <= start <= counter.length and 0 <= end <= counter.length
        return Placed(None, None, False, "inside a surrogate pair" if inside else "out of range")
    if b < a:
        return Placed(None, None, False, "ends before it starts")
    s, e = mapping.to_normal(a), mapping.to_normal(b)
    text = mapping.normal
    match = name_matches(name, text[s:e]) if name else None
    if match is False:
        return Placed(s, e, False, "its name is not the text there", at_boundaries(text, s, e), False)
    if s == e:
        return Placed(s, e, False, "empty after normalising", False, match)
    return Placed(s, e, True, "", at_boundaries(text, s, e), match)


def score(text: str, mapping: TextMap, selections: Sequence[tuple[int, int, str]],
          reading: Reading) -> Score:
    counter = Counter(text, reading)
    return Score(reading, tuple(place(counter, mapping, s, e, n) for s, e, n in selections))


def distinct(text: str) -> tuple[Reading, ...]:
    """The readings that can differ on this text (no CRLF: CRLF handling is moot...)."""
    has_bom = text.startswith("\ufeff")
    has_crlf = "\r\n" in text
    has_astral = any(ord(ch) > 0xFFFF for ch in text)
    return tuple(r for r in READINGS
                 if (has_bom or not r.bom_counted) and (has_crlf or not r.crlf_as_one)
                 and (has_astral or r.unit == "codepoints"))


def canonical(reading: Reading, text: str) -> Reading:
    """The reading as it applies to this text (settings the text cannot show dropped)."""
    return Reading(reading.unit if any(ord(ch) > 0xFFFF for ch in text) else "codepoints",
                   reading.crlf_as_one and "\r\n" in text,
                   reading.bom_counted and text.startswith("\ufeff"))


# ---------------------------------------------------------------- choosing


@dataclass(frozen=True, slots=True)
class Evidence:
    """One source's text and its selections (start, end, name) as the file gives them."""

    text: str
    mapping: TextMap
    selections: tuple[tuple[int, int, str], ...]


@dataclass(frozen=True, slots=True)
class Choice:
    """The reading used, the one the origin suggested, and what every reading scored."""

    reading: Reading
    preferred: Reading
    totals: tuple[tuple[Reading, tuple[int, int, int, int]], ...]  # names ok, judged, boundaries, in range
    placed: tuple[tuple[Placed, ...], ...]  # per source, under the chosen reading
    total: int

    def lines(self) -> list[str]:
        out = []
        for reading, (ok, judged, bounds, in_range) in self.totals:
            names = f", {ok} of {judged} names match" if judged else ""
            mark = " <- used" if reading == self.reading else ""
            out.append(f"{reading.label}: {in_range} of {self.total} in range, {bounds} on word "
                       f"boundaries{names}{mark}")
        return out


def choose(sources: Sequence[Evidence], origin: str) -> Choice:
    """Score every reading over all sources; use the origin's unless the evidence
    is clearly better under another."""
    preferred = reading_for_origin(origin)
    candidates = sorted({r for ev in sources for r in distinct(ev.text)} | {preferred},
                        key=READINGS.index)
    cache: dict[tuple[int, Reading], Score] = {}
    totals: dict[Reading, tuple[int, int, int, int]] = {}
    for reading in candidates:
        ok = judged = bounds = in_range = 0
        for n, ev in enumerate(sources):
            key = (n, canonical(reading, ev.text))
            if key not in cache:
                cache[key] = score(ev.text, ev.mapping, ev.selections, key[1])
            s = cache[key]
            ok, judged = ok + s.names[0], judged + s.names[1]
            bounds, in_range = bounds + s.boundaries, in_range + s.in_range
        totals[reading] = (ok, judged, bounds, in_range)
    total = sum(len(ev.selections) for ev in sources)

    def rank(r: Reading) -> tuple[int, int, int]:
        ok, _, bounds, in_range = totals[r]
        return ok, bounds, in_range

    best = max(candidates, key=lambda r: (rank(r), r == preferred))
    chosen = preferred
    p_ok, _, p_bounds, p_range = totals[preferred]
    b_ok, _, b_bounds, b_range = totals[best]
    if b_ok > p_ok or b_range > p_range or b_bounds > p_bounds + max(3, total // 20):
        chosen = best
    placed = tuple(cache[(n, canonical(chosen, ev.text))].placed for n, ev in enumerate(sources))
    return Choice(chosen, preferred, tuple((r, totals[r]) for r in candidates), placed, total)
