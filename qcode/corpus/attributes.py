"""Document attributes (role, team, setting, site, date, ...): set by hand or from CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..errors import InputError
from ..project import Project
from .store import Document, check_attr_key, list_document_ids, read_document, write_document


def set_attributes(project: Project, doc_id: str, attrs: dict[str, str]) -> Document:
    """Set (or, with an empty value, clear) attributes of one document."""
    doc = read_document(project.documents_dir, doc_id)
    return _write(project, doc, attrs)


def _write(project: Project, doc: Document, attrs: dict[str, str]) -> Document:
    merged = doc.attributes
    for key, value in attrs.items():
        if value == "":
            merged.pop(key, None)
        else:
            merged[key] = value
    meta = dict(doc.meta)
    meta["attributes"] = dict(sorted(merged.items()))
    write_document(project.documents_dir, doc.id, doc.text, meta)
    return Document(doc.id, doc.text, meta)


def read_attributes_csv(path: Path, known_ids: list[str]) -> dict[str, dict[str, str]]:
    """Rows of a CSV with a ``doc`` column (one row per document) -> {doc: {key: value}}.

    Every row is checked before anything is returned; an empty cell leaves that
    attribute unset.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; check the path.") from None
    except (UnicodeDecodeError, OSError):
        raise InputError(f"{path}: cannot be read as UTF-8 CSV; save it as CSV UTF-8.") from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise InputError(f"{path}: empty CSV; the first row must name the columns (doc,team,...).")
    header = [h.strip() for h in rows[0]]
    if not header or header[0] not in ("doc", "id"):
        first = header[0] if header else ""
        raise InputError(f"{path}:1: the first column must be 'doc' (the document id), got {first!r}.")
    for h in header[1:]:
        check_attr_key(h, f"{path}:1: column")
    if len(set(header)) != len(header):
        raise InputError(f"{path}:1: a column name appears twice.")
    out: dict[str, dict[str, str]] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise InputError(
                f"{path}:{line}: {len(row)} cells but {len(header)} columns; fix the row."
            )
        doc_id = row[0].strip()
        if doc_id not in known_ids:
            from ..hints import did_you_mean

            raise InputError(
                f"{path}:{line}: no document {doc_id!r} in the project; ingest it first or fix "
                f"the id{did_you_mean(doc_id, known_ids) or '.'}"
            )
        if doc_id in out:
            raise InputError(f"{path}:{line}: document {doc_id!r} has a second row; keep one.")
        out[doc_id] = {h: cell.strip() for h, cell in zip(header[1:], row[1:], strict=True)
                       if cell.strip()}
    return out


def import_attributes(project: Project, path: Path) -> list[str]:
    """Apply a CSV of attributes; all rows are checked before any document changes."""
    known = list_document_ids(project.documents_dir)
    table = read_attributes_csv(path, known)
    for doc_id, attrs in table.items():
        _write(project, read_document(project.documents_dir, doc_id), attrs)
    return list(table)
