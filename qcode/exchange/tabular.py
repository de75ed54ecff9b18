"""Codings from a spreadsheet: a Taguette highlights export (``document, tag,
content``), any codings CSV/XLSX with a ``--columns`` mapping, and a ``qc``
(qualitative-coding) project folder.

Highlights carry text, not offsets, so each is placed by its text, at its next
occurrence in document order after the previous highlight of that document
(the order the source tool wrote them in): a passage quoted twice lands on its
first and then its second occurrence, never twice on the first. Rows of one
highlight (one per tag) share its place. Documents are matched the way ingest
names files (``--id-from stem``) or by their own spelling (``--id-from name``).
Every row that cannot be placed is reported by row and kept in the rejects
file.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..codebook import Code, load_codebook
from ..corpus import list_documents, load_document, normalise
from ..corpus.store import sha256
from ..errors import InputError
from ..project import Project
from .codebook_io import codes_from_table, merge_codes
from .plan import ImportPlan, apply_fields, coder_name, read_input
from .refi_codes import name_path
from .refi_import import document_id
from .tables import Table, read_table
from .tables import read_table as read_codebook_table

if TYPE_CHECKING:
    from ..codebook import Codebook

ROLES = ("doc", "code", "quote", "coder", "memo", "id")
TAGUETTE = {"doc": "document", "code": "tag", "quote": "content", "id": "id"}


@dataclass(frozen=True, slots=True)
class Row:
    number: int
    doc: str
    code: str
    quote: str
    coder: str
    memo: str
    key: str  # which highlight it belongs to


def _mapping(table: Table, columns: dict[str, str] | None) -> tuple[dict[str, str], str]:
    """Role -> column, and the tool the file comes from."""
    if columns:
        unknown = [r for r in columns if r not in ROLES]
        if unknown:
            raise InputError(f"--columns: unknown role {unknown[0]!r}; roles are {', '.join(ROLES)}.")
        for role, column in columns.items():
            if table.column(column) is None:
                raise InputError(f"{table.source}:1: no column {column!r} for {role}; the columns "
                                 f"are {', '.join(table.header)}.")
        mapping, tool = {r: table.column(c) or c for r, c in columns.items()}, "spreadsheet"
    elif all(table.column(c) for c in ("document", "tag", "content")):
        mapping, tool = {r: table.column(c) or c for r, c in TAGUETTE.items() if table.column(c)}, "Taguette"
    elif all(table.column(c) for c in ("doc", "code", "quote")):
        mapping = {r: table.column(r) or r for r in ROLES if table.column(r)}
        tool = "spreadsheet"
    else:
        raise InputError(f"{table.source}:1: which columns hold the document, code and quote? Pass "
                         "--columns doc=COLUMN,code=COLUMN,quote=COLUMN (coder= and memo= optional).")
    missing = [r for r in ("doc", "code", "quote") if r not in mapping]
    if missing:
        raise InputError(f"--columns: name a column for {', '.join(missing)}.")
    return mapping, tool


def _rows(table: Table, mapping: dict[str, str]) -> list[Row]:
    out = []
    previous: tuple[str, str, str] | None = None
    serial = 0
    for number, cells in table.rows:
        got = {role: cells.get(column, "").strip() for role, column in mapping.items()}
        doc, code, quote = got["doc"], got["code"], cells.get(mapping["quote"], "")
        if got.get("id"):
            key = f"id:{got['id']}"
        elif previous is not None and previous[:2] == (doc, quote) and previous[2] != code:
            key = f"row:{serial}"  # the next tag of the same highlight
        else:
            serial += 1
            key = f"row:{serial}"
        previous = (doc, quote, code)
        out.append(Row(number, doc, code, quote, got.get("coder", ""), got.get("memo", ""), key))
    return out


def _pattern(quote: str) -> re.Pattern[str] | None:
    words = unicodedata.normalize("NFC", quote).split()
    if not words:
        return None
    return re.compile(r"\s+".join(re.escape(w) for w in words))


class _Placer:
    """Each highlight at its next occurrence from the previous one of its document; a
    place a highlight with the same text already took is skipped. A highlight
    found only earlier (a file not in document order) takes the first free
    occurrence there, and is counted in ``early``."""

    def __init__(self) -> None:
        self.cursor: dict[str, int] = {}
        self.placed: dict[str, tuple[int, int] | None] = {}
        self.used: set[tuple[str, int, int]] = set()
        self.early = 0

    def place(self, doc_id: str, text: str, row: Row) -> tuple[int, int] | None:
        if row.key in self.placed:
            return self.placed[row.key]
        pattern = _pattern(row.quote)
        where = None
        if pattern is not None:
            where = self._free(pattern, text, doc_id, self.cursor.get(doc_id, 0))
            if where is None:
                where = self._free(pattern, text, doc_id, 0)
                self.early += where is not None
        if where is not None:
            self.cursor[doc_id] = where[0]
            self.used.add((doc_id, *where))
        self.placed[row.key] = where
        return where

    def _free(self, pattern: re.Pattern[str], text: str, doc_id: str, pos: int) -> tuple[int, int] | None:
        while True:
            found = pattern.search(text, pos)
            if found is None:
                return None
            if (doc_id, found.start(), found.end()) not in self.used:
                return found.start(), found.end()
            pos = found.start() + 1


def plan_table(project: Project, path: Path, data: bytes, *, importer: str,
               columns: dict[str, str] | None, codebook: Path | None, id_from: str,
               coder: str | None, prefix: str = "") -> ImportPlan:

    table = read_table(path, data)
    mapping, tool = _mapping(table, columns)
    rows = _rows(table, mapping)
    plan = ImportPlan("taguette" if tool == "Taguette" else "csv", str(path), sha256(data), tool, importer)
    book = load_codebook(project.codebook_path)
    if codebook is not None:
        plan.codes, plan.notes = codes_from_table(read_codebook_table(codebook, read_input(codebook)), book)
    wanted = [(name_path(r.code), "", None) for r in rows if r.code]
    more, notes = merge_codes(_with(book, plan.codes), wanted)
    plan.codes += more
    plan.notes += notes
    _place_rows(project, plan, rows, book, id_from, coder or path.stem, prefix, tool)
    if rows and not plan.events:
        first = plan.rejects[0]
        raise InputError(f"{path}: none of its {len(rows)} rows could be placed (row "
                         f"{first['row']}: {first['why']}); nothing was written.")
    return plan


def _with(codebook: Codebook, new: list[Any]) -> Any:
    """The codebook as it will be with ``new`` codes (for matching only)."""
    from dataclasses import replace


    return replace(codebook, codes=codebook.codes + tuple(Code(c.id, c.label, parent=c.parent) for c in new))


def code_for(book: Any, label: str) -> str | None:
    parent = None
    for part in name_path(label):
        match = [c for c in book.codes
                 if c.parent == parent and part.casefold() in (c.label.casefold(), c.id)]
        if not match:
            return None
        parent = match[0].id
    return parent


def _place_rows(project: Project, plan: ImportPlan, rows: list[Row], book: Any, id_from: str,
                default_coder: str, prefix: str, tool: str) -> None:

    known = set(list_documents(project))
    full = _with(book, plan.codes)
    docs: dict[str, Any] = {}
    placer = _Placer()
    taken: set[str] = set()
    names: dict[str, str] = {}
    for row in rows:
        doc_id = document_id(row.doc, id_from, set())
        why = None
        if not row.doc or doc_id not in known:
            why = f"no document {doc_id!r} in the project (ingest it first, or try --id-from)"
        elif not row.code:
            why = "no code"
        elif not row.quote.strip():
            why = "no quote"
        where = None
        if why is None:
            doc = docs.setdefault(doc_id, load_document(project, doc_id))
            where = placer.place(doc_id, doc.text, row)
            if where is None:
                why = "its text is not in the document (after the highlights before it)"
        if why is not None or where is None:
            plan.rejects.append({"row": row.number, "doc": row.doc, "code": row.code,
                                 "coder": row.coder, "why": why, "quote": row.quote})
            continue
        original = row.coder or default_coder
        if original not in names:
            names[original] = coder_name(original, taken, prefix)
            plan.coders[names[original]] = original
        coder = names[original]
        code = code_for(full, row.code) or ""
        fields = apply_fields(coder, doc_id, docs[doc_id].text, where[0], where[1], code,
                              book.version, plan.kind, {"tool": tool, "user": original,
                                                        "by": plan.importer, "row": row.number},
                              memo=row.memo or None)
        plan.events.setdefault(coder, []).append(fields)
    if placer.early:
        plan.notes.append(f"{placer.early} highlights were found only before the one listed ahead "
                          "of them (the file is not in document order); each took the first free "
                          "occurrence of its text")


# ---------------------------------------------------------------- qc


def plan_qc(project: Project, folder: Path, *, importer: str, id_from: str) -> ImportPlan:
    """A qc project folder: ``corpus/`` texts and ``codes/<doc>.<coder>.codes`` files,
    one line of comma-separated codes per line of the text."""

    corpus, codes_dir = folder / "corpus", folder / "codes"
    if not corpus.is_dir() or not codes_dir.is_dir():
        raise InputError(f"{folder}: not a qc project (no corpus/ and codes/ folders); newer qc "
                         "versions keep codes in a database: export them to CSV with qc first.")
    plan = ImportPlan("qc", str(folder), "", "qc (qualitative-coding)", importer)
    book = load_codebook(project.codebook_path)
    known = set(list_documents(project))
    taken: set[str] = set()
    wanted: list[tuple[list[str], str, str | None]] = []
    found: list[tuple[str, str, int, int, str, int]] = []
    for codes_file in sorted(codes_dir.rglob("*.codes")):
        rel = codes_file.relative_to(codes_dir).as_posix()[: -len(".codes")]
        text_name, _, coder = rel.rpartition(".")
        doc_id = document_id(text_name, id_from, set())
        if doc_id not in known:
            plan.rejects.append({"doc": text_name, "coder": coder, "why": f"no document {doc_id!r} "
                                 "in the project; ingest the corpus file first"})
            continue
        text = load_document(project, doc_id).text
        starts = [0] + [m.end() for m in re.finditer("\n", text)]
        lines = normalise(codes_file.read_text(encoding="utf-8", errors="replace")).split("\n")
        for n, line in enumerate(lines):
            for code in (c.strip() for c in line.split(",")):
                end = text.find("\n", starts[n]) if n < len(starts) else -1
                end = len(text) if end < 0 else end
                if code and n < len(starts) and end > starts[n]:
                    found.append((coder, doc_id, starts[n], end, code, n + 1))
                    wanted.append((code.split(":"), "", None))
    plan.codes, plan.notes = merge_codes(book, wanted)
    full = _with(book, plan.codes)
    names: dict[str, str] = {}
    for coder, doc_id, start, stop, code, line_no in found:
        if coder not in names:
            names[coder] = coder_name(coder, taken)
            plan.coders[names[coder]] = coder
        text = load_document(project, doc_id).text
        fields = apply_fields(names[coder], doc_id, text, start, stop, code_for(full, code.replace(":", "::"))
                              or "", book.version, "qc", {"tool": "qc", "user": coder,
                                                           "by": importer, "line": line_no})
        plan.events.setdefault(names[coder], []).append(fields)
    return plan
