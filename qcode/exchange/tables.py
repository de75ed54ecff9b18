"""Spreadsheets in: CSV (any common delimiter, UTF-8 with or without BOM, or
Windows-1252) and XLSX (checked as an untrusted ZIP first, read by openpyxl)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from ..corpus.archive import MAX_XML, open_zip, parse_xml, read_member
from ..errors import DependencyError, InputError


@dataclass(frozen=True, slots=True)
class Table:
    source: str
    header: tuple[str, ...]
    rows: tuple[tuple[int, dict[str, str]], ...]  # (line or row number, cells by column)

    def column(self, *names: str) -> str | None:
        """The first of ``names`` that is a column (case and spacing ignored)."""
        folded = {h.strip().casefold(): h for h in self.header}
        for name in names:
            if name.casefold() in folded:
                return folded[name.casefold()]
        return None


def read_table(path: Path, data: bytes) -> Table:
    if path.suffix.lower() == ".xlsx":
        return _xlsx(path, data)
    return _csv(path, data)


def _csv(path: Path, data: bytes) -> Table:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    if "\x00" in text:
        raise InputError(f"{path}: not a CSV text file (it holds NUL bytes); save it as CSV UTF-8.")
    sample = text[:8192]
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    if path.suffix.lower() != ".tsv":
        try:
            delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
        except csv.Error:
            delimiter = ","
    # strict: a quote left open (a damaged or cut-off file) is an error, not a cell
    # that swallows the rest of the file
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise InputError(f"{path}:{reader.line_num}: not a readable CSV ({exc}); is the file "
                         "complete? Save it again as CSV UTF-8.") from None
    return _table(str(path), rows, start=2)


def _table(source: str, rows: list[list[str]], start: int) -> Table:
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise InputError(f"{source}: empty; the first row must name the columns.")
    header = tuple(h.strip() for h in rows[0])
    out = []
    for number, row in enumerate(rows[1:], start=start):
        if not any((cell or "").strip() for cell in row):
            continue
        cells = {h: (row[i] if i < len(row) else "") or "" for i, h in enumerate(header) if h}
        out.append((number, cells))
    return Table(source, header, tuple(out))


def _xlsx(path: Path, data: bytes) -> Table:
    archive = open_zip(data, str(path), "an Excel workbook (.xlsx)")
    for name in archive.namelist():  # openpyxl's own parser must never see a DOCTYPE
        if name.lower().endswith((".xml", ".rels")):
            parse_xml(read_member(archive, name, str(path), MAX_XML), f"{path}:{name}")
    try:
        import openpyxl  # heavy: imported when needed
    except ImportError:  # pragma: no cover - a runtime dependency
        raise DependencyError("Reading .xlsx needs openpyxl: pip install openpyxl") from None
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    except Exception as exc:  # openpyxl raises many unrelated types for broken files
        raise InputError(f"{path}: not a readable .xlsx ({type(exc).__name__}); re-save it in "
                         "Excel or LibreOffice.") from None
    return _table(str(path), rows, start=2)
