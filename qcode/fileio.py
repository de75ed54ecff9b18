"""Writing files whole or not at all: a temporary file beside the target, then a
rename, so a crash leaves the old file or the new one, never a mix. Every write
of qcode's own files (documents, codebooks, caches) goes through here; and
reading a user's text file (YAML, CSV) with one clear error, which needs no YAML.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from .errors import InputError


def atomic_write(path: Path, data: str | bytes, *, durable: bool = True) -> None:
    """Write a file whole or not at all (temp file, rename); ``durable`` fsyncs before
    the rename (caches need not: a damaged entry is detected and rebuilt)."""
    _write_all([(path, data.encode("utf-8") if isinstance(data, str) else data)], durable)


def write_files(files: list[tuple[Path, bytes]]) -> None:
    """Write each file atomically and durably; renamed in order once all are synced
    (one journal commit serves them all, which is cheaper than a sync per file)."""
    _write_all(files, True)


_OPEN_AT_ONCE = 32  # files written before their fsyncs: few enough for any open-file limit
_SYNCFS_FROM = 8  # from this many files, one syncfs(2) instead of an fsync each


def _syncfs(fd: int) -> bool:
    """Flush the whole filesystem holding ``fd`` to disk (Linux ``syncfs``): one flush
    for many new files costs about what one fsync does, where an fsync each costs a
    flush each. False where it is not available or fails (then fsync each file)."""
    global _SYNCFS
    if _SYNCFS is None:
        _SYNCFS = False
        if sys.platform == "linux":
            try:
                import ctypes

                _SYNCFS = ctypes.CDLL(None, use_errno=True).syncfs
            except (OSError, AttributeError):
                pass
    return bool(_SYNCFS) and _SYNCFS(fd) == 0


_SYNCFS: Any = None


def _write_all(files: list[tuple[Path, bytes]], durable: bool) -> None:
    temps: list[tuple[int, str, Path]] = []
    try:
        for start in range(0, len(files), _OPEN_AT_ONCE):
            first = len(temps)
            for path, data in files[start:start + _OPEN_AT_ONCE]:
                path.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
                temps.append((fd, tmp, path))
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
            synced = durable and len(temps) - first >= _SYNCFS_FROM and _syncfs(temps[first][0])
            for i in range(first, len(temps)):
                fd, tmp, path = temps[i]
                if durable and not synced:
                    os.fsync(fd)
                os.close(fd)
                temps[i] = (-1, tmp, path)
        for _, tmp, path in temps:
            _rename(tmp, path)
    except BaseException:
        for fd, tmp, _ in temps:
            if fd >= 0:
                os.close(fd)
            if os.path.exists(tmp):
                os.unlink(tmp)
        raise


def _rename(tmp: str, path: Path) -> None:
    """Put a written temporary file in place: the one step at which each of qcode's
    own files changes (the crash-injection tests stop a command here, at each step)."""
    os.replace(tmp, path)


def write_json(path: Path, data: Any, *, indent: int | None = 1) -> None:
    """Deterministic JSON (fixed key order as given, UTF-8, trailing newline), written
    whole without fsync (for caches: a damaged entry is detected and rebuilt)."""
    separators = (",", ":") if indent is None else None
    text = json.dumps(data, ensure_ascii=False, indent=indent, separators=separators) + "\n"
    atomic_write(path, text.encode("utf-8"), durable=False)


def read_json(path: Path) -> Any | None:
    """The JSON in ``path``, or None if it is missing or unreadable (caches only)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


@contextmanager
def atomic_stream(path: Path) -> Iterator[TextIO]:
    """A UTF-8 text file written as a stream and put in place whole when the block
    ends without an exception (not fsynced: for caches and queues that a rerun rebuilds);
    if the block raises, ``path`` is left as it was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            yield fh
        _rename(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def read_text(path: Path, encoding: str = "utf-8") -> str:
    """Read a UTF-8 text file (YAML, CSV) or raise an InputError that names it and the fix."""
    try:
        return Path(path).read_text(encoding=encoding)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; check the path.") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a file.") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason}); save it as UTF-8.") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror}).") from None
