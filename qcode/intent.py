"""Write-ahead intents: a command that changes several files (a re-ingest writes
documents and then project.log; a migration writes project.log and then
codebook.yaml) first records what it is about to do in
``.qcode/intent/<operation>.json``, durably, and removes the record when every
file is written. A record still there when the next command starts means the
command that wrote it was stopped part-way; :mod:`qcode.recovery` finishes or
rolls back its work from the state of the files themselves, so a record read
twice (or left behind after the work was done) repairs nothing twice.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path
from typing import Any

from .fileio import atomic_write

OPERATIONS = ("ingest", "recode", "undo")


def intent_dir(root: Path) -> Path:
    return root / ".qcode" / "intent"


def begin(root: Path, operation: str, data: dict[str, Any]) -> None:
    """Record, durably, that ``operation`` is about to change files as ``data`` says.
    The operation holds ``<operation>.lock`` until :func:`finish` (or the end of the
    process), so another command never repairs work that is still going on."""
    if (root, operation) not in _HELD:
        fd = hold(root, operation, wait=True)
        assert fd is not None  # waiting, it always gets the lock
        _HELD[(root, operation)] = fd
    body = json.dumps({"operation": operation, **data}, ensure_ascii=False, sort_keys=True)
    atomic_write(intent_dir(root) / f"{operation}.json", body + "\n")


def finish(root: Path, operation: str) -> None:
    """The operation's files are all written: its record goes, and its lock."""
    (intent_dir(root) / f"{operation}.json").unlink(missing_ok=True)
    release(root, operation)


def release(root: Path, operation: str) -> None:
    """Let go of the operation's lock and leave its record for the next command to
    finish (the operation stopped on an error after changing files)."""
    fd = _HELD.pop((root, operation), None)
    if fd is not None:
        os.close(fd)


def hold(root: Path, operation: str, *, wait: bool) -> int | None:
    """A descriptor holding the operation's lock, or (``wait`` False) None while
    another process, or another part of this one, holds it."""
    folder = intent_dir(root)
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / f"{operation}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def abandon() -> None:
    """Let go of every lock this process holds without removing any record: what the
    end of a process does (the crash tests stop a command inside the process)."""
    for fd in _HELD.values():
        os.close(fd)
    _HELD.clear()


_HELD: dict[tuple[Path, str], int] = {}  # (project root, operation) -> lock descriptor


def pending(root: Path) -> list[dict[str, Any]]:
    """The records of operations that were stopped part-way, oldest kind first; a
    record that does not read (cut short before its rename cannot happen, but a
    hand-edited one can) is returned as ``{"operation": NAME, "unreadable": True}``."""
    folder = intent_dir(root)
    if not folder.is_dir():
        return []
    found = []
    for operation in OPERATIONS:
        path = folder / f"{operation}.json"
        if not path.is_file():
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = None
        if not isinstance(data, dict):
            data = {"unreadable": True}
        found.append({**data, "operation": operation})
    return found
