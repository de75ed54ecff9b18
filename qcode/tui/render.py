"""Rich text for the coding view: the window of units around the cursor, the
status line and a code's rules. Pure functions of a :class:`Session`, so they are
tested without a terminal.

Nothing depends on colour alone: the current unit has a ``▶`` and is bold, coded
text is underlined, the selection is reversed, labels are written out in the
margin, and ``≠`` marks a disagreement. Colours only add to that.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text

from ..safetext import visible

if TYPE_CHECKING:
    from ..codebook import Codebook
    from .session import Session

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")


def code_colours(codebook: Codebook) -> dict[str, str]:
    """The codebook's colours, else the palette ``qcode show`` uses."""
    return {c.id: c.colour or PALETTE[i % len(PALETTE)] for i, c in enumerate(codebook.codes)}


@dataclass(frozen=True, slots=True)
class Layout:
    """Column widths of the document pane."""

    width: int
    gutter: int
    margin: int

    @property
    def text(self) -> int:
        return max(self.width - self.gutter - self.margin - (1 if self.margin else 0), 10)


def layout(width: int, units: int) -> Layout:
    gutter = len(str(units)) + 3
    margin = 0 if width < 44 else 12 if width < 70 else 16 if width < 100 else 20
    return Layout(width, gutter, margin)


def shown(text: Text) -> Text:
    """``text`` with its control characters made visible, styles kept (one character
    stands for one, so every span still covers what it covered)."""
    text.plain = visible(text.plain)
    return text


def _clip(label: str, width: int) -> str:
    return label if len(label) <= width else label[: max(width - 1, 0)] + "…"


def _labels(session: Session, i: int, colours: dict[str, str], width: int) -> list[Text]:
    rows = []
    for code in session.mine_by_unit[i]:
        name, mark = code.rstrip("?"), "?" if code.endswith("?") else ""
        rows.append(Text.assemble(("■ ", colours.get(name, "")),
                                  (_clip(name, width - 2 - len(mark)) + mark, "bold")))
    if session.compare and session.differs(i):
        theirs = ",".join(session.theirs_by_unit[i]) or "none"
        rows.append(Text(_clip(f"≠ {session.compare}: {theirs}", width), style="italic"))
    memos = session.memos_at(i)
    if memos:
        rows.append(Text(_clip(f"✎ {_one_line(memos[0].text)}", width), style="italic"))
    return [shown(r) for r in rows]


def _one_line(text: str) -> str:
    return visible(" ".join(text.split()))


def memo_panel(session: Session) -> Text | None:
    """The memos on the current unit, each with its coder and what it is on."""
    memos = session.memos_at(session.index)
    if not memos:
        return None
    out = Text(f"✎ Memos on {session.kind} {session.index + 1}", style="bold")
    for m in memos:
        what = f"coding {m.coding}" if m.coding else f"{m.span}"
        out.append("\n")
        out.append(m.coder, style="bold")
        out.append(f" on {what}, {m.time[:10]}\n", style="dim")
        out.append(_one_line(m.text))
    return out


def _unit_text(session: Session, i: int, colours: dict[str, str]) -> Text:
    a, b = session.units[i]
    text = Text(visible(session.doc.text[a:b].replace("\n", " ")),
                style="bold" if i == session.index else "")
    for c in session.mine:
        if c.start < b and c.end > a:
            text.stylize(f"underline {colours.get(c.code, '')}".strip(),
                         max(c.start, a) - a, min(c.end, b) - a)
    s_start, s_end = session.selection
    if session.selection != session.unit and s_start < b and s_end > a:
        text.stylize("reverse", max(s_start, a) - a, min(s_end, b) - a)
    return text


def _suggestion_lines(session: Session, colours: dict[str, str]) -> list[Text]:
    here = session.suggestions_here()
    rows = []
    for k, s in enumerate(here):
        picked = k == min(session.pick, len(here) - 1)
        score = f" {s.score:.2f}" if isinstance(s.score, int | float) else ""
        rows.append(Text.assemble(
            ("▸ " if picked else "  ", "bold"), ("◆ ", colours.get(s.code, "")),
            (s.code, "bold" if picked else ""), (score, "italic"),
            (f" — {s.reason}" if s.reason else "", "italic"),
            (f"  {session.HINT}" if picked else "", "dim"),
        ))
    if not here and not session.suggestions_loaded and session.suggestions_wanted:
        rows.append(Text("  suggestions loading…", style="dim italic"))
    return [shown(r) for r in rows]


def _marker(session: Session, i: int) -> str:
    if i == session.index:
        return "▶"
    if session.compare and session.differs(i):
        return "≠"
    return "◆" if session.suggestions_at(i) else " "


def _header(session: Session, i: int) -> Text | None:
    if not session.starts_turn(i):
        return None
    turn = session.turn_of(i)
    if turn is None:  # (a unit that starts a turn has one)
        return None
    if not turn.speaker:
        return shown(Text(turn.heading, style="bold")) if turn.heading else None
    return shown(Text.assemble((turn.speaker, "bold"),
                               (f" {turn.time}" if turn.time else "", "dim")))


def unit_block(session: Session, i: int, lay: Layout, colours: dict[str, str],
               console: Any) -> list[Text]:
    """The screen lines of unit ``i``: an optional speaker line, the wrapped text with
    the gutter and the margin of labels, then (current unit) its suggestions."""
    rows: list[Text] = []
    header = _header(session, i)
    if header is not None:
        rows.append(Text(" " * lay.gutter) + header)
    body = list(_unit_text(session, i, colours).wrap(console, lay.text))
    labels = _labels(session, i, colours, lay.margin) if lay.margin else []
    if lay.margin == 0 and (session.mine_by_unit[i] or session.memos_at(i)):
        marks = [*session.mine_by_unit[i], *(["✎ memo"] if session.memos_at(i) else [])]
        body.append(shown(Text("  " + ", ".join(marks), style="italic")))
    gutter = f"{_marker(session, i)} {i + 1:>{lay.gutter - 3}} "
    for k in range(max(len(body), len(labels))):
        line = Text(gutter if k == 0 else " " * lay.gutter,
                    style="bold" if i == session.index else "dim")
        piece = body[k] if k < len(body) else Text("")
        piece.truncate(lay.text, pad=True)
        line.append_text(piece)
        if lay.margin:
            line.append(" ")
            line.append_text(labels[k] if k < len(labels) else Text(""))
        rows.append(line)
    if i == session.index:
        for extra in _suggestion_lines(session, colours):
            for part in extra.wrap(console, lay.width - lay.gutter):
                rows.append(Text(" " * lay.gutter) + part)
    return rows


def window(session: Session, top: int, width: int, height: int, colours: dict[str, str],
           console: Any) -> tuple[int, list[Text], int]:
    """``(top, lines, units shown)``: the units from ``top`` that fill ``height``
    lines, with ``top`` moved so that the current unit and one unit of context
    above it are on screen."""
    lay = layout(width, len(session.units))
    current = session.index
    top = min(top, max(current - 1, 0))
    blocks: dict[int, list[Text]] = {}

    def block(i: int) -> list[Text]:
        if i not in blocks:
            blocks[i] = unit_block(session, i, lay, colours, console)
        return blocks[i]

    below = min(height // 5, 4)  # lines of context kept under the current unit
    while top < current and sum(len(block(i)) for i in range(top, current + 1)) + below > height:
        top += 1
    lines: list[Text] = []
    i = top
    while i < len(session.units) and len(lines) < height:
        lines.extend(block(i))
        i += 1
    return top, lines[:height], i - top


def status(session: Session, message: str = "") -> Text:
    """Two lines: what just happened, then where the coder is."""
    applied = ", ".join(f"{code} {n}" for code, n in session.applied_here()) or "none yet"
    where = Text.assemble(
        (session.doc.id, "bold"), f" · {session.kind} {session.index + 1}/{len(session.units)}",
        " · ", (session.coder, "bold"),
        f" vs {session.compare}" if session.compare else "",
        f" · {len(session.mine)} codings: {applied}",
    )
    return shown(Text.assemble(Text(message or "? help · q quit", style="italic"), "\n", where))


def code_detail(code: Any, number: int | None, colour: str) -> Text:
    """A code's rules, for the panel beside the codebook."""
    out = Text.assemble(("■ ", colour), (code.label, "bold"), (f"  {code.id}", "dim"))
    if number is not None:
        out.append(f"  key {number % 10}", style="dim")
    if code.retired:
        out.append("  retired", style="italic")
    for title, body in (("", code.definition), ("Include: ", code.include),
                        ("Exclude: ", code.exclude)):
        if body:
            out.append("\n")
            out.append(title, style="bold")
            out.append(" ".join(body.split()))
    for example in code.examples:
        out.append("\n• ", style="bold")
        out.append(" ".join(example.split()), style="italic")
    return shown(out)
