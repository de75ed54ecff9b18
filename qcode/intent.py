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

import json
from pathlib import Path
from typing import Any

from .fileio import atomic_write

OPERATIONS = ("ingest", "recode", "undo")


def intent_dir(root: Path) -> Path:
    return root / ".qcode" / "intent"


def begin(root: Path, operation: str, data: dict[str, Any]) -> None:
    """Record, durably, that ``operation`` is about to change files as ``data`` says."""
    body = json.dumps({"operation": operation, **data}, ensure_ascii=False, sort_keys=True)
    atomic_write(intent_dir(root) / f"{operation}.json", body + "\n")


def finish(root: Path, operation: str) -> None:
    """The operation's files are all written: its record goes."""
    (intent_dir(root) / f"{operation}.json").unlink(missing_ok=True)


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
