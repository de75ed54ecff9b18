"""``qcode review``: the coding view on the coder's suggestion queue only.

Moving (a unit, a suggestion, a document) steps from one queued suggestion to
the next across documents; accepting or rejecting one takes it out of the queue
and moves on. Every other key works as in the coding view.
"""

from __future__ import annotations

from typing import Any

from ..errors import InputError
from .session import Session, Shown


class ReviewSession(Session):
    """A :class:`Session` whose stops are the queued suggestions."""

    POSITION_SUFFIX = " review"

    def __init__(self, project: Any, coder: str, *, clock: Any = None,
                 kind: str | None = None) -> None:
        from ..codings import replay
        from ..project import check_coder_name
        from .suggestions import queued

        name = check_coder_name(coder)
        decided = {(d.doc, d.start, d.end, d.code) for d in replay(project).decisions
                   if d.coder == name}
        self.queue = [s for s in queued(project, name)
                      if (s.doc, s.start, s.end, s.code) not in decided]
        if not self.queue:
            raise InputError(f"No suggestions are queued for {name}; run `qcode suggest "
                             f"--coder {name}` first, then `qcode review --coder {name}`.")
        self.at = 0
        super().__init__(project, name, doc=self.queue[0].doc, kind=kind, suggest=False,
                         clock=clock)
        self._go(0)

    # the queue -------------------------------------------------------

    def open(self, doc_id: str) -> None:
        super().open(doc_id)
        self.set_suggestions([s for s in self.queue if s.doc == doc_id
                              and s.raw.docv == self.doc.version])

    def _go(self, at: int) -> str:
        """Show queued suggestion number ``at`` (0-based)."""
        if not self.queue:
            return "the queue is empty: every suggestion is decided"
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
        return f"review {self.at + 1}/{len(self.queue)}" if self.queue else "review: done"

    def move(self, step: int) -> str:
        if not 0 <= self.at + step < len(self.queue):
            return "last suggestion in the queue" if step > 0 else "first suggestion"
        return self._go(self.at + step)

    def suggestion(self, step: int) -> str:
        return self.move(step)

    def edge(self, step: int) -> str:
        return self._go(len(self.queue) - 1 if step > 0 else 0)

    def document(self, step: int) -> str:
        docs = list(dict.fromkeys(s.doc for s in self.queue))
        here = docs.index(self.doc.id) if self.doc.id in docs else -1
        target = here + step
        if not 0 <= target < len(docs):
            return "no next document in the queue" if step > 0 else "no previous document"
        first = next(i for i, s in enumerate(self.queue) if s.doc == docs[target])
        self._go(first)
        return f"opened {self.doc.id}"

    def _decide(self, accept: bool, memo: str | None = None) -> str:
        chosen: Shown | None = self.shown_suggestion()
        said = super()._decide(accept, memo)
        if chosen is not None and chosen in self.queue:
            at = self.queue.index(chosen)
            self.queue.remove(chosen)
            self._go(at if at < len(self.queue) else at - 1)
        return said
