"""Accept or reject queued suggestions: ``accept`` / ``reject`` lines in the coder's log.

Each line carries the whole suggestion (document and version, span, code, source
``suggest:<method>``, score, and in ``data`` the unit, reason and matched words),
so replay never needs the queue: an accepted suggestion becomes a coding, a
rejected one is never suggested to that coder again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..audit.log import locked_log
from ..codebook import load_codebook
from ..coding import Outcome, Plan, coder_warnings, event_fields
from ..corpus import load_document
from ..errors import InputError, SpanError
from .base import Suggestion
from .queue import find, read_queue, select, write_queue

if TYPE_CHECKING:
    from ..codebook import Codebook
    from ..corpus import Document
    from ..project import Project


def choose(project: Project, coder: str, ids: Sequence[str] = (), *, every: bool = False,
           code: str | None = None, doc: str | None = None,
           min_score: float | None = None) -> list[Suggestion]:
    """The queued suggestions named by id, or (``every``) all that pass the filters."""
    queue = read_queue(project, coder)
    if ids and every:
        raise InputError("Give suggestion ids or --all (with --code/--min-score), not both.")
    if every:
        if code is not None:
            code = load_codebook(project.codebook_path).require(code).id
        return select(queue, doc=doc, code=code, min_score=min_score)
    if not ids:
        raise InputError("Name the suggestions (ids from `qcode suggestions`), or pass --all.")
    return find(queue, ids, coder)


def decide(project: Project, coder: str, chosen: Sequence[Suggestion], *, accept: bool,
           memo: str | None = None, clock: Any = None) -> Any:
    """Append one accept (or reject) line per suggestion in one locked write, and
    take them out of the queue. Returns the coding library's Outcome."""
    codebook = load_codebook(project.codebook_path)
    documents = {s.doc: load_document(project, s.doc) for s in chosen}
    for s in chosen:
        _check_current(s, documents[s.doc], codebook)
    with locked_log(project.log_path(coder), project.id, clock=clock) as log:
        plan = Plan(coder, log, project)
        for s in chosen:
            extra: dict[str, Any] = {"source": s.source, "score": s.score, "memo": memo or None,
                                     "data": _data(s)}
            if accept:
                plan.apply(documents[s.doc], s.start, s.end, s.code, codebook.version,
                           action="accept", **extra)
            else:
                plan.add(event_fields(coder, "reject", documents[s.doc], s.start, s.end, s.code,
                                      codebook.version, **extra))
        events = plan.commit()
        outcome = Outcome(coder, events, coder_warnings(project, coder) + tuple(log.warnings),
                          tuple(plan.notes))
    gone = {s.id for s in chosen}
    write_queue(project, coder, [s for s in read_queue(project, coder) if s.id not in gone])
    return outcome


def _data(s: Suggestion) -> dict[str, Any]:
    return {"suggestion": s.id, "method": s.method, "unit": s.unit, "reason": s.reason,
            "words": list(s.words), "model": s.model or None}


def _check_current(s: Suggestion, document: Document, codebook: Codebook) -> None:
    if document.version != s.docv:
        raise SpanError(
            f"Document {s.doc!r} changed since suggestion {s.id} was made; run "
            f"`qcode suggest {s.doc} --coder {s.coder}` again. Nothing was written."
        )
    code = codebook.require(s.code)
    if code.retired:
        raise SpanError(f"Code {s.code!r} is retired since suggestion {s.id} was made; run "
                        "`qcode suggest` again. Nothing was written.")
