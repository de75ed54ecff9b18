"""Notices the library leaves for the person, without printing them.

Some facts belong beside every result that rests on them: a log whose chain is
broken, codings left out because they are orphaned or withdrawn. The library
records each with :func:`note`; the command line writes what was noted to stderr
once per command (:func:`drain`), so each such fact is one line however many
times a command replays the logs.
"""

from __future__ import annotations

_NOTED: dict[str, None] = {}  # insertion-ordered, without repeats


def note(message: str) -> None:
    """Record ``message`` for the person (said once per command)."""
    _NOTED.setdefault(message, None)


def drain() -> list[str]:
    """The messages noted since the last drain, in order, and forget them."""
    out = list(_NOTED)
    _NOTED.clear()
    return out
