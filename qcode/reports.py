"""Turn result data into text: table (Rich), CSV, JSON or Markdown.

The library computes records (lists of dicts with a fixed column order); this
module renders them. Nothing here prints: callers write the returned text. A
listing too long to hold is written piece by piece (:func:`chunks`), in the very
bytes the whole text would have.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from .safetext import csv_safe, visible

if TYPE_CHECKING:
    from rich.table import Table

Record = dict[str, Any]


def safe_text(value: Any, style: str = "") -> Any:
    """Project text as a Rich ``Text``: never read as markup, control characters shown
    visibly. Every piece of project text that reaches a terminal goes through here."""
    from rich.text import Text

    return Text(visible("" if value is None else str(value)), style=style)


def clip(text: str, width: int) -> str:
    """Text on one line, cut to ``width`` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, list | tuple):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={_cell(v)}" for k, v in value.items())
    return str(value)


def to_csv(records: Sequence[Record], columns: Sequence[str]) -> str:
    return "".join(csv_chunks(records, columns))


def csv_chunks(records: Iterable[Record], columns: Sequence[str]) -> Iterator[str]:
    """:func:`to_csv`'s text a row at a time."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    # the csv module quotes a field holding "\n" but not one holding a lone "\r" (not in
    # the line terminator), which would split the row for every reader: such rows are
    # written with every field quoted
    quoted = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_ALL)
    rows = ([_csv_cell(rec.get(c)) for c in columns] for rec in records)
    for row in itertools.chain([[csv_safe(c) for c in columns]], rows):
        (quoted if any(isinstance(v, str) and "\r" in v for v in row) else writer).writerow(row)
        yield buf.getvalue()
        buf.seek(0)
        buf.truncate()


def _csv_cell(value: Any) -> Any:
    """One value per cell: a list of names (coders, examples) is joined by "; ", as R's
    ``strsplit(x, "; ")`` and pandas' ``str.split("; ")`` take it apart."""
    if value is None:
        return ""
    if isinstance(value, list | tuple) and all(not isinstance(v, list | tuple | dict)
                                               for v in value):
        return "; ".join("" if v is None else str(v) for v in value)
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str):
        return csv_safe(value)
    return value




def to_json(records: Sequence[Record], columns: Sequence[str] | None = None) -> str:
    return "".join(json_chunks(records, columns))


def json_chunks(records: Iterable[Record], columns: Sequence[str] | None = None
                ) -> Iterator[str]:
    """:func:`to_json`'s text a record at a time: each record as ``json.dumps`` lays it
    out inside the list, two more spaces on every line (lines end at "\\n" alone: a
    JSON text escapes that one in its strings, but not U+2028 and the like, which
    ``str.splitlines`` would break at)."""
    first = True
    for rec in records:
        value = {c: rec.get(c) for c in columns} if columns is not None else rec
        lines = json.dumps(value, ensure_ascii=False, indent=2).split("\n")
        body = "\n".join("  " + line for line in lines)
        yield ("[\n" if first else ",\n") + body
        first = False
    yield "[]\n" if first else "\n]\n"


def to_markdown(records: Sequence[Record], columns: Sequence[str]) -> str:
    return "".join(markdown_chunks(records, columns))


def markdown_chunks(records: Iterable[Record], columns: Sequence[str]) -> Iterator[str]:
    """:func:`to_markdown`'s text a row at a time."""
    def esc(v: Any) -> str:
        return " ".join(_cell(v).replace("|", "\\|").split())  # one line per row

    yield "| " + " | ".join(columns) + " |\n" + "|" + "---|" * len(columns) + "\n"
    for rec in records:
        yield "| " + " | ".join(esc(rec.get(c)) for c in columns) + " |\n"


def chunks(records: Iterable[Record], columns: Sequence[str], fmt: str,
           size: int = 1 << 16) -> Iterator[str]:
    """The csv, json or markdown text of ``records`` in pieces of about ``size``
    characters, for a listing that is read as it is written rather than held."""
    writers = {"csv": csv_chunks, "json": json_chunks, "markdown": markdown_chunks}
    if fmt not in writers:
        raise ValueError(f"no piece-by-piece writer for {fmt!r}")
    pending: list[str] = []
    held = 0
    for piece in writers[fmt](records, columns):
        pending.append(piece)
        held += len(piece)
        if held >= size:
            yield "".join(pending)
            pending, held = [], 0
    if pending:
        yield "".join(pending)


def fitting(records: Sequence[Record], columns: Sequence[str], optional: Sequence[str],
            room: int, text_room: int = 28) -> list[str]:
    """``columns`` less the ``optional`` ones (dropped in that order) that a table
    ``room`` characters wide cannot show beside ``text_room`` for its long text."""
    widest = {c: max((len(_cell(r.get(c))) for r in records), default=0) for c in columns}
    kept = list(columns)
    for name in optional:
        short = sum(max(widest[c], len(c)) + 3 for c in kept if widest[c] <= 30)
        long = sum(min(widest[c], text_room) + 3 for c in kept if widest[c] > 30)
        if short + long + 1 <= room:
            break
        if name in kept:
            kept.remove(name)
    return kept


def to_table(
    records: Sequence[Record],
    columns: Sequence[str],
    *,
    title: str | None = None,
    width: int | None = None,
    caption: str | None = None,
    optional: Sequence[str] = (),
) -> Table:
    """A Rich Table renderable (the CLI prints it with its console). Columns named in
    ``optional`` are left out, first to last, while the table would not fit the width
    (a caption names them)."""
    import shutil

    from rich.table import Table

    room = width or shutil.get_terminal_size((100, 24)).columns
    if optional:
        kept = fitting(records, columns, optional, room)
        dropped = [c for c in columns if c not in kept]
        if dropped:
            note = f"not shown at this width: {', '.join(dropped)} (--format csv has them)"
            caption = f"{caption}; {note}" if caption else note
        columns = kept
    table = Table(title=safe_text(title) if title is not None else None,
                  caption=safe_text(caption) if caption is not None else None,
                  show_lines=False, header_style="bold")
    widest = {c: max((len(_cell(r.get(c))) for r in records), default=0) for c in columns}
    # When a column of long text can absorb the width (a quote, a definition) and the
    # short columns (ids, codes, dates, numbers) fit beside it, they keep to one line.
    needed = sum(max(widest[c], len(c)) + 3 for c in columns if widest[c] <= 16) + 24
    absorbing = any(w > 30 for w in widest.values()) and needed <= room
    for col in columns:
        numeric = bool(records) and all(
            isinstance(r.get(col), int | float) or r.get(col) is None for r in records
        )
        short = absorbing and widest[col] <= 16
        table.add_column(safe_text(col), justify="right" if numeric else "left", overflow="fold",
                         no_wrap=short or col == columns[0], ratio=1 if widest[col] > 30 else None,
                         min_width=min(len(col), 8) if numeric else None)
    for rec in records:
        table.add_row(*(safe_text(_cell(rec.get(c))) for c in columns))
    return table


LONG_TABLE = 1000  # rows from which a table is drawn as plain lines, one per row


def to_lines(records: Sequence[Record], columns: Sequence[str], width: int,
             title: str | None = None) -> str:
    """A long table as plain aligned lines, one per record, the widest column clipped
    to fit ``width`` (a Rich table measures and wraps every cell: seconds at 5,000 rows)."""
    cells = [[visible(_cell(r.get(c)), lines=False) for c in columns] for r in records]
    widths = [max([len(c), *(len(row[i]) for row in cells)]) for i, c in enumerate(columns)]
    over = sum(widths) + 2 * (len(widths) - 1) - width
    if over > 0:
        widest = widths.index(max(widths))
        widths[widest] = max(widths[widest] - over, 8)
    numeric = [all(isinstance(r.get(c), int | float) or r.get(c) is None for r in records)
               for c in columns]

    def line(row: Sequence[str]) -> str:
        parts = [(v if len(v) <= w else v[: w - 1] + "…").rjust(w) if num else
                 (v if len(v) <= w else v[: w - 1] + "…").ljust(w)
                 for v, w, num in zip(row, widths, numeric, strict=True)]
        return "  ".join(parts).rstrip()

    out = [title] if title else []
    out += [line(columns), "  ".join("-" * w for w in widths)]
    out += [line(row) for row in cells]
    return "\n".join(out) + "\n"


def render(
    records: Sequence[Record],
    columns: Sequence[str],
    fmt: str,
    *,
    title: str | None = None,
    caption: str | None = None,
    optional: Sequence[str] = (),
    width: int | None = None,
) -> Any:
    """Text for csv/json/markdown, or a Rich renderable for table (which may leave out
    the ``optional`` columns to fit the terminal)."""
    if fmt == "csv":
        return to_csv(records, columns)
    if fmt == "json":
        return to_json(records, columns)
    if fmt == "markdown":
        return to_markdown(records, columns)
    if len(records) >= LONG_TABLE:
        return to_lines(records, columns, width or 100, title)
    return to_table(records, columns, title=title, caption=caption, optional=optional,
                    width=width)
