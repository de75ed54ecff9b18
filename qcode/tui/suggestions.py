"""Suggestions in the coding view, through :mod:`qcode.suggest` (which imports spaCy
inside its functions; the view calls :func:`for_document` in a worker thread after
the first paint).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..suggest import decide as decide_many
from ..suggest import read_queue, suggest

if TYPE_CHECKING:
    from ..corpus import Document
    from ..project import Project

METHODS = ("rules", "model", "both", "off")


@dataclass(frozen=True, slots=True)
class Shown:
    """A suggestion as the view shows it (``raw`` is the suggester's own record)."""

    doc: str
    start: int
    end: int
    code: str
    score: float | None
    reason: str
    source: str
    raw: Any = None


def shown(s: Any) -> Shown:
    return Shown(s.doc, s.start, s.end, s.code, s.score, s.reason, s.source, s)


def queued(project: Project, coder: str, doc: Document | None = None) -> list[Shown]:
    """The coder's queue (for ``doc`` only, at its current version, if given)."""
    return [shown(s) for s in read_queue(project, coder)
            if doc is None or (s.doc == doc.id and s.docv == doc.version)]


def for_document(project: Project, coder: str, doc: Document, method: str = "rules"
                 ) -> tuple[list[Shown], str]:
    """Suggestions for ``doc``: the coder's queue when it holds some for this version
    of the document (whatever methods made them), else a fresh run of ``method``
    over this one document (which also files them in the queue)."""
    found = queued(project, coder, doc)
    if found or method == "off":
        return found, ""

    result = suggest(project, coder, docs=[doc.id], method=method)
    return [shown(s) for s in result.suggestions], "; ".join(result.notes)


def decide(project: Project, coder: str, suggestion: Shown, *, accept: bool,
           memo: str | None = None, clock: Any = None) -> Any:
    """One accept or reject line for ``suggestion`` (qcode.suggest.decide)."""
    return decide_many(project, coder, [suggestion.raw], accept=accept, memo=memo, clock=clock)
