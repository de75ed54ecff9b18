"""``qcode review``: the coding view on a queue only.

Two queues: the coder's suggestions (from ``qcode suggest``), and with
``--migration`` her codings that a codebook migration left waiting for a decision
(a split the rules could not call, or a redefined code). Moving (a unit, a
suggestion, a document) steps from one queued item to the next across documents;
``a`` decides the item shown and moves on. Every other key works as in the coding
view.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..codings import replay
from ..errors import InputError
from ..migrations import pending_reviews, route
from ..project import check_coder_name
from .session import Session
from .suggestions import Shown, queued

if TYPE_CHECKING:
    from ..project import Project


class QueueSession(Session):
    """A :class:`Session` whose stops are the items of a queue (one :class:`Shown`
    each); subclasses say what the queue is and how an item is decided."""

    POSITION_SUFFIX = " review"
    LABEL = "review"

    def __init__(self, project: Project, coder: str, *, clock: Any = None,
                 kind: str | None = None) -> None:
        name = check_coder_name(coder)
        self.queue: list[Shown] = self._load(project, name)
        if not self.queue:
            raise InputError(self._empty(name))
        self.at = 0
        super().__init__(project, name, doc=self.queue[0].doc, kind=kind, suggest=False,
                         clock=clock)
        self._go(0)

    def _load(self, project: Project, coder: str) -> list[Shown]:
        raise NotImplementedError

    def _empty(self, coder: str) -> str:
        raise NotImplementedError

    def _shown(self, doc_id: str) -> list[Shown]:
        """What the view lists for the units of ``doc_id``."""
        return [s for s in self.queue if s.doc == doc_id]

    def open(self, doc_id: str) -> None:
        super().open(doc_id)
        self.set_suggestions(self._shown(doc_id))

    def _go(self, at: int) -> str:
        """Show queued item number ``at`` (0-based)."""
        if not self.queue:
            return "the queue is empty: every item is decided"
        self.at = min(max(at, 0), len(self.queue) - 1)
        stop = self.queue[self.at]
        if stop.doc != self.doc.id:
            self.open(stop.doc)
        Session.goto(self, self.unit_of(stop.start))
        here = self.suggestions_here()
        self.pick = here.index(stop) if stop in here else 0
        return ""

    @property
    def review_label(self) -> str:
        return f"{self.LABEL} {self.at + 1}/{len(self.queue)}" if self.queue \
            else f"{self.LABEL}: done"

    def move(self, step: int) -> str:
        if not 0 <= self.at + step < len(self.queue):
            return "last item in the queue" if step > 0 else "first item in the queue"
        return self._go(self.at + step)

    def edge(self, step: int) -> str:
        return self._go(len(self.queue) - 1 if step > 0 else 0)

    def document(self, step: int) -> str:
        docs = list(dict.fromkeys(s.doc for s in self.queue))
        target = (docs.index(self.doc.id) if self.doc.id in docs else -1) + step
        if not 0 <= target < len(docs):
            return "no next document in the queue" if step > 0 else "no previous document"
        self._go(next(i for i, s in enumerate(self.queue) if s.doc == docs[target]))
        return f"opened {self.doc.id}"


class SuggestionReview(QueueSession):
    """The coder's suggestion queue: ``a`` accepts, ``r`` rejects."""

    def _load(self, project: Project, coder: str) -> list[Shown]:
        decided = {(d.doc, d.start, d.end, d.code) for d in replay(project).decisions
                   if d.coder == coder}
        return [s for s in queued(project, coder) if (s.doc, s.start, s.end, s.code)
                not in decided]

    def _empty(self, coder: str) -> str:
        return (f"No suggestions are queued for {coder}; run `qcode suggest --coder {coder}` "
                f"first, then `qcode review --coder {coder}`.")

    def _shown(self, doc_id: str) -> list[Shown]:
        return [s for s in self.queue if s.doc == doc_id and s.raw.docv == self.doc.version]

    def suggestion(self, step: int) -> str:
        return self.move(step)

    def _decide(self, accept: bool, memo: str | None = None, chosen: Shown | None = None) -> str:
        chosen = chosen or self.shown_suggestion()
        said = super()._decide(accept, memo, chosen)
        if chosen is not None and chosen in self.queue:
            at = self.queue.index(chosen)
            self.queue.remove(chosen)
            self._go(at if at < len(self.queue) else at - 1)
        return said


class MigrationReview(QueueSession):
    """The coder's codings waiting for a migration decision. Each new code of a split
    (or the redefined code itself) is listed like a suggestion: ``s`` shows the next
    choice, ``a`` takes it (one ``route`` line in the coder's own log)."""

    POSITION_SUFFIX = " migration"
    LABEL = "migration review"
    CHOICE = "choice"
    HINT = "a take it · s next choice"

    def _load(self, project: Project, coder: str) -> list[Shown]:
        self.choices: list[Shown] = []
        stops = []
        for p in pending_reviews(project, coder):
            options = [_choice(p, code) for code in p.options]
            self.choices.extend(options)
            stops.append(options[0])
        return stops

    def _empty(self, coder: str) -> str:
        return (f"No codings of {coder} wait for a migration decision; `qcode recode "
                "--review` lists them for every coder.")

    def _shown(self, doc_id: str) -> list[Shown]:
        return [s for s in self.choices if s.doc == doc_id]

    def settled(self, suggestion: Shown, unit: int) -> bool:
        return False  # a choice stays on offer whatever else the unit is coded with

    can_reject = False

    def _decide(self, accept: bool, memo: str | None = None, chosen: Shown | None = None) -> str:
        chosen = chosen or self.shown_suggestion()
        if chosen is None:
            return "no coding here waits for a migration decision"
        if not accept:
            return "a coding waiting after a split takes one of its new codes: s shows the " \
                   "next choice, a takes it"
        pending, code = chosen.raw
        route(self.project, pending.coding.id, code, actor=self.coder, step=pending.step,
              memo=memo, clock=self.clock)
        at = self.at
        self.queue = self._load(self.project, self.coder)
        self.refresh()
        self.set_suggestions(self._shown(self.doc.id))
        self._go(min(at, len(self.queue) - 1))
        return f"routed {pending.coding.id} from {pending.code} to {code} ({pending.step})"


def _choice(pending: Any, code: str) -> Shown:
    c = pending.coding
    what = "split" if pending.kind == "split" else "redefined"
    reason = f"{what} {pending.code} ({pending.step}) — {pending.reason}".rstrip(" —")
    return Shown(c.doc, c.start, c.end, code, None, reason, "review", (pending, code))
