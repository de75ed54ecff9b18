"""Where each coder was: ``.qcode/tui/positions.json``, a cache.

Losing or corrupting the file only loses the position (the view then starts at
the first unit); it never holds a decision. Written whole by rename on every
move, without fsync: a crash may cost the last move, nothing more.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..fileio import atomic_write


@dataclass(frozen=True, slots=True)
class Position:
    doc: str
    kind: str
    unit: int  # 1-based


class Positions:
    """Read once, update in memory, write through on every change."""

    def __init__(self, cache_dir: Path) -> None:
        self.path = cache_dir / "tui" / "positions.json"
        self._data = self._read()

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _coder(self, coder: str) -> dict[str, Any]:
        entry = self._data.get(coder)
        return entry if isinstance(entry, dict) else {}

    def last_doc(self, coder: str) -> str | None:
        doc = self._coder(coder).get("doc")
        return doc if isinstance(doc, str) else None

    def get(self, coder: str, doc: str, kind: str) -> int | None:
        """The unit number this coder was at in ``doc`` (for this unit kind)."""
        where = (self._coder(coder).get("units") or {}).get(doc)
        if isinstance(where, dict) and where.get("kind") == kind:
            unit = where.get("unit")
            return unit if isinstance(unit, int) and unit >= 1 else None
        return None

    def set(self, coder: str, position: Position) -> None:
        entry = self._coder(coder)
        found = entry.get("units")
        units: dict[str, Any] = found if isinstance(found, dict) else {}
        units[position.doc] = {"kind": position.kind, "unit": position.unit}
        self._data[coder] = {"doc": position.doc, "units": units}
        self._write()

    def _write(self) -> None:
        text = json.dumps(self._data, ensure_ascii=False, sort_keys=True, indent=1)
        try:
            atomic_write(self.path, text.encode("utf-8"), durable=False)
        except OSError:
            pass  # a cache: a read-only project still codes, it just forgets the position
