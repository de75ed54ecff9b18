"""A coding session without a screen: the document in units, a cursor, a selection,
and the coder's decisions. The Textual view and ``--plain`` mode both drive this
one object, so a key and a typed command do exactly the same thing.

Painting needs only the stored document (its text and the units computed at
ingest), the codebook and a replay of the logs: no spaCy. Suggestions are set
later (:meth:`Session.set_suggestions`), by whoever loaded them.
"""

from __future__ import annotations

import bisect
import os
from collections import Counter
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .. import index
from ..codebook import load_codebook
from ..corpus import Document, list_documents, load_document
from ..errors import ProjectError, SpanError
from ..livereplay import LiveReplay
from ..project import check_coder_name
from . import selection as sel
from . import writes
from .finding import Finding, memo_units, unit_code_sets, waiting  # noqa: F401  (re-exported)
from .fuzzy import resolve
from .position import Position, Positions
from .suggestions import Shown, decide

if TYPE_CHECKING:
    from ..codings import Coding
    from ..project import Project

Span = tuple[int, int]


class Session(Finding):
    """One coder working through the project's documents; see the module docstring."""

    POSITION_SUFFIX = ""
    CHOICE = "suggestion"  # what plain mode calls an item listed under a unit
    HINT = "a accept · r reject"

    def __init__(self, project: Project, coder: str, *, doc: str | None = None,
                 compare: str | None = None, kind: str | None = None,
                 suggest: bool = True, clock: Callable[[], str] | None = None) -> None:
        self.project = project
        self.coder = check_coder_name(coder)
        self.compare = check_coder_name(compare) if compare else None
        if self.compare == self.coder:
            raise ProjectError(f"--compare names the coder herself ({coder}); name another "
                               "coder to compare with.")
        self.clock = clock
        self.codebook = load_codebook(project.codebook_path)
        self.codes = tuple(c for c in self.codebook.codes if not c.retired)
        self.rank = {c.id: i for i, c in enumerate(self.codebook.codes)}
        self.doc_ids = list_documents(project)
        if not self.doc_ids:
            raise ProjectError(f"{project.root} has no documents yet; add some with "
                               "`qcode ingest FILE...`.")
        self.wanted_kind = kind or project.settings.unit
        self.positions = Positions(project.cache_dir)
        self.position_key = self.coder + self.POSITION_SUFFIX
        self.suggestions: list[Shown] = []
        self.suggestions_wanted = suggest
        self.suggestions_loaded = False
        self.pick = 0
        self.last_code: str | None = None
        self._live: Any = None
        self._replayed_doc: str | None = None  # the document the replay holds (index)
        first = doc or self._resume_doc()
        self._replay(first)
        self.open(first)

    # ------------------------------------------------------------ documents

    def _resume_doc(self) -> str:
        last = self.positions.last_doc(self.position_key)
        return last if last in self.doc_ids else self.doc_ids[0]

    def open(self, doc_id: str) -> None:
        """Show ``doc_id`` at this coder's last position in it."""
        if self._replayed_doc is not None and self._replayed_doc != doc_id:
            self._replay(doc_id)
        self.doc = load_document(self.project, doc_id)
        self.kind = self._kind_for(self.doc)
        self.units = self.doc.units(self.kind)
        self.sentences = self.doc.units("sentence")
        self._sentence_starts = [a for a, _ in self.sentences]
        self.turns = self.doc.turns
        self._turn_starts = [t.start for t in self.turns]
        self.suggestions, self.suggestions_loaded, self.pick = [], False, 0
        self._derive()
        where = self.positions.get(self.position_key, doc_id, self.kind) or 1
        self.index = min(max(where, 1), len(self.units)) - 1
        self.reset_selection()
        self._save()

    def _kind_for(self, doc: Document) -> str:
        for kind in (self.wanted_kind, "paragraph", "sentence", "turn"):
            if doc.units(kind):
                return kind
        raise SpanError(f"Document {doc.id!r} has no units (is it empty?); re-ingest it or "
                        "open another one.")

    def document(self, step: int) -> str:
        """Open the next (``step`` 1) or previous (-1) document."""
        i = self.doc_ids.index(self.doc.id) + step
        if not 0 <= i < len(self.doc_ids):
            return "no next document" if step > 0 else "no previous document"
        self.open(self.doc_ids[i])
        return f"opened {self.doc.id}"

    # ------------------------------------------------------------ codings

    def _replay(self, doc_id: str) -> None:
        """The codings, memos and decisions of the coders shown (this one and the one
        compared with) on document ``doc_id``, through the index in .qcode/, which reads
        only what the logs gained since it was last brought up to date and, of what it
        holds, only that document's rows; opening a document of a big project then costs
        what the document's codings cost, not a replay of everyone's, nor of all this
        coder's work. Without the index (``QCODE_INDEX=0``) the logs are replayed, then
        kept up to date by :class:`LiveReplay`. Neither checks the logs' chains (after
        every decision that would re-check the coder's whole log): `qcode audit verify`
        does."""
        if os.environ.get("QCODE_INDEX") == "0":
            if self._live is None:
                self._live = LiveReplay(self.project.audit_dir)
            self.replayed = self._live.replay()
            return
        self.replayed = index.replay(self.project, coders=self.shown_coders(), docs=[doc_id],
                                     health=False)
        self._replayed_doc = doc_id

    def shown_coders(self) -> list[str]:
        return [self.coder, *([self.compare] if self.compare else [])]

    def codings_everywhere(self) -> Any:
        """This coder's codings on every document (for a search across documents)."""
        if self._replayed_doc is None:  # the live replay holds every document
            return self.replayed
        return index.replay(self.project, coders=[self.coder], health=False)

    def _derive(self) -> None:
        """Per-document views of the replay: this coder's codings, the other's, and the
        codes of each unit."""
        here = [c for c in self.replayed.by_doc(self.doc.id) if "orphan" not in c.flags]
        self.mine = tuple(c for c in here if c.coder == self.coder)
        self.theirs = tuple(c for c in here if c.coder == self.compare) if self.compare else ()
        self.mine_by_unit = unit_code_sets(self.units, self.mine, self.rank)
        shown = {self.coder, self.compare} if self.compare else {self.coder}
        memos = [m for m in self.replayed.memos if m.doc == self.doc.id and m.coder in shown]
        self.memos_by_unit = memo_units(memos, self.units,
                                        {c.id: (c.start, c.end) for c in here})
        self.theirs_by_unit = (unit_code_sets(self.units, self.theirs, self.rank)
                               if self.compare else [])
        self._decided = {(d.doc, d.start, d.end, d.code) for d in self.replayed.decisions
                         if d.coder == self.coder}
        kept = [(s, self.unit_of(s.start)) for s in self.suggestions]
        kept = [(s, u) for s, u in kept if not self.settled(s, u)]
        self.suggestions = [s for s, _ in kept]
        self._sugg_units = [u for _, u in kept]
        self._sugg_by_unit: dict[int, list[Shown]] = {}
        for s, u in kept:
            self._sugg_by_unit.setdefault(u, []).append(s)

    def settled(self, suggestion: Shown, unit: int) -> bool:
        """Whether a suggestion is no longer worth showing: the coder decided it, or
        already has its code on that unit."""
        key = (suggestion.doc, suggestion.start, suggestion.end, suggestion.code)
        return key in self._decided or suggestion.code in self.mine_by_unit[unit]

    def refresh(self) -> None:
        """Re-read the logs (after a decision, or to see another coder's new work)."""
        self._replay(self.doc.id)
        self._derive()
        self.pick = min(self.pick, max(len(self.suggestions_here()) - 1, 0))

    def applied_here(self) -> list[tuple[str, int]]:
        """``(code, count)`` of this coder's codings in this document, codebook order."""
        counts = Counter(c.code for c in self.mine)
        return sorted(counts.items(), key=lambda kv: (self.rank.get(kv[0], len(self.rank)), kv[0]))

    def codings_on(self, start: int, end: int) -> list[Any]:
        return sorted((c for c in self.mine if c.overlaps(start, end)),
                      key=lambda c: (c.start, self.rank.get(c.code, 0), c.end))

    def differs(self, i: int) -> bool:
        return bool(self.compare) and self.mine_by_unit[i] != self.theirs_by_unit[i]

    # ------------------------------------------------------------ position

    @property
    def unit(self) -> Span:
        return self.units[self.index]

    def unit_of(self, offset: int) -> int:
        """Index of the unit containing (or else following) ``offset``."""
        ends = [b for _, b in self.units]
        return min(bisect.bisect_right(ends, offset), len(self.units) - 1)

    def turn_of(self, i: int) -> Any | None:
        """The turn the unit ``i`` is in, if the document has turns."""
        j = bisect.bisect_right(self._turn_starts, self.units[i][0]) - 1
        return self.turns[j] if j >= 0 and self.units[i][0] < self.turns[j].end else None

    def starts_turn(self, i: int) -> bool:
        turn = self.turn_of(i)
        return turn is not None and (i == 0 or self.turn_of(i - 1) is not turn)

    def _save(self) -> None:
        self.positions.set(self.position_key, Position(self.doc.id, self.kind, self.index + 1))

    def goto(self, index: int) -> bool:
        index = min(max(index, 0), len(self.units) - 1)
        moved = index != self.index
        self.index = index
        self.pick = 0
        self.reset_selection()
        if moved:
            self._save()
        return moved

    def move(self, step: int) -> str:
        return "" if self.goto(self.index + step) else ("last unit" if step > 0 else "first unit")

    def edge(self, step: int) -> str:
        self.goto(len(self.units) - 1 if step > 0 else 0)
        return ""

    def turn(self, step: int) -> str:
        """Move to the first unit of the next or previous speaker turn."""
        if not self.turns:
            return self.move(step)
        here = bisect.bisect_right(self._turn_starts, self.unit[0]) - 1
        target = here + step if step > 0 or self.turn_of(self.index) is None \
            or self.starts_turn(self.index) else here
        if not 0 <= target < len(self.turns):
            return "no next turn" if step > 0 else "no previous turn"
        self.goto(self.unit_of(self.turns[target].start))
        return ""

    def _seek(self, step: int, wanted: Callable[[int], bool], what: str) -> str:
        i = self.index + step
        while 0 <= i < len(self.units):
            if wanted(i):
                self.goto(i)
                return ""
            i += step
        return f"no {what} {'after' if step > 0 else 'before'} this unit"

    def uncoded(self, step: int) -> str:
        """The next (previous) unit without a coding of this coder's, on into the next
        (previous) documents when this one has none left."""
        said = self._seek(step, lambda i: not self.mine_by_unit[i], "uncoded unit")
        return self.uncoded_elsewhere(step) if said else ""

    def disagreement(self, step: int) -> str:
        if not self.compare:
            return "no coder to compare with: open the view with --compare NAME"
        return self._seek(step, self.differs, f"disagreement with {self.compare}")

    # ------------------------------------------------------------ selection

    def reset_selection(self) -> str:
        self.selection = self.unit
        return ""

    def grow(self, edge: str, unit: str, step: int) -> str:
        """Move one edge of the selection by a word or a sentence; words of a speaker
        label or a heading (outside every sentence) are stepped over."""
        before = span = self.selection
        for _ in range(12):
            span = sel.adjust(self.doc.text, self.sentences, span, edge, unit, step)
            if self._in_text(span[1] - 1 if edge == "end" else span[0]):
                break
        else:
            span = before
        self.selection = span
        return "" if span != before else "the selection cannot change that way"

    def _in_text(self, offset: int) -> bool:
        if not self.sentences:
            return True
        i = bisect.bisect_right(self._sentence_starts, offset) - 1
        return i >= 0 and offset < self.sentences[i][1]

    def select(self, start: int, end: int) -> str:
        """Select ``start:end`` (and move to the unit where it starts)."""
        if not 0 <= start < end <= len(self.doc.text):
            raise SpanError(f"Span {start}:{end} is outside {self.doc.id!r} "
                            f"(0:{len(self.doc.text)}).")
        self.goto(self.unit_of(start))
        self.selection = (start, end)
        return ""

    # ------------------------------------------------------------ decisions

    def _done(self, outcome: Any, said: str) -> str:
        self.refresh()
        notes = [*outcome.warnings, *outcome.notes]
        return "; ".join(notes) if not outcome.events and notes else \
            "; ".join([said, *outcome.warnings])

    def code_by(self, text: str) -> Any:
        return resolve(text, self.codes)

    def apply(self, code: str) -> str:
        """Apply ``code`` (an id, label, number or fuzzy name) to the selection."""
        chosen = self.code_by(code)
        start, end = self.selection
        out = writes.apply_code(self.project, self.coder, self.doc, self.codebook, chosen.id,
                                start, end, clock=self.clock)
        self.last_code = chosen.id
        event = out.events[0] if out.events else None
        said = f"applied {chosen.id} to {start}:{end}" + (f" ({self.coder}:{event.seq})"
                                                         if event else "")
        return self._done(out, said)

    def repeat(self) -> str:
        if not self.last_code:
            return "no code applied yet in this session"
        return self.apply(self.last_code)

    def removable(self) -> list[Any]:
        return self.codings_on(*self.selection)

    def remove(self, coding: Coding) -> str:
        out = writes.remove_coding(self.project, self.coder, self.doc, self.codebook, coding,
                                   clock=self.clock)
        return self._done(out, f"removed {coding.code} on {coding.span} ({coding.id})")

    def memo(self, text: str, target: str = "unit", coding: Coding | None = None) -> str:
        """A memo on the selection (``unit``), the ``document`` or a ``coding``."""
        span = self.selection if target == "unit" else None
        out = writes.memo(self.project, self.coder, self.doc, self.codebook, text, span=span,
                          coding=coding if target == "coding" else None, clock=self.clock)
        where = {"unit": f"{span[0]}:{span[1]}" if span else "", "document": self.doc.id,
                 "coding": coding.id if coding is not None else ""}[target]
        return self._done(out, f"memo on {target} {where}".strip())

    def undo(self) -> str:
        out = writes.undo(self.project, self.coder, clock=self.clock)
        return self._done(out, "; ".join(out.notes) or "undone")

    # ------------------------------------------------------------ suggestions

    def set_suggestions(self, found: Sequence[Shown]) -> None:
        """Suggestions for this document (others are ignored), best first per unit."""
        mine = [s for s in found if s.doc == self.doc.id]
        mine.sort(key=lambda s: (s.start, -(s.score or 0), self.rank.get(s.code, 0)))
        self.suggestions = mine
        self.suggestions_loaded = True
        self._derive()

    def suggestions_at(self, i: int) -> list[Shown]:
        return list(self._sugg_by_unit.get(i, ()))

    def suggestions_here(self) -> list[Shown]:
        return self.suggestions_at(self.index)

    def shown_suggestion(self) -> Shown | None:
        here = self.suggestions_here()
        return here[min(self.pick, len(here) - 1)] if here else None

    def suggestion(self, step: int) -> str:
        """Next suggestion: the next one in this unit first, then the next unit's."""
        here = len(self.suggestions_here())
        if 0 <= self.pick + step < here:
            self.pick += step
            return ""
        units = sorted(set(self._sugg_units))
        i = (bisect.bisect_right(units, self.index) if step > 0
             else bisect.bisect_left(units, self.index) - 1)
        if not 0 <= i < len(units):
            if not self.suggestions_loaded:
                return "suggestions are still loading"
            return f"no suggestion {'after' if step > 0 else 'before'} this unit"
        self.goto(units[i])
        self.pick = 0 if step > 0 else len(self.suggestions_here()) - 1
        return ""

    can_reject = True  # a migration review has no reject: a choice is taken or another shown

    def _decide(self, accept: bool, memo: str | None = None, chosen: Shown | None = None) -> str:

        s = chosen or self.shown_suggestion()
        if s is None:
            return ("suggestions are still loading" if self.suggestions_wanted
                    and not self.suggestions_loaded else "no suggestion on this unit")
        out = decide(self.project, self.coder, s, accept=accept, memo=memo, clock=self.clock)
        verb = "accepted" if accept else "rejected"
        return self._done(out, f"{verb} {s.code} on {s.start}:{s.end} ({s.source})")

    def accept(self) -> str:
        return self._decide(True)

    def reject(self, memo: str | None = None, suggestion: Shown | None = None) -> str:
        """Reject ``suggestion`` (default: the one shown), with an optional memo."""
        return self._decide(False, memo, suggestion)
