"""How every listing reaches stdout: ``--format table|csv|json|markdown`` (``md`` too).

One option, one parser and one set of writers (:mod:`qcode.reports`) for every
command that lists something, so a new listing gets all four formats by calling
:func:`emit`. Data goes to stdout; messages go to stderr (STYLE.md 6).
"""


import enum
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import typer

from .choices import enum_parser


class Format(enum.StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    markdown = "markdown"


FORMAT_ALIASES = {"md": Format.markdown}

FormatOption = Annotated[Format, typer.Option(
    "--format", "-f", parser=enum_parser(Format, FORMAT_ALIASES),
    help="Output format: table, csv, json or markdown (md).")]


def name_of(fmt: Any) -> str:
    """The format's name whether given as the enum, its value or the ``md`` alias."""
    value = getattr(fmt, "value", fmt)
    return FORMAT_ALIASES[value].value if value in FORMAT_ALIASES else str(value)


def is_table(fmt: Any) -> bool:
    return name_of(fmt) == "table"


def stdout_console() -> Any:
    from rich.console import Console

    return Console(soft_wrap=False)


def emit(records: Sequence[dict[str, Any]], columns: Sequence[str], fmt: Any, *,
         title: str | None = None, caption: str | None = None,
         optional: Sequence[str] = ()) -> None:
    """Write records to stdout as a table, CSV, JSON or a Markdown table; a table leaves
    out the ``optional`` columns, in order, that the terminal cannot fit."""
    from ..reports import render

    console = stdout_console()
    out = render(records, columns, name_of(fmt), title=title, caption=caption,
                 optional=optional, width=console.width)
    if isinstance(out, str):
        typer.echo(out, nl=False)
    else:
        console.print(out)


def emit_json(value: Any) -> None:
    """A JSON document that is not one table (both tables of ``crosstab``)."""
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2))


@dataclass(frozen=True, slots=True)
class Listing:
    """One of several tables a command writes: ``key`` names it in JSON."""

    key: str
    title: str
    rows: Sequence[dict[str, Any]]
    columns: Sequence[str]
    caption: str | None = None
    optional: Sequence[str] = ()


def emit_tables(tables: Sequence[Listing], fmt: Any) -> None:
    """Several tables: one JSON object of lists, Markdown tables under headings, or
    tables one after another (a CSV caller gives one, so the file stays one table)."""
    name = name_of(fmt)
    if name == "json":
        emit_json({t.key: [{c: r.get(c) for c in t.columns} for r in t.rows] for t in tables})
        return
    for i, t in enumerate(tables):
        if name == "markdown":
            typer.echo(("\n" if i else "") + f"### {t.title}\n")
        emit(t.rows, t.columns, fmt, title=t.title, caption=t.caption, optional=t.optional)
