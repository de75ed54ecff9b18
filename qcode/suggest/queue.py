"""The suggestion queue of a coder: ``.qcode/suggestions/<coder>.json``.

Derived and rebuildable: ``qcode suggest`` writes it, accept and reject take
suggestions out of it, and deleting it loses nothing (an accept or reject line
carries the whole suggestion). Queue ids are a convenience for the command line.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..audit.line import shorten
from ..corpus import DocumentCache
from ..errors import InputError
from ..fileio import atomic_stream, read_json
from .base import Suggestion

if TYPE_CHECKING:
    from ..project import Project

FORMAT = "qcode-suggestions-v1"


def codebook_digest(project: Project) -> str:
    """The sha256 of the codebook in force: a queue made under another is stale, as
    its codes may no longer exist (a migration, its undo, an edit by hand)."""
    try:
        return hashlib.sha256(project.codebook_path.read_bytes()).hexdigest()
    except OSError:
        return ""


def queue_path(project: Project, coder: str) -> Path:
    return project.cache_dir / "suggestions" / f"{coder}.json"


COLUMNS = ("id", "coder", "doc", "docv", "unit", "start", "end", "code", "method", "score",
           "reason", "words", "model")


def read_queue(project: Project, coder: str) -> list[Suggestion]:
    data = read_json(queue_path(project, coder))
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("columns") != list(
            COLUMNS):
        return []
    if data.get("codebook") != codebook_digest(project):
        return []  # made under another codebook (a migration, its undo, an edit): stale
    try:
        return [Suggestion(*(*row[:-2], tuple(row[-2]), str(row[-1])))
                for row in data.get("suggestions") or ()]
    except (TypeError, ValueError):
        return []


def write_queue(project: Project, coder: str, suggestions: Iterable[Suggestion]) -> None:
    """One JSON document: the column names, then one suggestion per line as a list
    of values in that order (readable, and fast to write and read)."""
    with QueueWriter(project, coder) as writer:
        writer.add(s.row() for s in suggestions)


class QueueWriter:
    """Write a queue as it is made, rows in order (see :func:`write_queue`): to a
    temporary file, renamed over the queue when the ``with`` block ends without an
    error (else removed, and the old queue stays). Memory does not grow with the
    number of suggestions."""

    def __init__(self, project: Project, coder: str) -> None:
        self.path = queue_path(project, coder)
        self.coder = coder
        self.codebook = codebook_digest(project)
        self.rows = 0
        self._encode = _row_encoder()

    def __enter__(self) -> QueueWriter:
        self._stream = atomic_stream(self.path)
        self._fh = self._stream.__enter__()
        head = json.dumps({"format": FORMAT, "coder": self.coder, "columns": COLUMNS,
                           "codebook": self.codebook}, ensure_ascii=False)
        self._fh.write(f'{head[:-1]}, "suggestions": [')
        return self

    def add(self, rows: Iterable[tuple[Any, ...]]) -> None:
        for row in rows:
            self._fh.write(("\n" if self.rows == 0 else ",\n") + self._encode(row))
            self.rows += 1

    def __exit__(self, kind: Any, value: Any, traceback: Any) -> None:
        if kind is None:
            self._fh.write("\n]}\n" if self.rows else "]}\n")
        self._stream.__exit__(kind, value, traceback)


def _row_encoder() -> Callable[[Sequence[Any]], str]:
    """``json.dumps(row, ensure_ascii=False)`` for a list of plain values: the C encoder
    made once, where CPython has it (the same text, at about twice the speed)."""
    from json.encoder import (  # type: ignore[attr-defined]  # the C helper the stubs omit
        c_make_encoder,
        encode_basestring,
    )

    if c_make_encoder is None:  # pragma: no cover - other Pythons
        return json.JSONEncoder(ensure_ascii=False).encode
    encode = c_make_encoder(None, None, encode_basestring, None, ": ", ", ", False, False, True)
    return lambda row: "".join(encode(row, 0))


def find(queue: list[Suggestion], ids: Iterable[str], coder: str) -> list[Suggestion]:
    """The queued suggestions with these ids (a unique prefix is enough)."""
    chosen: list[Suggestion] = []
    for wanted in ids:
        hits = [s for s in queue if s.id.startswith(wanted.strip().lower())] if wanted.strip() else []
        if len(hits) != 1:
            what = "matches several suggestions" if hits else "is not in the queue"
            raise InputError(
                f"Suggestion {wanted!r} {what} of {coder}; see `qcode suggestions --coder {coder}`"
                f" (or run `qcode suggest --coder {coder}` to rebuild the queue)."
            )
        if hits[0] not in chosen:
            chosen.append(hits[0])
    return chosen


def select(queue: list[Suggestion], *, doc: str | None = None, code: str | None = None,
           min_score: float | None = None) -> list[Suggestion]:
    return [s for s in queue if (doc is None or s.doc == doc) and (code is None or s.code == code)
            and (min_score is None or s.score >= min_score)]


def queue_records(project: Project, coder: str, *, doc: str | None = None, code: str | None = None,
                  min_score: float | None = None, width: int = 70) -> list[dict[str, Any]]:
    """The queue as records for listing, with the start of each unit's text."""
    documents = DocumentCache(project)
    out = []
    for s in select(read_queue(project, coder), doc=doc, code=code, min_score=min_score):
        text = " ".join(documents.text(s.doc)[s.start:s.end].split())
        out.append({"id": s.id, "doc": s.doc, "unit": s.unit, "code": s.code, "score": s.score,
                    "method": s.method, "reason": s.reason, "text": shorten(text, width)})
    return out
