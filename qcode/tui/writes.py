"""The coding view's decisions, each one audit line in the coder's own log.

These use the audit library's building blocks (:func:`qcode.audit.log.locked_log`,
:class:`qcode.coding.plan.Plan`, :func:`qcode.coding.actions.undo`) with the document
and codebook the view has already loaded, so a keystroke does not re-read a
large document. The checks are those of :mod:`qcode.coding.actions`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..audit.log import locked_log
from ..coding.actions import active_code
from ..coding.actions import undo as undo_last
from ..coding.plan import Outcome, Plan, event_fields
from ..codings import Coding
from ..errors import SpanError

if TYPE_CHECKING:
    from ..codebook import Codebook
    from ..corpus import Document
    from ..project import Project

Clock = Callable[[], str] | None


def _check_span(doc: Document, start: int, end: int) -> None:
    if not 0 <= start < end <= len(doc.text):
        raise SpanError(f"Span {start}:{end} is outside document {doc.id!r} "
                        f"(0:{len(doc.text)}).")


def apply_code(project: Project, coder: str, doc: Document, codebook: Codebook, code: str, start: int,
               end: int, *, clock: Clock = None) -> Outcome:
    """Code ``doc.text[start:end]``; nothing is written if the coder already has it."""
    code_id = active_code(codebook, code)
    _check_span(doc, start, end)
    with locked_log(project.log_path(coder), project.id, clock=clock) as log:
        plan = Plan(coder, log, project)
        plan.apply(doc, start, end, code_id, codebook.version, source="manual")
        return Outcome(coder, plan.commit(), tuple(log.warnings), tuple(plan.notes))


def remove_coding(project: Project, coder: str, doc: Document, codebook: Codebook, coding: Coding, *,
                  clock: Clock = None) -> Outcome:
    """Remove one of this coder's live codings."""
    if coding.coder != coder:
        raise SpanError(f"Coding {coding.id} is {coding.coder}'s; only its coder removes it.")
    with locked_log(project.log_path(coder), project.id, clock=clock) as log:
        plan = Plan(coder, log, project)
        live = plan.live.get(coding.id)
        if live is None:
            raise SpanError(f"Coding {coding.id} is no longer live (removed or undone "
                            "elsewhere); the view is refreshed.")
        plan.remove(live, doc, codebook.version)
        return Outcome(coder, plan.commit(), tuple(log.warnings))


def memo(project: Project, coder: str, doc: Document, codebook: Codebook, text: str, *,
         span: tuple[int, int] | None = None, coding: Coding | None = None,
         clock: Clock = None) -> Outcome:
    """A memo on the document, on a span of it (a unit or a selection) or on one of
    this coder's codings."""
    if not text.strip():
        raise SpanError("The memo is empty; type its text first.")
    if coding is not None:
        fields = event_fields(coder, "memo", doc, coding.start, coding.end, coding.code,
                              codebook.version, ref=coding.id, memo=text)
    elif span is not None:
        _check_span(doc, *span)
        fields = event_fields(coder, "memo", doc, span[0], span[1], None, codebook.version,
                              memo=text)
    else:
        fields = {"actor": coder, "action": "memo", "doc": doc.id, "docv": doc.version,
                  "memo": text}
    with locked_log(project.log_path(coder), project.id, clock=clock) as log:
        return Outcome(coder, log.append([fields]), tuple(log.warnings))


def undo(project: Project, coder: str, *, clock: Clock = None) -> Outcome:
    """Void this coder's last decision (the library's ``qcode undo``)."""
    return undo_last(project, coder=coder, clock=clock)
