"""The coding commands as library functions: apply, remove, memo, undo.

Each one checks its input completely (coder, code, document, selection) before
it takes the coder's log, and writes all its events in one locked append, or
nothing. Who is coding comes from :func:`qcode.project.resolve_coder`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..audit.log import locked_log
from ..codebook import load_codebook
from ..codings import Coding, replay, voided_seqs
from ..corpus import load_document
from ..errors import AuditError, InputError, QcodeError, SpanError, UnknownCodeError
from ..project import resolve_coder
from .plan import Outcome, Plan, coder_warnings, event_fields
from .select import select_span

if TYPE_CHECKING:
    from ..codebook import Codebook
    from ..project import Project

UNDOABLE = ("apply", "remove", "memo", "accept", "reject")
Clock = Callable[[], str] | None


def _who(project: Project, coder: str | None) -> tuple[str, tuple[str, ...]]:
    name = resolve_coder(coder)
    return name, coder_warnings(project, name)


def active_code(codebook: Codebook, code: str) -> str:
    """The id of an active code (did-you-mean for an unknown one; retired refused)."""
    found = codebook.require(code)
    if found.retired:
        raise UnknownCodeError(f"Code {found.id!r} is retired in {Path(codebook.source).name}; apply one "
                               "of the codes in force (see `qcode codebook show`).")
    return found.id


def apply(project: Project, doc: str, code: str, *, span: str | None = None,
          quote: str | None = None, unit: str | None = None, memo: str | None = None,
          coder: str | None = None, source: str = "manual", clock: Clock = None) -> Outcome:
    """Code a span of ``doc`` with ``code``; writes nothing if the coder already has it."""
    name, warnings = _who(project, coder)
    codebook = load_codebook(project.codebook_path)
    code_id = active_code(codebook, code)
    document = load_document(project, doc)
    start, end = select_span(document, span=span, quote=quote, unit=unit,
                             default_kind=project.settings.unit)
    with locked_log(project.log_path(name), project.id, clock=clock) as log:
        plan = Plan(name, log, project)
        plan.apply(document, start, end, code_id, codebook.version, source=source,
                   memo=memo or None)
        events = plan.commit()
        return Outcome(name, events, warnings + tuple(log.warnings), tuple(plan.notes))


def remove(project: Project, doc: str, code: str, *, span: str | None = None,
           quote: str | None = None, unit: str | None = None, overlapping: bool = False,
           coder: str | None = None, clock: Clock = None) -> Outcome:
    """Remove this coder's codings of ``code`` on exactly the selection (or, with
    ``overlapping``, every one that overlaps it)."""
    name, warnings = _who(project, coder)
    codebook = load_codebook(project.codebook_path)
    document = load_document(project, doc)
    start, end = select_span(document, span=span, quote=quote, unit=unit,
                             default_kind=project.settings.unit)
    with locked_log(project.log_path(name), project.id, clock=clock) as log:
        plan = Plan(name, log, project)
        mine = [c for c in plan.live.values() if c.doc == document.id and c.code == code]
        chosen = [c for c in mine if (c.overlaps(start, end) if overlapping
                                      else (c.start, c.end) == (start, end))]
        if not chosen:
            _nothing_to_remove(name, document.id, code, start, end, mine, codebook)
        for coding in sorted(chosen, key=lambda c: (c.start, c.end, c.id)):
            plan.remove(coding, document, codebook.version)
        return Outcome(name, plan.commit(), warnings + tuple(log.warnings))


def _nothing_to_remove(coder: str, doc: str, code: str, start: int, end: int,
                       mine: list[Coding], codebook: Codebook) -> None:
    if not mine and code not in codebook.ids:
        codebook.require(code)  # raises with a did-you-mean
    there = ", ".join(c.span for c in sorted(mine, key=lambda c: (c.start, c.end))[:8])
    hint = (f"; {coder}'s codings of {code!r} in {doc!r}: {there} (pass that span, or "
            "--overlapping)" if there else f"; {coder} has no coding of {code!r} in {doc!r}")
    raise SpanError(f"{coder} has no coding of {code!r} at {start}:{end} in {doc!r}{hint}.")


def remove_coding(project: Project, coding_id: str, *, coder: str | None = None,
                  clock: Clock = None) -> Outcome:
    """Remove one of this coder's codings by its id (``anna:42``)."""
    name, warnings = _who(project, coder)
    owner = coding_id.rpartition(":")[0]
    if owner != name:
        raise SpanError(f"Coding {coding_id!r} is {owner or 'nobody'}'s, and only its coder "
                        f"removes it; you are coding as {name!r}.")
    codebook_version = _codebook_version(project)
    with locked_log(project.log_path(name), project.id, clock=clock) as log:
        plan = Plan(name, log, project)
        coding = plan.live.get(coding_id)
        if coding is None:
            raise SpanError(f"No live coding {coding_id!r} (it never existed, was removed or "
                            f"undone); see `qcode codings --coder {name}`.")
        plan.remove(coding, _document_or_none(project, coding.doc), codebook_version)
        return Outcome(name, plan.commit(), warnings + tuple(log.warnings))


def _codebook_version(project: Project) -> int | str | None:
    try:
        return load_codebook(project.codebook_path).version
    except QcodeError:  # removing must not depend on a codebook that currently loads
        return None


def _document_or_none(project: Project, doc_id: str) -> Any:
    try:
        return load_document(project, doc_id)
    except InputError:
        return None


def memo(project: Project, text: str, *, doc: str | None = None, code: str | None = None,
         coding: str | None = None, coder: str | None = None, clock: Clock = None) -> Outcome:
    """A memo on a document, a code or a coding (exactly one of them)."""
    name, warnings = _who(project, coder)
    if not text or not text.strip():
        raise SpanError("The memo is empty; write its text after the target.")
    targets = [t for t, v in (("a document", doc), ("--code", code), ("--coding", coding)) if v]
    if len(targets) != 1:
        raise SpanError("A memo is on exactly one thing: a document (DOC), a code (--code) or a "
                        f"coding (--coding anna:42); got {', '.join(targets) or 'none'}.")
    fields = _memo_target(project, doc=doc, code=code, coding=coding)
    fields.update(actor=name, action="memo", memo=text)
    with locked_log(project.log_path(name), project.id, clock=clock) as log:
        return Outcome(name, log.append([fields]), warnings + tuple(log.warnings))


def _memo_target(project: Project, *, doc: str | None, code: str | None,
                 coding: str | None) -> dict[str, Any]:
    if doc:
        document = load_document(project, doc)
        return {"doc": document.id, "docv": document.version}
    if code:
        codebook = load_codebook(project.codebook_path)
        return {"code": codebook.require(code).id, "codebook": codebook.version}
    found = replay(project).get(coding or "")
    if found is None:
        raise SpanError(f"No live coding {coding!r}; see `qcode codings` for coding ids.")
    document = _document_or_none(project, found.doc)
    if document is not None:
        return event_fields("", "memo", document, found.start, found.end, found.code,
                            _codebook_version(project), ref=found.id)
    return {"doc": found.doc, "span": found.span, "code": found.code, "ref": found.id}


def undo(project: Project, *, coder: str | None = None, steps: int = 1,
         clock: Clock = None) -> Outcome:
    """Void this coder's last ``steps`` events that are not voids and not already
    voided, in one append; fewer than ``steps`` to undo writes nothing."""
    name, warnings = _who(project, coder)
    if steps < 1:
        raise AuditError(f"--steps {steps}: undo at least one step.")
    with locked_log(project.log_path(name), project.id, clock=clock) as log:
        voided, _, _ = voided_seqs(log.path, lock=False)
        targets = [e for e in reversed(log.read_events())
                   if e.action in UNDOABLE and e.seq not in voided][:steps]
        if not targets:
            raise AuditError(f"Nothing to undo in audit/{name}.log.")
        if len(targets) < steps:
            raise AuditError(f"audit/{name}.log has {len(targets)} decision(s) to undo, not "
                             f"{steps}; nothing was written. Use --steps {len(targets)}.")
        batch = []
        for target in targets:
            fields = {k: getattr(target, k) for k in ("doc", "docv", "span", "code", "codebook",
                                                        "quote", "fp")}
            fields.update(actor=name, action="void", ref=f"{name}:{target.seq}",
                          data={"undid": target.action})
            batch.append(fields)
        events = log.append(batch)
        notes = tuple(f"voided {name}:{t.seq} ({_describe(t)})" for t in targets)
        return Outcome(name, events, warnings + tuple(log.warnings), notes)


def _describe(event: Any) -> str:
    parts = [event.action, event.code, event.doc, event.span]
    return " ".join(str(p) for p in parts if p)
