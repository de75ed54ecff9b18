"""Which logs are broken, and at which line: the one check every reader and writer uses.

:func:`log_health` is what a command asks before it trusts a log. Today it names
a log whose hash chain breaks (an edited, deleted, inserted or reordered line, or
a line that is not an audit line at all); other reasons a log's tail is not
supported (an unsigned tail, say) belong here too, as further :class:`BrokenLog`
kinds. Readers say so (:func:`note_broken`), appends refuse, ``--strict`` refuses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import AuditError
from ..notices import note
from .log import display, log_names
from .verify import check_log


@dataclass(frozen=True, slots=True)
class BrokenLog:
    """A log that cannot be trusted from ``line`` on (1-based; None: the whole file)."""

    log: str
    line: int | None
    kind: str
    detail: str

    @property
    def message(self) -> str:
        where = f"audit/{self.log}.log" + (f" line {self.line}" if self.line else "")
        return (f"{where}: {self.kind} ({self.detail}); what it records from there on is "
                "not verified. Run `qcode audit verify`.")


_CHECKED: dict[Path, tuple[tuple[int, int], BrokenLog | None]] = {}


def log_health(audit_dir: Path, project_id: str) -> tuple[BrokenLog, ...]:
    """Every broken log of ``audit_dir``, in log-name order (empty when all hold)."""
    out = []
    for name in log_names(audit_dir):
        broken = _check(audit_dir / f"{name}.log", project_id)
        if broken is not None:
            out.append(broken)
    return tuple(out)


def _check(path: Path, project_id: str) -> BrokenLog | None:
    st = path.stat()
    state = (st.st_size, st.st_mtime_ns)
    known = _CHECKED.get(path)
    if known is not None and known[0] == state:
        return known[1]
    problem = check_log(path, project_id).problem
    broken = None
    if problem is not None:
        detail = problem.message.removeprefix(display(path)).lstrip(" :")
        detail = re.sub(r"^line \d+: ", "", detail).rstrip(".")
        broken = BrokenLog(path.stem, problem.line, "the hash chain is broken", detail)
    _CHECKED[path] = (state, broken)
    return broken


def note_broken(audit_dir: Path, project_id: str) -> tuple[BrokenLog, ...]:
    """:func:`log_health`, with one notice per broken log for the person."""
    found = log_health(audit_dir, project_id)
    for broken in found:
        note(broken.message)
    return found


def require_sound(audit_dir: Path, project_id: str) -> None:
    """Raise (``--strict``) when a log is broken, naming the first."""
    found = log_health(audit_dir, project_id)
    if found:
        more = f" (and {len(found) - 1} more log(s))" if len(found) > 1 else ""
        raise AuditError(f"{found[0].message.removesuffix('.')}{more}; --strict refuses to "
                         "count it.")
