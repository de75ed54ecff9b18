"""Writing cache files whole or not at all (a crash leaves the old file or none)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def atomic_write_bytes(path: Path, data: bytes, *, durable: bool = False) -> None:
    """Write a cache file whole via a temporary file and a rename, without fsync by
    default (a damaged cache entry is detected and rebuilt)."""
    from ..corpus.store import atomic_write

    atomic_write(path, data, durable=durable)


def write_json(path: Path, data: Any, *, indent: int | None = 1) -> None:
    """Deterministic JSON (fixed key order as given, UTF-8, trailing newline)."""
    separators = (",", ":") if indent is None else None
    text = json.dumps(data, ensure_ascii=False, indent=indent, separators=separators) + "\n"
    atomic_write_bytes(path, text.encode("utf-8"))


def read_json(path: Path) -> Any | None:
    """The JSON in ``path``, or None if it is missing or unreadable (caches only)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
