"""Documents on disk: ``documents/<id>.txt`` (the text) and ``documents/<id>.yaml``
(its metadata, turns and units, laid out by :mod:`.metafile`). Earlier versions
move to ``documents/.versions/``.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import InputError, SpanError
from ..fileio import write_files
from ..hints import did_you_mean
from ..ids import check_doc_id, inside
from ..yamlio import read_text
from .metafile import UNIT_KINDS, dump_meta, head_and_turns, load_head, load_meta
from .turns import Turn

ATTR_KEY_RE = re.compile(r"\A[A-Za-z_][\w-]*\Z")
# what qcode itself records of every document, shown beside its attributes (docs, crosstab)
RESERVED_ATTRS = frozenset({"doc", "id", "format", "kind", "words", "turns", "source",
                            "encoding"})


def check_attr_key(key: str, source: str) -> str:
    """An attribute name, or an InputError: a name qcode gives a column of its own
    (``kind``, ``words``...) would stand beside that column under the same name."""
    if not ATTR_KEY_RE.match(key):
        raise InputError(f"{source}: {key!r} is not an attribute name; use letters, digits, "
                         "'_' or '-'.")
    if key in RESERVED_ATTRS:
        raise InputError(f"{source}: {key!r} is what qcode records of every document "
                         f"(see `qcode docs`); name the attribute otherwise, e.g. 'doc_{key}'.")
    return key


def sha256(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def now_iso() -> str:
    """UTC ISO 8601 with milliseconds, e.g. 2026-11-24T09:15:02.137Z."""
    now = datetime.now(UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def doc_id_from_path(path: Path) -> str:
    """File stem, lower-cased, spaces and punctuation turned into '-'."""
    stem = re.sub(r"[\W_]+", "-", path.stem.casefold()).strip("-")
    return stem or "document"


@dataclass(frozen=True, slots=True)
class Document:
    """A stored document: its normalised text and its metadata."""

    id: str
    text: str
    meta: dict[str, Any] = field(repr=False, compare=False)

    @property
    def version(self) -> str:
        """The audit ``docv``: the first 12 hex digits of the text's sha256."""
        return str(self.meta["sha256_text"])[:12]

    @property
    def language(self) -> str:
        return str(self.meta.get("language") or "en")

    @property
    def attributes(self) -> dict[str, str]:
        return dict(self.meta.get("attributes") or {})

    @property
    def kind(self) -> str:
        return str(self.meta.get("kind") or "text")

    @property
    def turns(self) -> tuple[Turn, ...]:
        roles = self.meta.get("roles") or {}
        return tuple(
            Turn(
                n=t["n"], start=t["start"], end=t["end"], speaker=t.get("speaker"),
                role=roles.get(t.get("speaker")) if t.get("speaker") else None,
                time=t.get("time"), line_start=t.get("line", t["start"]), heading=t.get("heading"),
            )
            for t in self.meta.get("turns") or ()
        )

    def units(self, kind: str) -> tuple[tuple[int, int], ...]:
        if kind not in UNIT_KINDS:
            raise SpanError(f"Unit kind {kind!r} must be one of {', '.join(UNIT_KINDS)}.")
        return tuple((a, b) for a, b in (self.meta.get("units") or {}).get(kind, ()))

    def resolve_unit(self, ref: str, default_kind: str) -> tuple[str, int, int, int]:
        """``"14"`` (unit 14 of the default kind) or ``"turn:3"`` -> (kind, n, start, end)."""
        kind, _, number = str(ref).rpartition(":")
        kind = kind or default_kind
        try:
            n = int(number)
        except ValueError:
            raise SpanError(
                f"Unit {ref!r} is not a unit number: write 14, or a kind and number like turn:3."
            ) from None
        units = self.units(kind)
        if not 1 <= n <= len(units):
            raise SpanError(
                f"Document {self.id!r} has {len(units)} {kind} units; {ref!r} is not one of them "
                f"(see `qcode units {self.id} --kind {kind}`)."
            )
        start, end = units[n - 1]
        return kind, n, start, end

    def unit_at(self, kind: str, offset: int) -> int | None:
        """The 1-based number of the unit of ``kind`` containing ``offset``."""
        import bisect

        units = self.units(kind)
        i = bisect.bisect_right([a for a, _ in units], offset) - 1
        if i >= 0 and units[i][0] <= offset < units[i][1]:
            return i + 1
        return None

    def words(self) -> int:
        return int(self.meta.get("words") or 0)


def doc_paths(documents_dir: Path, doc_id: str) -> tuple[Path, Path]:
    """The text and metadata files of a document; the id is checked, so no path made
    from it leads outside ``documents/``."""
    check_doc_id(doc_id)
    base = documents_dir.resolve()
    # an id has no separator: only a symbolic link could lead out (resolving every
    # file's every folder cost more than reading it, in a listing of thousands)
    txt, meta = base / f"{doc_id}.txt", base / f"{doc_id}.yaml"
    return (inside(base, txt) if txt.is_symlink() else txt,
            inside(base, meta) if meta.is_symlink() else meta)


def list_document_ids(documents_dir: Path) -> list[str]:
    if not documents_dir.is_dir():
        return []
    # one reading of the folder (no stat per file: thousands of documents)
    with os.scandir(documents_dir) as entries:
        names = {e.name for e in entries if not e.name.startswith(".") and e.is_file()}
    return sorted(n[:-5] for n in names if n.endswith(".yaml") and n[:-5] + ".txt" in names)


def read_document(documents_dir: Path, doc_id: str) -> Document:
    txt, meta_path = doc_paths(documents_dir, doc_id)
    if not meta_path.is_file() or not txt.is_file():
        hint = did_you_mean(doc_id, list_document_ids(documents_dir))
        raise InputError(
            f"No document {doc_id!r} in this project{hint} See `qcode docs`."
            if hint else f"No document {doc_id!r} in this project; see `qcode docs`."
        )
    try:
        with open(txt, encoding="utf-8", newline="") as fh:
            text = fh.read()
    except UnicodeDecodeError as exc:
        raise InputError(f"{txt}: not UTF-8 text ({exc.reason}); re-ingest the source.") from None
    meta = load_meta(read_text(meta_path), str(meta_path))
    if not isinstance(meta, dict) or "sha256_text" not in meta:
        raise InputError(f"{meta_path}: not a qcode document metadata file; re-ingest the source.")
    return Document(id=doc_id, text=text, meta=meta)


def read_head(documents_dir: Path, doc_id: str) -> dict[str, Any]:
    """A stored document's metadata without its turn, cue and unit lists."""
    _, meta_path = doc_paths(documents_dir, doc_id)
    head = load_head(meta_path.read_text(encoding="utf-8"), str(meta_path))
    if not isinstance(head, dict) or "sha256_text" not in head:
        raise InputError(f"{meta_path}: not a qcode document metadata file; re-ingest the source.")
    return head


def read_listing(documents_dir: Path, doc_id: str) -> tuple[dict[str, Any], int]:
    """:func:`read_head` and the number of turns: what a listing of documents shows,
    read without the text and without parsing the turn and unit lists."""
    _, meta_path = doc_paths(documents_dir, doc_id)
    head, turns = head_and_turns(meta_path.read_text(encoding="utf-8"), str(meta_path))
    if not isinstance(head, dict) or "sha256_text" not in head:
        raise InputError(f"{meta_path}: not a qcode document metadata file; re-ingest the source.")
    return head, turns


def document_files(
    documents_dir: Path, doc_id: str, text: str, meta: dict[str, Any]
) -> list[tuple[Path, bytes]]:
    """The files of a stored document, text first: what :func:`write_document` writes."""
    txt, meta_path = doc_paths(documents_dir, doc_id)
    return [(txt, text.encode("utf-8")), (meta_path, dump_meta(meta).encode("utf-8"))]


def write_document(documents_dir: Path, doc_id: str, text: str, meta: dict[str, Any]) -> None:
    write_files(document_files(documents_dir, doc_id, text, meta))


def version_files(documents_dir: Path, doc: Document) -> tuple[str, list[tuple[Path, bytes]]]:
    """Where an earlier version is kept (documents/.versions/<id>/) and its files. A
    version is named by its text's hash, so one already kept is never written again
    (after an interrupted ingest the stored text may be the newer one)."""
    short = str(doc.meta["sha256_text"])[:12]
    folder = documents_dir / ".versions" / doc.id
    kept = f".versions/{doc.id}/{short}.txt"
    if (folder / f"{short}.txt").is_file() and (folder / f"{short}.yaml").is_file():
        return kept, []
    files = [(folder / f"{short}.txt", doc.text.encode("utf-8")),
             (folder / f"{short}.yaml", dump_meta(doc.meta).encode("utf-8"))]
    return kept, files


def read_version_text(documents_dir: Path, doc_id: str, docv: str) -> str | None:
    """The text of an earlier version by its ``docv`` prefix, if kept."""
    folder = documents_dir / ".versions" / doc_id
    for path in sorted(folder.glob(f"{docv[:12]}*.txt")) if folder.is_dir() else []:
        return path.read_text(encoding="utf-8")
    return None
