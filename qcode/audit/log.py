"""Reading and appending audit logs: advisory locks, whole lines, fsync, crash residue.

A writer takes an exclusive ``fcntl.flock`` on the log, moves a partial last line
(left by a crash mid-write) to ``audit/<name>.log.partial``, appends whole lines in
one ``write``, flushes and fsyncs, and only then releases the lock and returns.
Readers take a shared lock, so they never see a line being written.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import AuditError
from .line import (
    Event,
    LineError,
    chain_hash,
    genesis,
    now_iso,
    parse_line,
    seal_line,
    split_hash,
)
from .signing import Signing, sign_fields, signing_for

if TYPE_CHECKING:
    from .keys import Signer

PROJECT_LOG = "project"
_TAIL_CHUNK = 1 << 16
AUTO = object()  # locked_log's default: the signing rules of the project around the log


@dataclass(frozen=True, slots=True)
class Head:
    """The last whole line of a log: its ``seq`` and ``hash`` (0 and genesis if empty)."""

    seq: int
    hash: str


@dataclass(frozen=True, slots=True)
class LogRead:
    """The events of one log, and the partial last line if a crash left one."""

    name: str
    events: tuple[Event, ...]
    partial: bytes | None = None


def log_names(audit_dir: Path) -> list[str]:
    """Names of the logs in ``audit_dir`` (``anna`` for anna.log), sorted."""
    if not audit_dir.is_dir():
        return []
    return sorted(p.name[:-4] for p in audit_dir.glob("*.log") if p.is_file())


def partial_path(path: Path) -> Path:
    return path.with_name(path.name + ".partial")


def display(path: Path) -> str:
    """``audit/anna.log``: how messages name a log."""
    return f"{path.parent.name}/{path.name}"


# ---------------------------------------------------------------- reading


def iter_lines(path: Path, *, lock: bool = True) -> Iterator[tuple[int, bytes, bool]]:
    """``(line number, bytes without the newline, complete)`` for every line; only the
    last line can be incomplete (no newline: crash residue). Splits on ``\\n`` only.
    Takes a shared lock unless ``lock`` is False (the caller already holds the log)."""
    with open(path, "rb") as fh:
        if lock:
            fcntl.flock(fh.fileno(), fcntl.LOCK_SH)
        for number, raw in enumerate(fh, start=1):
            if raw.endswith(b"\n"):
                yield number, raw[:-1], True
            else:
                yield number, raw, False


def read_log(path: Path) -> LogRead:
    """Every event of a log (parsed, not verified); raises AuditError naming the line
    when one is not an audit line. A partial last line is returned, not parsed."""
    events: list[Event] = []
    partial = None
    if not path.exists():
        return LogRead(path.stem, (), None)
    for number, raw, complete in iter_lines(path):
        if not complete:
            partial = raw
            break
        try:
            events.append(parse_line(raw, strict=False))
        except (LineError, UnicodeDecodeError) as exc:
            raise AuditError(
                f"{display(path)} line {number}: {exc}; run `qcode audit verify` to see "
                "what happened to the log."
            ) from exc
    return LogRead(path.stem, tuple(events), partial)


def _whole_size(fd: int, size: int) -> int:
    """Bytes up to and including the last newline (the whole lines of the file)."""
    pos = size
    while pos > 0:
        step = min(_TAIL_CHUNK, pos)
        pos -= step
        cut = os.pread(fd, step, pos).rfind(b"\n")
        if cut >= 0:
            return pos + cut + 1
    return 0


def _last_line(fd: int, size: int) -> bytes:
    """The last whole line (without its newline) of the first ``size`` bytes, which end
    with a newline; empty if ``size`` is 0."""
    if size == 0:
        return b""
    before = _whole_size(fd, size - 1)
    return os.pread(fd, size - 1 - before, before)


def read_head(path: Path, project_id: str) -> Head:
    """The head of a log without reading all of it (shared lock)."""
    start = genesis(project_id, path.stem)
    if not path.exists():
        return Head(0, start)
    with open(path, "rb") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_SH)
        fd = fh.fileno()
        data = _last_line(fd, _whole_size(fd, os.fstat(fd).st_size))
    return _head_of(data, start, path)


def read_tail(path: Path) -> tuple[bytes | None, bytes | None]:
    """The last two whole lines of a log (shared lock); None where it is shorter."""
    if not path.exists():
        return None, None
    with open(path, "rb") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_SH)
        fd = fh.fileno()
        size = _whole_size(fd, os.fstat(fd).st_size)
        if size == 0:
            return None, None
        before = _whole_size(fd, size - 1)
        last = os.pread(fd, size - 1 - before, before)
        return (_last_line(fd, before) if before else None), last


def read_signed_head(path: Path) -> dict[str, Any] | None:
    """``{"seq", "hash", "sig"}`` of the head the log's last line signs (shared lock),
    or None when the last line is not a ``sign`` line. The signature is not checked."""
    with open(path, "rb") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_SH)
        fd = fh.fileno()
        last = _last_line(fd, _whole_size(fd, os.fstat(fd).st_size))
    if b'"action":"sign"' not in last:
        return None
    try:
        data = parse_line(last, strict=False).data or {}
    except (LineError, UnicodeDecodeError):
        return None
    if type(data.get("seq")) is not int or not isinstance(data.get("sig"), str):
        return None
    return {"seq": data["seq"], "hash": str(data.get("hash")), "sig": data["sig"]}


def _head_of(last: bytes, start: str, path: Path) -> Head:
    if not last:
        return Head(0, start)
    try:
        event = parse_line(last, strict=False)
    except (LineError, UnicodeDecodeError) as exc:
        raise AuditError(
            f"{display(path)}: its last line is not an audit line ({exc}); nothing was "
            "written. Run `qcode audit verify` and restore the log from git."
        ) from exc
    return Head(event.seq, event.hash)


# ---------------------------------------------------------------- writing


class LockedLog:
    """An exclusively locked log, open for appending. Use :func:`locked_log`."""

    def __init__(self, path: Path, fd: int, project_id: str, clock: Callable[[], str],
                 signing: Signing | None = None) -> None:
        self.path = path
        self._project_id = project_id
        start = genesis(project_id, path.stem)
        self._fd = fd
        self._start = start
        self._clock = clock
        self._signing = signing
        self._checked = False
        self.warnings: list[str] = []
        self.signatures: list[Event] = []
        self._recover_partial()
        self.head = _head_of(_last_line(fd, os.fstat(fd).st_size), start, path)

    def _recover_partial(self) -> None:
        size = os.fstat(self._fd).st_size
        keep = _whole_size(self._fd, size)
        if keep == size:
            return
        fragment = os.pread(self._fd, size - keep, keep)
        if self._whole(fragment, _last_line(self._fd, keep)):
            self._write(b"\n")
            self.warnings.append(f"{display(self.path)}: its last line was whole but lacked "
                                 "its newline (an interrupted write); completed it.")
            return
        quarantine = partial_path(self.path)
        with open(quarantine, "ab") as out:
            out.write(fragment + b"\n")
            out.flush()
            os.fsync(out.fileno())
        os.ftruncate(self._fd, keep)
        os.fsync(self._fd)
        self.warnings.append(
            f"{display(self.path)} ended with a partial line ({len(fragment)} bytes, left by "
            f"an interrupted write); moved it to {display(quarantine)}."
        )

    def _whole(self, fragment: bytes, before: bytes) -> bool:
        """Whether ``fragment`` is a canonical line chained to the line ``before`` it."""
        head = _head_of(before, self._start, self.path)
        try:
            event = parse_line(fragment)
            body, stored = split_hash(fragment, head.hash)
        except (LineError, UnicodeDecodeError):
            return False
        return event.seq == head.seq + 1 and chain_hash(head.hash, body) == stored

    def read_events(self) -> tuple[Event, ...]:
        """Every event of this log, read under the lock already held."""
        events = []
        with open(self.path, "rb") as fh:
            for number, raw in enumerate(fh, start=1):
                try:
                    events.append(parse_line(raw.rstrip(b"\n"), strict=False))
                except (LineError, UnicodeDecodeError) as exc:
                    raise AuditError(
                        f"{display(self.path)} line {number}: {exc}; nothing was written. "
                        "Run `qcode audit verify`."
                    ) from exc
        return tuple(events)

    def tail(self) -> tuple[bytes | None, bytes | None]:
        """The last two whole lines (None where the log is shorter)."""
        size = _whole_size(self._fd, os.fstat(self._fd).st_size)
        if size == 0:
            return None, None
        before = _whole_size(self._fd, size - 1)
        last = os.pread(self._fd, size - 1 - before, before)
        return (_last_line(self._fd, before) if before else None), last

    def append(self, batch: list[dict[str, Any]], *, signer: Signer | None = None
               ) -> tuple[Event, ...]:
        """Chain, write, flush and fsync ``batch`` (field dicts without seq/hash; a
        missing ``time`` is now), ended by its writer's ``sign`` line when the project
        asks for one, all in one write. Refused (AuditError) while the head lacks a
        signature it needs. Returns the batch's events; the head moves on."""
        if not batch:
            return ()
        if self._signing is not None:
            if not self._checked:
                self._signing.check_head(self.path.stem, self.tail())
                self._checked = True
            signer = signer or self._signing.signer_for(
                self.path.stem, {str(f.get("actor")) for f in batch})
        events, lines = self._chain(batch, self._clock())
        if signer is not None:
            last = events[-1]
            sign = sign_fields(signer, self._project_id, self.path.stem, last.actor,
                               last.seq, last.hash)
            sign_event, sign_line = self._chain([sign], last.time, last)
            lines += sign_line
            self.signatures.append(sign_event[0])
        self._write(("\n".join(lines) + "\n").encode("utf-8"))
        final = self.signatures[-1] if signer is not None else events[-1]
        self.head = Head(final.seq, final.hash)
        return tuple(events)

    def sign_head(self, signer: Signer, actor: str) -> Event:
        """Append only a ``sign`` line: ``actor``'s signature of the current head (what
        ``qcode audit sign`` does for lines a crash left unsigned)."""
        if self.head.seq == 0:
            raise AuditError(f"{display(self.path)} is empty; there is nothing to sign.")
        sign = sign_fields(signer, self._project_id, self.path.stem, actor, self.head.seq,
                           self.head.hash)
        events, lines = self._chain([sign], self._clock())
        self._write((lines[0] + "\n").encode("utf-8"))
        self.head = Head(events[0].seq, events[0].hash)
        self.signatures.append(events[0])
        return events[0]

    def _chain(self, batch: list[dict[str, Any]], time: str, after: Event | None = None
               ) -> tuple[list[Event], list[str]]:
        head = Head(after.seq, after.hash) if after is not None else self.head
        events: list[Event] = []
        lines = []
        for offset, fields in enumerate(batch, start=1):
            fields = {**fields, "seq": head.seq + offset}
            fields.setdefault("time", time)
            event, line = seal_line(fields, head.hash if offset == 1 else events[-1].hash)
            events.append(event)
            lines.append(line)
        return events, lines

    def _write(self, data: bytes) -> None:
        size = os.fstat(self._fd).st_size
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view):]
            os.fsync(self._fd)
        except OSError as exc:
            os.ftruncate(self._fd, size)
            raise AuditError(f"{display(self.path)}: could not write ({exc}); nothing was "
                             "recorded.") from exc


@contextmanager
def locked_log(
    path: Path, project_id: str, *, clock: Callable[[], str] | None = None,
    signing: Signing | None | object = AUTO,
) -> Iterator[LockedLog]:
    """Open ``path`` for appending under an exclusive lock. A log created here and
    left empty (the caller wrote nothing) is removed again before the lock is released.
    ``signing``: the project's signing rules, read from the project around ``path``
    unless given (None: append unsigned, as a tool working on bare logs does)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rules = signing_for(path.parent, project_id) if signing is AUTO else signing
    fd, created = _open_locked(path)
    try:
        yield LockedLog(path, fd, project_id, clock or now_iso,
                        rules if isinstance(rules, Signing) else None)
    finally:
        if created and os.fstat(fd).st_size == 0:
            path.unlink()
        os.close(fd)


def _open_locked(path: Path) -> tuple[int, bool]:
    """An exclusively locked descriptor of ``path``, and whether the file is new. Retries
    when another writer removed an empty log while this one waited for the lock."""
    while True:
        created = not path.exists()
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            if created:
                _fsync_dir(path.parent)
            return fd, created
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def append(
    path: Path,
    project_id: str,
    batch: list[dict[str, Any]],
    *,
    clock: Callable[[], str] | None = None,
    signing: Signing | None | object = AUTO,
) -> tuple[tuple[Event, ...], tuple[str, ...]]:
    """Append ``batch`` in one locked write: ``(events, warnings)``."""
    with locked_log(path, project_id, clock=clock, signing=signing) as log:
        events = log.append(batch)
        return events, tuple(log.warnings)
