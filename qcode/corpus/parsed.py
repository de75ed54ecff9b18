"""What a reader returns: the normalised text, and what the format already knows
about its structure (caption turns and cues, PDF pages)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Cue:
    """A caption cue: its text's offsets in the stored text and its timings."""

    start: int
    end: int
    begin_time: str
    end_time: str


@dataclass(frozen=True, slots=True)
class CaptionTurn:
    speaker: str | None
    start: int  # content start (after "Speaker: ")
    end: int
    line_start: int  # where the label begins
    time: str | None


@dataclass(frozen=True, slots=True)
class Parsed:
    text: str
    format: str
    encoding: str | None = None
    turns: tuple[CaptionTurn, ...] | None = None  # None: detect from the text
    cues: tuple[Cue, ...] = field(default=())
    pages: tuple[tuple[int, int], ...] = field(default=())  # PDF: each page's span


__all__ = ["CaptionTurn", "Cue", "Parsed"]
