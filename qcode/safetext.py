"""Project text shown on a terminal: control characters made visible.

Documents, code labels, attributes, memos and names are data. Before any of it
reaches a terminal, :func:`visible` replaces every character that a terminal
would act on (escape sequences, carriage returns, bells, 8-bit controls, bidi
overrides) with a visible stand-in, so a document can neither clear the screen,
set the window title, plant a hyperlink nor write to the clipboard. CSV and JSON
carry the text exactly; only terminal output goes through here. :func:`csv_safe`
is the one rule against spreadsheet formulas in every CSV qcode writes.
"""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional
# overrides and isolates that reorder what a reader sees.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _stand_in(m: re.Match[str]) -> str:
    c = ord(m.group())
    if c < 0x20:
        return chr(0x2400 + c)  # the Control Pictures block: ␛ for ESC, ␍ for CR
    if c == 0x7F:
        return "\u2421"  # ␡
    return "\ufffd"  # 8-bit controls and bidi overrides: the replacement character


_CONTROL_OR_BREAK = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def visible(text: str, *, lines: bool = True) -> str:
    """``text`` with every terminal control character shown as a visible stand-in of
    one character, so offsets into the text still hold for what is shown. With
    ``lines=False`` newlines and tabs are shown too (␊, ␉), for one-line cells."""
    return (_CONTROL if lines else _CONTROL_OR_BREAK).sub(_stand_in, text)


def count_controls(text: str) -> int:
    """How many characters :func:`visible` would replace (ingest reports this)."""
    return len(_CONTROL.findall(text))


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def csv_safe(text: str) -> str:
    """A text cell a spreadsheet will not run as a formula: one starting with ``=``,
    ``+``, ``-``, ``@``, tab or carriage return gets a leading ``'`` (the usual rule
    against CSV injection). Numbers, which no spreadsheet runs, stay as they are."""
    if text.startswith(_FORMULA_START) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text
