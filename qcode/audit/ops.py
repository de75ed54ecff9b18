"""The audit log as a project sees it: append, seal and verify by log name."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from .githistory import check_history
from .line import Event
from .log import PROJECT_LOG, append, log_names, read_head
from .verify import VerifyReport, verify


@dataclass(frozen=True, slots=True)
class Written:
    """What an append put on disk, and warnings for the person (crash residue recovered)."""

    events: tuple[Event, ...]
    warnings: tuple[str, ...] = ()


def append_events(project, name: str, batch: list[dict[str, Any]], *,
                  clock: Callable[[], str] | None = None) -> Written:
    """Append ``batch`` to ``audit/<name>.log`` in one locked, fsynced write."""
    events, warnings = append(project.log_path(name), project.id, batch, clock=clock)
    return Written(events, warnings)


def heads(project, *, skip: Iterable[str] = ()) -> dict[str, dict[str, Any]]:
    """``{log: {"seq": n, "hash": h}}`` for every non-empty log except ``skip``."""
    skipped = set(skip)
    found = {}
    for name in log_names(project.audit_dir):
        if name not in skipped:
            head = read_head(project.log_path(name), project.id)
            if head.seq:
                found[name] = {"seq": head.seq, "hash": head.hash}
    return found


def seal(project, actor: str, *, clock: Callable[[], str] | None = None) -> Written:
    """Append to ``actor``'s own log the current seq and hash of every other log."""
    data = {"logs": heads(project, skip=[actor])}
    return append_events(project, actor, [{"actor": actor, "action": "seal", "data": data}],
                         clock=clock)


def verify_project(project, names: Iterable[str] | None = None, *,
                   git: bool = False) -> VerifyReport:
    """Verify the chosen logs (default all) against the chain, the seals and, with
    ``git``, every committed version of them."""
    report = verify(project.audit_dir, project.id, names)
    if not git:
        return report

    chosen = {log.name for log in report.logs} | {p.log for p in report.problems}
    extra = [p for p in check_history(project.audit_dir) if names is None or p.log in chosen]
    problems = tuple(sorted((*report.problems, *extra), key=lambda p: (p.log, p.line or 0)))
    return replace(report, problems=problems)


__all__ = ["PROJECT_LOG", "Written", "append_events", "heads", "seal", "verify_project"]
