"""Coding decisions as library functions: each writes to the coder's own audit log.

``select`` turns --span/--quote/--unit into offsets, ``plan`` checks steps
against the coder's log and writes them in one locked append, ``ops`` holds
apply, remove, memo and undo, ``csvload`` the CSV path (``apply --from``).
"""

from __future__ import annotations

from .actions import UNDOABLE, active_code, apply, memo, remove, remove_coding, undo
from .csvload import COLUMNS, apply_csv
from .plan import Outcome, Plan, coder_warnings, event_fields
from .select import find_quote, parse_span_arg, select_span

__all__ = [
    "COLUMNS", "UNDOABLE", "Outcome", "Plan", "active_code", "apply", "apply_csv",
    "coder_warnings", "event_fields", "find_quote", "memo", "parse_span_arg", "remove",
    "remove_coding", "select_span", "undo",
]
