"""Finding things in a document while coding: its text, a unit, a turn, a speaker,
and the memos on each unit. Pure functions over a document's text, units and
turns, so that :class:`~qcode.tui.session.Session` stays a thin caller."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..corpus import load_document
from ..errors import InputError

if TYPE_CHECKING:
    from ..codings import Coding
    from ..corpus import Document
    from ..project import Project

Span = tuple[int, int]


def matches(text: str, query: str) -> list[Span]:
    """Every place ``query`` occurs in ``text``, ignoring case (offsets into ``text``)."""
    if not query.strip():
        raise InputError("Type something to search for.")
    return [(m.start(), m.end()) for m in re.finditer(re.escape(query), text, re.IGNORECASE)]


def next_match(found: Sequence[Span], here: int, step: int) -> tuple[Span, bool] | None:
    """The match after (``step`` 1) or before (-1) offset ``here``, and whether the
    search went round the end of the document to find it."""
    if not found:
        return None
    starts = [a for a, _ in found]
    if step > 0:
        i = bisect.bisect_right(starts, here)
        return (found[i], False) if i < len(found) else (found[0], True)
    i = bisect.bisect_left(starts, here) - 1
    return (found[i], False) if i >= 0 else (found[-1], True)


def in_units(units: Sequence[Span], span: Span) -> bool:
    """Whether ``span`` lies inside one unit (not in a speaker label or a heading)."""
    ends = [b for _, b in units]
    i = bisect.bisect_right(ends, span[0])
    return i < len(units) and units[i][0] <= span[0] and span[1] <= units[i][1]


def jump_target(target: str, n_units: int, turns: Sequence[Any], current_turn: int,
                kind: str) -> tuple[str, int]:
    """What ``target`` names: ``("unit", index)`` for a unit number, ``("turn", index)``
    for ``t N`` / ``turn N``, or the next turn of a speaker whose name starts with it."""
    words = target.strip()
    if not words:
        raise InputError("Type a unit number, t N for a turn, or a speaker's name.")
    if words.isdigit():
        n = int(words)
        if not 1 <= n <= n_units:
            raise InputError(f"No {kind} {n}: this document has {n_units}; type 1 to {n_units}.")
        return "unit", n - 1
    turn = re.fullmatch(r"(?:t|turn)\s*(\d+)", words, re.IGNORECASE)
    if turn:
        n = int(turn.group(1))
        if not 1 <= n <= len(turns):
            raise InputError(f"No turn {n}: this document has {len(turns)} turns"
                             f"{f'; type t1 to t{len(turns)}' if turns else ''}.")
        return "turn", n - 1
    return "turn", _speaker_turn(words, turns, current_turn)


def _speaker_turn(name: str, turns: Sequence[Any], current: int) -> int:
    wanted = name.casefold()
    order = [*range(current + 1, len(turns)), *range(0, current + 1)]
    for i in order:
        speaker = (turns[i].speaker or "").casefold()
        if speaker and speaker.startswith(wanted):
            return i
    speakers = sorted({t.speaker for t in turns if t.speaker})
    known = f"; speakers here: {', '.join(speakers)}" if speakers else \
        "; this document names no speakers"
    raise InputError(f"No unit number, turn or speaker {name!r}{known}.")


def unit_code_sets(units: Sequence[Span], codings: Sequence[Any],
                   rank: dict[str, int]) -> list[tuple[str, ...]]:
    """For each unit, the codes of the codings that overlap it, in codebook order; a
    code waiting for a migration decision ends in ``?``."""
    ends = [b for _, b in units]
    found: list[set[str]] = [set() for _ in units]
    for c in codings:
        label = c.code + ("?" if waiting(c) else "")
        i = bisect.bisect_right(ends, c.start)
        while i < len(units) and units[i][0] < c.end:
            found[i].add(label)
            i += 1
    return [tuple(sorted(s, key=lambda code: (rank.get(code.rstrip("?"), len(rank)), code)))
            for s in found]


def waiting(coding: Coding) -> bool:
    """Whether a codebook migration left this coding waiting for a decision."""
    return any(f.startswith(("pending:", "review:")) for f in getattr(coding, "flags", ()))


def memo_units(memos: Sequence[Any], units: Sequence[Span], spans: dict[str, Span]) -> dict[int, list[Any]]:
    """Unit index -> the memos on it: memos with a span, and memos on a coding (whose
    span ``spans`` gives by coding id). A memo on the whole document is on no unit."""
    ends = [b for _, b in units]
    out: dict[int, list[Any]] = {}
    for memo in memos:
        span = _span(memo.span) if memo.span else spans.get(memo.coding or "")
        if span is None:
            continue
        i = bisect.bisect_right(ends, span[0])
        while i < len(units) and units[i][0] < max(span[1], span[0] + 1):
            out.setdefault(i, []).append(memo)
            i += 1
    return out


def _span(text: str) -> Span | None:
    start, sep, end = text.partition(":")
    try:
        return (int(start), int(end)) if sep else None
    except ValueError:
        return None


class Finding:
    """The finding half of :class:`~qcode.tui.session.Session` (text search, jumps,
    uncoded units across documents, memos by unit); it uses the session's document,
    units, turns, codings and cursor."""

    doc: Document
    units: Sequence[Span]
    turns: Sequence[Any]
    index: int
    kind: str
    selection: Span
    last_query: str = ""
    memos_by_unit: dict[int, list[Any]]
    doc_ids: list[str]
    project: Project
    replayed: Any
    coder: str
    rank: dict[str, int]

    # The session's own moves, which finding uses (Session defines them).
    def open(self, doc_id: str) -> None:
        raise NotImplementedError

    def goto(self, index: int) -> bool:
        raise NotImplementedError

    def select(self, start: int, end: int) -> str:
        raise NotImplementedError

    def _kind_for(self, doc: Document) -> str:
        raise NotImplementedError

    def unit_of(self, offset: int) -> int:
        raise NotImplementedError

    def codings_everywhere(self) -> Any:
        raise NotImplementedError

    def find(self, query: str, step: int = 1) -> str:
        """Select the next (``step`` 1) or previous (-1) place the text ``query`` occurs."""
        found = matches(self.doc.text, query)
        self.last_query = query
        if not found:
            return f"no {query!r} in {self.doc.id}"
        here = self.selection[0]
        hit = next_match(found, here, step)
        assert hit is not None
        (start, end), wrapped = hit
        if in_units(self.units, (start, end)):
            self.select(start, end)
        else:
            self.goto(self.unit_of(start))
        number = found.index((start, end)) + 1
        where = (" (from the top)" if step > 0 else " (from the bottom)") if wrapped else ""
        return f"{query!r}: match {number} of {len(found)}{where}"

    def find_again(self, step: int) -> str:
        if not self.last_query:
            return "no text search yet: press / to search the document's text"
        return self.find(self.last_query, step)

    def jump(self, target: str) -> str:
        """Go to a unit number, ``t N`` (a turn) or the next turn of a named speaker."""
        here = self.turn_index()
        what, i = jump_target(target, len(self.units), self.turns, here, self.kind)
        if what == "unit":
            self.goto(i)
            return ""
        turn = self.turns[i]
        self.goto(self.unit_of(turn.start))
        who = f" ({turn.speaker})" if turn.speaker else ""
        return f"turn {i + 1}{who}"

    def turn_index(self) -> int:
        """The index of the turn the cursor is in (or the last before it; -1: none)."""
        starts = [t.start for t in self.turns]
        return bisect.bisect_right(starts, self.units[self.index][0]) - 1

    def memos_at(self, i: int) -> list[Any]:
        return list(self.memos_by_unit.get(i, ()))

    def uncoded_elsewhere(self, step: int) -> str:
        """Open the next (previous) document with a unit this coder has not coded, at
        its first (last) such unit."""
        i = self.doc_ids.index(self.doc.id) + step
        everywhere = self.codings_everywhere()
        while 0 <= i < len(self.doc_ids):
            doc = load_document(self.project, self.doc_ids[i])
            units = doc.units(self._kind_for(doc))
            mine = [c for c in everywhere.by_doc(doc.id)
                    if c.coder == self.coder and "orphan" not in c.flags]
            free = [k for k, codes in enumerate(unit_code_sets(units, mine, self.rank))
                    if not codes]
            if free:
                self.open(doc.id)
                self.goto(free[0] if step > 0 else free[-1])
                return f"opened {doc.id}: its {'next' if step > 0 else 'last'} uncoded unit"
            i += step
        return f"no uncoded unit {'after' if step > 0 else 'before'} this one in any document"
