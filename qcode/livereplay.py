"""Replaying the logs again and again, cheaply, for a long-running view.

The terminal view replays the audit logs after every decision. A full replay
reads every line of every log, which grows with the project. :class:`LiveReplay`
gives the same result (tested against :func:`qcode.codings.replay` after every
step of generated sessions) while reading only what changed: a log whose size
and modification time are unchanged is not read again, and a log that only
grew, by whole lines none of which is a void, is folded on from where it
stopped. Anything else (a void, a partial line, a log that shrank or changed
before its old end) is folded again from the start.
"""

from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .audit.line import LineError, parse_object
from .audit.log import log_names
from .codings import Codings, Fold, combine, fold_log

_TAIL = 64  # bytes before the old end that must still be there, unchanged


@dataclass
class _Kept:
    fold: Fold
    inode: int
    size: int
    mtime: int
    tail: bytes


class LiveReplay:
    """The project's codings as :func:`qcode.codings.replay` gives them, kept up to
    date by reading only what each log gained since the last :meth:`replay`."""

    def __init__(self, audit_dir: Path) -> None:
        self.audit_dir = audit_dir
        self._kept: dict[str, _Kept] = {}

    def replay(self) -> Codings:
        names = log_names(self.audit_dir)
        folds = [self._fold(self.audit_dir / f"{name}.log") for name in names]
        for gone in set(self._kept) - set(names):
            del self._kept[gone]
        return combine(folds)

    def _fold(self, path: Path) -> Fold:
        name = path.stem
        try:
            fh = open(path, "rb")
        except FileNotFoundError:
            self._kept.pop(name, None)
            return fold_log(path)
        with fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_SH)  # no append while this log is read
            st = os.fstat(fh.fileno())
            kept = self._kept.get(name)
            if kept is not None and (st.st_ino, st.st_size, st.st_mtime_ns) == (
                    kept.inode, kept.size, kept.mtime):
                return kept.fold
            if kept is not None and self._grow(fh, st, kept):
                return kept.fold
            fold = fold_log(path, lock=False)
            fh.seek(max(st.st_size - _TAIL, 0))
            tail = fh.read()
        if fold.partial or len(tail) != min(st.st_size, _TAIL):
            self._kept.pop(name, None)  # read it all again next time
        else:
            self._kept[name] = _Kept(fold, st.st_ino, st.st_size, st.st_mtime_ns, tail)
        return fold

    def _grow(self, fh: Any, st: os.stat_result, kept: _Kept) -> bool:
        """Fold the lines appended since ``kept``; False (nothing changed) when the
        log did anything but grow by whole lines without a void."""
        if st.st_ino != kept.inode or st.st_size <= kept.size:
            return False
        start = kept.size - len(kept.tail)
        fh.seek(start)
        data = fh.read(st.st_size - start)
        if not data.startswith(kept.tail) or data[-1:] != b"\n":
            return False
        new = data[len(kept.tail):]
        if b'"action":"void"' in new:
            return False
        try:
            events = [parse_object(raw, strict=False) for raw in new[:-1].split(b"\n")]
        except (LineError, UnicodeDecodeError):
            return False
        fold = kept.fold
        for event in events:
            fold.lines += 1
            if event.get("seq") not in fold.voided:
                fold.feed(fold.lines, event)
        kept.size, kept.mtime = st.st_size, st.st_mtime_ns
        kept.tail = data[-_TAIL:]
        return True
