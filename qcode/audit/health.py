"""Which logs are broken, and at which line: the one check every reader and writer uses.

:func:`log_health` is what a command asks before it trusts a log. Today it names
a log whose hash chain breaks (an edited, deleted, inserted or reordered line, or
a line that is not an audit line at all); other reasons a log's tail is not
supported (an unsigned tail, say) belong here too, as further :class:`BrokenLog`
kinds. Readers say so (:func:`note_broken`), appends refuse, ``--strict`` refuses.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..errors import AuditError
from ..fileio import atomic_write
from ..notices import note
from ..workers import cpus
from .erasure import converted_lines, records
from .log import bytes_hasher, display, found_whole, log_names, read_tail
from .signing import signing_for, tail_unsigned
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


@dataclass(frozen=True, slots=True)
class Hashed:
    """A log's digest (:func:`~qcode.audit.log.bytes_hasher`) as the health check read
    it, with the size and modification time it had then: a reader that finds the same
    may use the digest instead of hashing the log again."""

    size: int
    mtime_ns: int
    digest: bytes


_CHECKED: dict[str, BrokenLog | None] = {}  # digest of a log's bytes -> what it showed
_THREADED_BYTES = 32 << 20  # logs this large in all are hashed on threads


def log_health(audit_dir: Path, project_id: str, hashed: dict[str, Hashed] | None = None
               ) -> tuple[BrokenLog, ...]:
    """Every broken log of ``audit_dir``, in log-name order (empty when all hold).

    A log's bytes are hashed (hundreds of times cheaper than checking its chain) and
    a log whose bytes were checked before, in this process or by an earlier command
    (``.qcode/health.json``, a cache), is not checked again. ``hashed``, if given, gets
    each log's digest (:class:`Hashed`)."""
    cache_path = audit_dir.parent / ".qcode" / "health.json"
    if not _CHECKED:
        _CHECKED.update(_read_cache(cache_path))
    out, grown = [], False
    converted = converted_lines(records(audit_dir))  # format-1 lines a redaction rewrote
    names = log_names(audit_dir)
    paths = [audit_dir / f"{name}.log" for name in names]
    for name, path, (size, mtime_ns, bytes_digest) in zip(names, paths, _hash_all(paths), strict=True):
        conv = converted.get(name)
        if hashed is not None and mtime_ns is not None:
            hashed[name] = Hashed(size, mtime_ns, bytes_digest)
        digest = f"{project_id}:{name}:b3:{bytes_digest.hex()}"
        if conv:
            digest += ":" + hashlib.sha256(json.dumps(sorted(conv.items())).encode()).hexdigest()
        if digest not in _CHECKED:
            # a log that an append found whole, up to its last byte, needs no check again
            whole = not conv and mtime_ns is not None and found_whole(path, size, bytes_digest)
            _CHECKED[digest], grown = None if whole else _check(path, project_id, conv), True
        found = _CHECKED[digest] or _unsigned_tail(audit_dir, path)
        if found is not None:
            out.append(found)
    if grown:
        _write_cache(cache_path)
    return tuple(out)


def log_digests(audit_dir: Path) -> dict[str, Hashed]:
    """Every log's :class:`Hashed` digest, as :func:`log_health` makes them, without the
    health check (for a reader that checks nothing, such as the coding view)."""
    names = log_names(audit_dir)
    found = _hash_all([audit_dir / f"{name}.log" for name in names])
    return {name: Hashed(size, mtime_ns, digest)
            for name, (size, mtime_ns, digest) in zip(names, found, strict=True)
            if mtime_ns is not None}


def _hash_all(paths: list[Path]) -> list[tuple[int, int | None, bytes]]:
    """:func:`_digest` of every log, on threads when they are large (the hasher lets go
    of the interpreter lock while it hashes, so the logs of a big project are hashed on
    every CPU)."""
    total = sum(p.stat().st_size for p in paths if p.exists())
    if total < _THREADED_BYTES or len(paths) < 2:
        return [_digest(p) for p in paths]
    with ThreadPoolExecutor(min(len(paths), cpus(), 8)) as pool:
        return list(pool.map(_digest, paths))


_READ = 1 << 20  # bytes hashed at a time


def _digest(path: Path) -> tuple[int, int | None, bytes]:
    """``(size, modification time, digest)`` of a file, read a megabyte at a time into
    one buffer (a memory map made every page of a hashed log count towards the
    process's memory: 26 MB more for a million-line project); the time is None when
    the file changed while it was hashed."""
    hasher, size = bytes_hasher(), 0
    buffer = bytearray(_READ)
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as fh:
        before = os.fstat(fh.fileno())
        while n := fh.readinto(buffer):
            hasher.update(view[:n])
            size += n
        after = os.fstat(fh.fileno())
    same = (after.st_size, after.st_mtime_ns) == (size, before.st_mtime_ns)
    return size, before.st_mtime_ns if same else None, hasher.digest()


def _unsigned_tail(audit_dir: Path, path: Path) -> BrokenLog | None:
    """A log whose owner signs (or must) but whose last lines no signature of hers
    follows: a crash before the signature, or lines someone else slipped in."""
    found = tail_unsigned(audit_dir, path.stem, read_tail(path),
                          signing_for(audit_dir, "").require)
    if found is None:
        return None
    owner, last = found
    return BrokenLog(path.stem, last, "an unsigned tail",
                     f"no signature of {owner} follows its last line, so anyone who can write "
                     f"the file could have added it; {owner} signs it (`qcode audit sign "
                     f"--coder {owner}`) or voids it (`qcode audit sign --void --coder {owner}`)")


def _check(path: Path, project_id: str, converted: dict[int, str] | None = None
           ) -> BrokenLog | None:
    problem = check_log(path, project_id, converted=converted).problem
    if problem is None:
        return None
    detail = problem.message.removeprefix(display(path)).lstrip(" :")
    detail = re.sub(r"^line \d+: ", "", detail).rstrip(".")
    return BrokenLog(path.stem, problem.line, "the hash chain is broken", detail)


def _read_cache(path: Path) -> dict[str, BrokenLog | None]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {k: BrokenLog(*v) if v else None for k, v in data.items()}
    except (OSError, ValueError, TypeError, AttributeError):
        return {}  # no cache, or a damaged one: every log is checked


def _write_cache(path: Path) -> None:
    data = {k: [v.log, v.line, v.kind, v.detail] if v else None
            for k, v in list(_CHECKED.items())[-512:]}
    with contextlib.suppress(OSError):
        atomic_write(path, json.dumps(data), durable=False)


def note_broken(audit_dir: Path, project_id: str, hashed: dict[str, Hashed] | None = None
                ) -> tuple[BrokenLog, ...]:
    """:func:`log_health`, with one notice per broken log for the person."""
    found = log_health(audit_dir, project_id, hashed)
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
