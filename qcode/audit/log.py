"""Reading and appending audit logs: advisory locks, whole lines, fsync, crash residue.

A writer takes an exclusive ``fcntl.flock`` on the log, moves a partial last line
(left by a crash mid-write) to ``audit/<name>.log.partial``, appends whole lines in
one ``write``, flushes and fsyncs, and only then releases the lock and returns.
Readers take a shared lock, so they never see a line being written.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from hashlib import sha256
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import AuditError
from ..fileio import atomic_write
from .line import (
    HASH_SUFFIX_LEN,
    TEXT_KEY,
    Event,
    LineError,
    chain_hash,
    genesis,
    now_iso,
    parse_line,
    parse_object,
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


_HASH_KEY = b',"hash":"'


def verified_line(raw: bytes, prev: str, seq: int, name: str,
                  redacted: list[str] | None = None) -> dict | None:
    """The line's object if it is canonical, in sequence, chained and in its own log.
    (The hot loop of verify: the hash is checked on the raw bytes before parsing; in
    format 2 the chained body ends before the ``text`` key.)"""
    if raw[-HASH_SUFFIX_LEN:9 - HASH_SUFFIX_LEN] != _HASH_KEY or raw[-2:] != b'"}':
        return None
    cut = raw.rfind(TEXT_KEY, 0, len(raw) - HASH_SUFFIX_LEN)
    digest = sha256(prev.encode("ascii"))
    digest.update(raw[:cut] if cut > 0 else raw[:-HASH_SUFFIX_LEN])
    digest.update(b"}")
    if digest.hexdigest().encode("ascii") != raw[-66:-2]:
        if cut <= 0 or not _chains_as_v1(prev, raw):
            return None
    try:
        obj = parse_object(raw, redacted=redacted)
    except (LineError, UnicodeDecodeError):
        return None
    if obj["seq"] != seq or (name != PROJECT_LOG and obj["actor"] != name):
        return None
    return obj


def _chains_as_v1(prev: str, raw: bytes) -> bool:
    """A format-1 line whose ``data`` holds a ``text`` key."""
    return chain_hash(prev, raw[:-HASH_SUFFIX_LEN] + b"}") == raw[-66:-2].decode("ascii")


def first_break(path: Path, project_id: str, *, lock: bool = True,
                start: str | None = None) -> int | None:
    """The number of the first whole line of ``path`` that is not a canonical line
    chained to the one before it, or None when the chain holds to the last whole
    line (a partial last line is crash residue, not a break). ``start`` is the
    log's genesis hash when the caller has it."""
    prev, seq = start or genesis(project_id, path.stem), 0
    if not path.exists():
        return None
    recorded: bytes | None = None  # project.log, where redactions record converted lines
    for number, raw, complete in iter_lines(path, lock=lock):
        if not complete:
            return None
        obj = verified_line(raw, prev, seq + 1, path.stem)
        if obj is None:
            if recorded is None:
                project_log = path.with_name(f"{PROJECT_LOG}.log")
                recorded = project_log.read_bytes() if project_log.exists() else b""
            obj = _recorded_conversion(raw, recorded, seq + 1)
        if obj is None:
            return number
        prev, seq = obj["hash"], number
    return None


def _recorded_conversion(raw: bytes, recorded: bytes, seq: int) -> dict | None:
    """A format-1 line that a redaction rewrote, its bytes' sha256 recorded in
    project.log (``qcode audit verify`` checks the record itself)."""
    if sha256(raw).hexdigest().encode("ascii") not in recorded:
        return None
    try:
        obj = parse_object(raw)
    except (LineError, UnicodeDecodeError):
        return None
    return obj if obj["seq"] == seq else None


def bytes_hasher(data: bytes = b"") -> Any:
    """A hasher of a log's bytes as the caches in ``.qcode/`` record them (the index,
    the health check, what an append found whole): BLAKE3, twice as fast as SHA-256 on
    one CPU and faster again on threads, so the re-hash that every use of a cache makes
    of the logs costs less (docs/DESIGN-notes.md). The lines' own hash chain stays
    SHA-256 (:mod:`qcode.audit.line`)."""
    from blake3 import blake3

    return blake3(data)


@dataclass
class _Sound:
    """How far this process has found a log's chain whole: its first ``size`` bytes
    (their running :func:`bytes_hasher` in ``digest``) end with line ``seq``, whose hash
    is ``prev``."""

    size: int
    digest: Any
    prev: str
    seq: int

    def hexdigest(self) -> str:
        return str(self.digest.hexdigest())


@dataclass(frozen=True)
class _Saved:
    """What an earlier command found whole (``.qcode/sound.json``, a cache): the first
    ``size`` bytes, whose :func:`bytes_hasher` digest is ``digest``, end with line ``seq``
    of hash ``prev``."""

    size: int
    digest: str
    prev: str
    seq: int

    def hexdigest(self) -> str:
        return self.digest


_SOUND: dict[tuple[int, int], _Sound] = {}  # (dev, inode) -> what was found whole
_SOUND_FILE = "sound.json"
_DIGEST_KEY = "blake3"  # an entry under another hash's name is not read: checked again


def _sound_path(log: Path) -> Path:
    return log.parent.parent / ".qcode" / _SOUND_FILE


def _saved_sound(log: Path) -> _Saved | None:
    """What an earlier command found whole in this log (None: nothing, or a damaged
    cache). Trusted only as far as the log's bytes still hash to it."""
    try:
        entry = json.loads(_sound_path(log).read_text(encoding="utf-8"))[log.stem]
        return _Saved(int(entry["size"]), str(entry[_DIGEST_KEY]), str(entry["prev"]),
                      int(entry["seq"]))
    except (OSError, ValueError, TypeError, KeyError):
        return None


def found_whole(log: Path, size: int, digest: bytes) -> bool:
    """Whether an append (this command's or an earlier one's) found ``log`` whole as it
    is now: the saved record covers all ``size`` bytes, whose digest is ``digest``."""
    saved = _saved_sound(log)
    return saved is not None and saved.size == size and saved.digest == digest.hex()


def _save_sound(log: Path, found: _Sound) -> None:
    """Keep how far this log was found whole for the next command (a cache: a lost or
    stale entry only means the chain is checked again)."""
    path = _sound_path(log)
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(saved, dict):
            saved = {}
    except (OSError, ValueError):
        saved = {}
    saved[log.stem] = {"size": found.size, _DIGEST_KEY: found.hexdigest(), "prev": found.prev,
                       "seq": found.seq}
    with contextlib.suppress(OSError):
        path.parent.mkdir(exist_ok=True)
        atomic_write(path, json.dumps(saved), durable=False)


def _break_after(fd: int, path: Path, start: str, known: _Sound | _Saved | None
                 ) -> tuple[int | None, _Sound]:
    """The first line of the whole lines of ``fd`` whose chain breaks (None: none), and
    what is now known whole. Lines already found whole are hashed again, not parsed
    (an edit anywhere in them is still seen), and only lines after them are checked."""
    whole = _whole_size(fd, os.fstat(fd).st_size)
    found = _Sound(0, bytes_hasher(), start, 0)
    if known is not None and whole >= known.size:
        again = bytes_hasher()
        for pos in range(0, known.size, _TAIL_CHUNK * 16):
            again.update(os.pread(fd, min(_TAIL_CHUNK * 16, known.size - pos), pos))
        if again.hexdigest() == known.hexdigest():
            found = _Sound(known.size, again, known.prev, known.seq)
    data = os.pread(fd, whole - found.size, found.size) if whole > found.size else b""
    recorded: bytes | None = None
    for raw in data.split(b"\n")[:-1]:
        obj = verified_line(raw, found.prev, found.seq + 1, path.stem)
        if obj is None:
            if recorded is None:
                project_log = path.with_name(f"{PROJECT_LOG}.log")
                recorded = project_log.read_bytes() if project_log.exists() else b""
            obj = _recorded_conversion(raw, recorded, found.seq + 1)
        if obj is None:
            return found.seq + 1, found
        found.digest.update(raw + b"\n")
        found.size, found.prev, found.seq = found.size + len(raw) + 1, obj["hash"], found.seq + 1
    return None, found


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
        self._found_more = False  # whether sound.json is behind what this process knows
        self.warnings: list[str] = []
        self.signatures: list[Event] = []
        self._recover_partial()
        self._refuse_broken(start)
        self.head = _head_of(_last_line(fd, os.fstat(fd).st_size), start, path)

    def _refuse_broken(self, start: str) -> None:
        """Refuse to extend a log whose chain is broken (what this process found whole
        before is hashed again rather than checked line by line)."""
        st = os.fstat(self._fd)
        key = (st.st_dev, st.st_ino)
        known = _SOUND.get(key) or _saved_sound(self.path)
        line, found = _break_after(self._fd, self.path, start, known)
        if line is not None:
            _SOUND.pop(key, None)
            raise AuditError(
                f"{display(self.path)} line {line}: the hash chain is broken there, so "
                "nothing was written; run `qcode audit verify`, and restore the log from git."
            )
        _SOUND[key] = found
        self._found_more = known is None or found.size > known.size

    def keep_sound(self) -> None:
        """Save how far the log is known whole for the next command, once, as the lock is
        released (the check before an append and the append itself both advance it)."""
        if self._found_more:
            st = os.fstat(self._fd)
            found = _SOUND.get((st.st_dev, st.st_ino))
            if found is not None:
                _save_sound(self.path, found)

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
            st = os.fstat(self._fd)
            known = _SOUND.pop((st.st_dev, st.st_ino), None)
            if known is not None and known.size == size and len(data) > 1:
                last = parse_object(data[:-1].rsplit(b"\n", 1)[-1])  # ours, chained to the head
                known.digest.update(data)
                known.size, known.prev, known.seq = size + len(data), last["hash"], last["seq"]
                _SOUND[(st.st_dev, st.st_ino)] = known
                self._found_more = True
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
        log = LockedLog(path, fd, project_id, clock or now_iso,
                        rules if isinstance(rules, Signing) else None)
        yield log
        log.keep_sound()
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
