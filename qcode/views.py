"""Rich renderables of documents (used by ``qcode show``); no printing here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from .corpus import Document
from .project import Project
from .reports import safe_text
from .safetext import visible

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")


def code_colours(project: Project) -> dict[str, str]:
    """Each code's colour from the codebook, or a stable palette colour."""
    from .codebook import load_codebook
    from .errors import QcodeError

    try:
        codebook = load_codebook(project.codebook_path)
    except QcodeError:  # a broken codebook must not stop a document from showing
        return {}
    return {c.id: c.colour or PALETTE[i % len(PALETTE)] for i, c in enumerate(codebook.codes)}


def document_view(
    project: Project, doc: Document, kind: str, *, coders: Sequence[str] = (),
    codings: Iterable[Any] | None = None,
) -> Any:
    """Header with attributes, then one row per unit: number, speaker, text, codes.

    ``codings`` are objects with ``doc, start, end, code, coder``; when coders are
    named and codings not given, they are replayed from the audit logs.
    """
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    if codings is None and coders:
        codings = _replayed(project, doc.id, coders)
    codings = [c for c in (codings or []) if c.doc == doc.id and (not coders or c.coder in coders)]
    colours = code_colours(project) if codings else {}
    attrs = ", ".join(f"{k}={v}" for k, v in doc.attributes.items()) or "no attributes"
    header = Panel(
        safe_text(f"{doc.kind}, {doc.meta.get('format')}, {doc.language}, {doc.words()} words, "
                  f"{len(doc.turns)} turns\n{attrs}"),
        title=safe_text(doc.id), title_align="left",
    )
    table = Table(show_header=False, box=None, pad_edge=False, expand=True)
    table.add_column("n", justify="right", style="dim", no_wrap=True)
    table.add_column("who", style="bold", no_wrap=True, max_width=16)
    table.add_column("text", ratio=1)
    if codings:
        table.add_column("codes", width=28, no_wrap=False)
    turn_starts = {t.start: t for t in doc.turns}
    turns = doc.turns
    for n, (a, b) in enumerate(doc.units(kind), start=1):
        turn = turn_starts.get(a) or (
            next((t for t in turns if t.start == a), None) if kind != "sentence" else None
        )
        who = ""
        if turn is not None:
            who = turn.speaker or turn.heading or ""
            if turn.time and turn.speaker:
                who = f"{who} {turn.time}"
        text = safe_text(doc.text[a:b])  # visible() keeps one character per character
        here = [c for c in codings if c.start < b and c.end > a]
        for c in here:
            text.stylize(f"underline {colours.get(c.code, 'bold')}", max(c.start, a) - a,
                         min(c.end, b) - a)
        row = [Text(str(n)), safe_text(who), text]
        if codings:
            row.append(_labels(here, colours, len(coders) > 1, _coders_differ(here, coders)))
        table.add_row(*row)
    return Group(header, table)


def _labels(here: list[Any], colours: dict[str, str], with_coders: bool, differ: bool) -> Any:
    """The margin: one line per code, with who applied it; ``≠`` where coders differ."""
    from rich.text import Text

    by_code: dict[str, list[str]] = {}
    for c in here:
        who = by_code.setdefault(c.code, [])
        if c.coder not in who:
            who.append(c.coder)
    lines = []
    for code, who in by_code.items():
        line = safe_text(code, style=colours.get(code, "bold"))
        if with_coders:
            line.append(visible(" " + " ".join(who)), style="dim")
        lines.append(line)
    out = Text("\n").join(lines) if lines else Text("")
    if differ:
        out.append(" ≠", style="bold red")
    return out


def _coders_differ(here: list[Any], coders: Sequence[str]) -> bool:
    if len(coders) < 2:
        return False
    sets = {frozenset(c.code for c in here if c.coder == who) for who in coders}
    return len(sets) > 1


def _replayed(project: Project, doc_id: str, coders: Sequence[str]) -> list[Any]:
    from .index import replay

    return list(replay(project, docs=[doc_id]).select(coders=coders))
