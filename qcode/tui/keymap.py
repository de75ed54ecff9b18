"""Every key of the coding view in one table: the bindings, the help overlay and
docs/tui.md are all made from it, so they cannot drift apart.

``keys`` are Textual key names (comma-separated, as ``Binding`` takes them);
``shown`` is how the help overlay writes them; ``plain`` is the equivalent
command of ``--plain`` mode (None when the key only makes sense on a screen).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Key:
    keys: str
    shown: str
    action: str
    help: str
    group: str
    plain: str | None = None


GROUPS = ("Move", "Find", "Select", "Code", "Suggestions", "Other")

KEYS: tuple[Key, ...] = (
    Key("down,j", "↓ j", "move(1)", "next unit", "Move", "next"),
    Key("up,k", "↑ k", "move(-1)", "previous unit", "Move", "prev"),
    Key("right_square_bracket", "]", "turn(1)", "next turn", "Move", "turn next"),
    Key("left_square_bracket", "[", "turn(-1)", "previous turn", "Move", "turn prev"),
    Key("pagedown,ctrl+f", "PgDn ^f", "page(1)", "next page", "Move", None),
    Key("pageup,ctrl+b", "PgUp ^b", "page(-1)", "previous page", "Move", None),
    Key("home,g", "Home g", "edge(-1)", "first unit", "Move", "first"),
    Key("end,G", "End G", "edge(1)", "last unit", "Move", "last"),
    Key("n", "n", "uncoded(1)", "next unit you have not coded (on into later documents)",
        "Move", "uncoded"),
    Key("N", "N", "uncoded(-1)", "previous uncoded unit (back into earlier documents)", "Move",
        "uncoded prev"),
    Key("d", "d", "disagreement(1)", "next disagreement (with --compare)", "Move", "disagreement"),
    Key("D", "D", "disagreement(-1)", "previous disagreement", "Move", "disagreement prev"),
    Key("colon", ":", "jump", "go to a unit number, t N (a turn) or a speaker by name",
        "Find", "goto N|t N|NAME"),
    Key("slash", "/", "find_text", "search the document's text; Enter selects the next match",
        "Find", "find TEXT"),
    Key("semicolon", ";", "find_again(1)", "next match of the text search", "Find", "find"),
    Key("comma", ",", "find_again(-1)", "previous match of the text search", "Find",
        "find prev"),
    Key("greater_than_sign", ">", "document(1)", "next document", "Move", "doc next"),
    Key("less_than_sign", "<", "document(-1)", "previous document", "Move", "doc prev"),
    Key("l,right", "→ l", "grow('end', 'word', 1)", "selection end: one word more", "Select",
        "grow word"),
    Key("h,left", "← h", "grow('end', 'word', -1)", "selection end: one word less", "Select",
        "shrink word"),
    Key("L,shift+right", "⇧→ L", "grow('end', 'sentence', 1)",
        "selection end: one sentence more", "Select", "grow sentence"),
    Key("H,shift+left", "⇧← H", "grow('end', 'sentence', -1)",
        "selection end: one sentence less", "Select", "shrink sentence"),
    Key("b", "b", "grow('start', 'word', 1)", "selection start: one word earlier", "Select",
        "grow start word"),
    Key("w", "w", "grow('start', 'word', -1)", "selection start: one word later", "Select",
        "shrink start word"),
    Key("B", "B", "grow('start', 'sentence', 1)", "selection start: one sentence earlier",
        "Select", "grow start sentence"),
    Key("W", "W", "grow('start', 'sentence', -1)", "selection start: one sentence later",
        "Select", "shrink start sentence"),
    Key("v,escape", "v Esc", "reset_selection", "select the whole unit again", "Select",
        "reset"),
    Key("1,2,3,4,5,6,7,8,9,0", "1-9 0", "", "apply the code with that number", "Code",
        "apply 3"),
    Key("f", "f", "search", "find a code as you type, Enter applies it", "Code",
        "apply NAME"),
    Key("enter", "Enter", "", "apply the code under the codebook cursor (Tab: go there)",
        "Code", None),
    Key("full_stop", ".", "repeat", "apply the last code again", "Code", "again"),
    Key("x", "x", "remove", "remove a coding of yours on the selection", "Code",
        "remove [CODE]"),
    Key("m", "m", "memo('unit')", "memo on the selection (the unit)", "Code", "memo TEXT"),
    Key("c", "c", "memo('coding')", "memo on a coding of yours here", "Code",
        "memo coding [CODE] TEXT"),
    Key("M", "M", "memo('document')", "memo on the document", "Code", "memo doc TEXT"),
    Key("u,ctrl+z", "u ^z", "undo", "undo: void your last decision", "Code", "undo"),
    Key("a", "a", "accept", "accept the suggestion shown", "Suggestions", "a"),
    Key("r", "r", "reject", "reject the suggestion shown", "Suggestions", "r"),
    Key("R", "R", "reject_memo", "reject the suggestion shown, with a memo saying why",
        "Suggestions", "r MEMO"),
    Key("s", "s", "suggestion(1)", "next suggestion", "Suggestions", "suggestion"),
    Key("S", "S", "suggestion(-1)", "previous suggestion", "Suggestions", "suggestion prev"),
    Key("tab", "Tab", "", "switch between the document and the codebook", "Other", None),
    Key("question_mark", "?", "help", "this help", "Other", "help"),
    Key("q", "q", "quit", "quit (every decision is already saved)", "Other", "quit"),
)

NUMBER_KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "0")


def bound() -> tuple[Key, ...]:
    """The keys that are app-level bindings (the rest are handled by widgets)."""
    return tuple(k for k in KEYS if k.action)


def by_group() -> list[tuple[str, list[Key]]]:
    return [(g, [k for k in KEYS if k.group == g]) for g in GROUPS]


def markdown_table() -> str:
    """The key table as Markdown (docs/tui.md embeds it; a test compares them)."""
    rows = ["| group | keys | what it does | --plain command |", "|---|---|---|---|"]
    for group, keys in by_group():
        for k in keys:
            plain = f"`{k.plain}`" if k.plain else "—"
            rows.append(f"| {group} | `{k.shown}` | {k.help} | {plain} |")
    return "\n".join(rows) + "\n"
