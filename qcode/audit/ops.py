"""The audit log as a project sees it: append, seal and verify by log name."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any

from ..errors import AuditError
from .githistory import check_history, committed_keys, committed_lines
from .line import Event
from .log import PROJECT_LOG, append, log_names, read_head, read_signed_head, read_tail
from .proof import signature_findings
from .signing import head_signed, signing_for
from .verify import VerifyReport, verify

if TYPE_CHECKING:
    from ..project import Project


@dataclass(frozen=True, slots=True)
class Written:
    """What an append put on disk, and warnings for the person (crash residue recovered)."""

    events: tuple[Event, ...]
    warnings: tuple[str, ...] = ()


def append_events(project: Project, name: str, batch: list[dict[str, Any]], *,
                  clock: Callable[[], str] | None = None) -> Written:
    """Append ``batch`` to ``audit/<name>.log`` in one locked, fsynced write."""
    events, warnings = append(project.log_path(name), project.id, batch, clock=clock)
    return Written(events, warnings)


def heads(project: Project, *, skip: Iterable[str] = ()) -> dict[str, dict[str, Any]]:
    """``{log: {"seq": n, "hash": h}}`` for every non-empty log except ``skip``; for a
    log whose last line is a signature, the head it signs and the signature (``sig``),
    so the seal can prove what it claims."""
    skipped = set(skip)
    found = {}
    for name in log_names(project.audit_dir):
        if name not in skipped:
            head = read_head(project.log_path(name), project.id)
            if head.seq:
                found[name] = read_signed_head(project.log_path(name)) or {
                    "seq": head.seq, "hash": head.hash}
    return found


def seal(project: Project, actor: str, *, clock: Callable[[], str] | None = None) -> Written:
    """Append to ``actor``'s own log the current seq and hash of every other log."""
    data = {"logs": heads(project, skip=[actor])}
    return append_events(project, actor, [{"actor": actor, "action": "seal", "data": data}],
                         clock=clock)


def unsigned_head(project: Project, name: str) -> str | None:
    """Why ``audit/<name>.log`` is broken for appends because its head lacks the
    signature it needs (an unsigned tail, see ``signing``), or None. The same rule that
    refuses an append; for the warnings of analyses and the refusal of writes."""
    rules = signing_for(project.audit_dir, project.id)
    try:
        rules.check_head(name, read_tail(project.log_path(name)))
    except AuditError as exc:
        return exc.message
    return None


def verify_project(project: Project, names: Iterable[str] | None = None, *,
                   git: bool = False) -> VerifyReport:
    """Verify the chosen logs (default all) against the chain, the signatures, the
    seals and, with ``git``, every committed version of them."""
    settings = project.settings
    committed = committed_keys(project.audit_dir)
    judge = partial(signature_findings, audit_dir=project.audit_dir, project_id=project.id,
                    lead=settings.lead, require=settings.require_signatures,
                    committed=committed, git_lines=committed_lines(project.audit_dir)
                    if git else None)
    report = verify(project.audit_dir, project.id, names, signatures=judge)
    if not git:
        return report

    chosen = {log.name for log in report.logs} | {p.log for p in report.problems}
    erased = {c.name: {line for line, _ in c.redacted} for c in report.logs}
    extra = [p for p in check_history(project.audit_dir, erased)
             if names is None or p.log in chosen]
    problems = tuple(sorted((*report.problems, *extra), key=lambda p: (p.log, p.line or 0)))
    return replace(report, problems=problems)


__all__ = ["PROJECT_LOG", "Written", "append_events", "head_signed", "heads", "seal",
           "unsigned_head", "verify_project"]
