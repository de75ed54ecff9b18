"""Codings a migration left for review, and the decisions that settle them.

Pending reviews are not stored anywhere: they are the codings that replay flags
``pending:<step>`` (a split the rules could not call) or ``review:<step>`` (a
redefined code). A decision is a ``route`` line naming the coding (``ref``), the
step (``data.step``) and the code chosen; it goes to the deciding person's own
log, so reviews by several people never touch the same file. The latest decision
for a coding and step wins; voiding it puts the coding back in review.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..audit.line import fingerprint, shorten
from ..audit.log import PROJECT_LOG, read_log
from ..audit.ops import append_events
from ..codebook import load_codebook
from ..codebook.mapping import StepIndex
from ..codings import replay, voided_seqs
from ..corpus import document_exists, load_document
from ..errors import SpanError, UnknownCodeError
from ..project import resolve_coder

if TYPE_CHECKING:
    from ..codings import Coding, Codings
    from ..project import Project

KINDS = {"pending": "split", "review": "redefine"}


@dataclass(frozen=True, slots=True)
class PendingReview:
    """One coding waiting for a decision at one step."""

    coding: Coding
    step: str
    kind: str  # split or redefine
    code: str  # the split or redefined code
    options: tuple[str, ...]  # the split's new codes; for a redefine, the code itself
    reason: str = ""
    version: Any = None  # the version the step leads to

    def record(self) -> dict[str, Any]:
        c = self.coding
        return {"coding": c.id, "coder": c.coder, "doc": c.doc, "span": c.span, "code": self.code,
                "kind": self.kind, "step": self.step, "options": " | ".join(self.options),
                "reason": self.reason}


COLUMNS = ("coding", "coder", "doc", "span", "code", "kind", "step", "options", "reason")


def _reviews(codings: Codings) -> list[PendingReview]:
    index = StepIndex.build(codings.steps)
    steps = {s.id: s for s, _ in index.steps}
    out = []
    for coding in codings:
        for flag in coding.flags:
            prefix, _, step_id = flag.partition(":")
            step = steps.get(step_id) if prefix in KINDS else None
            if step is None:
                continue
            options = step.targets if step.kind == "split" else step.sources
            out.append(PendingReview(coding, step.id, step.kind, step.sources[0], options,
                                     step.reason, step.version))
    return out


def pending_reviews(project: Project, coder: str | None = None, *,
                    coders: list[str] | None = None) -> list[PendingReview]:
    """Codings waiting for a migration decision (of ``coder`` or ``coders``; default
    all), in document order."""
    wanted = set(coders or ()) | ({coder} if coder else set())
    found = [p for p in _reviews(replay(project)) if not wanted or p.coding.coder in wanted]
    found.sort(key=lambda p: (p.coding.doc, p.coding.start, p.coding.end, p.coding.coder, p.step))
    return found


def _choose(project: Project, coding_id: str, step: str | None) -> PendingReview:
    waiting = [p for p in pending_reviews(project) if p.coding.id == coding_id]
    if step is not None:
        waiting = [p for p in waiting if p.step == step]
    if not waiting:
        raise SpanError(f"Coding {coding_id!r} is not waiting for a migration decision"
                        + (f" at step {step}" if step else "")
                        + "; see `qcode recode review` for the codings that are.")
    return waiting[0]


def _check_code(project: Project, pending: PendingReview, code: str) -> str:
    codebook = load_codebook(project.codebook_path)
    found = codebook.require(code)
    if found.retired:
        raise UnknownCodeError(f"Code {found.id!r} is retired in {Path(codebook.source).name}; choose one "
                               f"of {', '.join(pending.options)}.")
    if pending.kind == "split" and found.id not in pending.options:
        raise UnknownCodeError(f"Step {pending.step} splits {pending.code!r} into "
                               f"{', '.join(pending.options)}; {found.id!r} is not one of them.")
    return found.id


def route(project: Project, coding_id: str, code: str, *, actor: str | None = None,
          step: str | None = None, memo: str | None = None,
          clock: Callable[[], str] | None = None) -> Any:
    """Decide a pending coding: the code it takes at its split (one of the new
    codes) or after its code was redefined (the same code confirms it). Appends one
    ``route`` line to the deciding person's own log; returns what was written."""
    who = resolve_coder(actor, flag="--as")
    pending = _choose(project, coding_id, step)
    chosen = _check_code(project, pending, code)
    c = pending.coding
    fields: dict[str, Any] = {
        "actor": who, "action": "route", "doc": c.doc, "docv": c.docv, "span": c.span,
        "code": chosen, "codebook": pending.version, "source": "review",
        "ref": c.id, "memo": memo or None,
        "data": {"step": pending.step, "from": pending.code, "migrate": _step_line(project, pending.step)}}
    if document_exists(project, c.doc):
        document = load_document(project, c.doc)
        if document.version == c.docv:
            text = document.text[c.start:c.end]
            fields.update(quote=shorten(text), fp=fingerprint(text))
    return append_events(project, who, [fields], clock=clock)


def _step_line(project: Any, step: str) -> int | None:
    """The line of project.log that put ``step`` in force (its live migrate line)."""
    path = project.log_path(PROJECT_LOG)
    voided, _, _ = voided_seqs(path)
    return next((e.seq for e in read_log(path).events if e.action == "migrate"
                 and e.seq not in voided and str((e.data or {}).get("id")) == step), None)
