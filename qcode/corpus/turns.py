"""Speaker turns and fieldnote entries, from the conventions transcribers use.

Recognised turn labels at the start of a line::

    Interviewer: ...        I: ...   R: ...   P3: ...   NURSE 2: ...
    [00:01:02] Kari: ...    00:01:02 Kari: ...
    Kari (00:01:02): ...

A plain ``Label:`` counts as a speaker when it has a timestamp, is a known role
(Interviewer, I, R, Q, A, ...), or labels at least two lines of the document, so
that a stray "Note:" in prose does not start a turn. Once a document has speakers,
a label used only once counts too when it looks like a participant code (``P3``,
``NURSE 2``) or a name (``KARI``, ``Kari``, ``Ole Hansen``), so one remark in a
focus group is not merged into the turn before it. A label may stand alone on its
line (``MODERATOR:``), its words on the lines below. A project may declare its
speakers and their roles (``speakers:`` in qcode.yaml); a declared label is always
a speaker, with the declared role. Fieldnote entries start at
dated headings: ``## 2020-01-14``, ``14.01.2020``, ``Day 3 — Tuesday``.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from .parsed import CaptionTurn

_LABEL = r"(?P<label>[A-ZÆØÅÄÖÜ][\w.'’\-]*(?:[ \t]+[\w.'’\-]+){0,3})"
_TIME = r"(?P<time>\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?)"
_PATTERNS = (
    re.compile(rf"^\[{_TIME}\][ \t]*{_LABEL}[ \t]*:[ \t]*"),
    re.compile(rf"^\(?{_TIME}\)?[ \t]+{_LABEL}[ \t]*:[ \t]*"),
    re.compile(rf"^{_LABEL}[ \t]*[(\[]{_TIME}[)\]][ \t]*:[ \t]*"),
    re.compile(rf"^\*\*{_LABEL}:?\*\*:?[ \t]*"),
    re.compile(rf"^{_LABEL}[ \t]*:[ \t]+(?=\S)"),
    re.compile(rf"^{_LABEL}[ \t]*:[ \t]*$"),  # a label alone on its line, the words below
)
KNOWN_ROLES = {
    "interviewer": "interviewer", "intervjuer": "interviewer", "i": "interviewer",
    "q": "interviewer", "int": "interviewer", "moderator": "interviewer",
    "facilitator": "interviewer", "researcher": "interviewer", "forsker": "interviewer",
    "r": "respondent", "a": "respondent", "respondent": "respondent",
    "informant": "respondent", "participant": "respondent", "deltaker": "respondent",
}
_NOT_SPEAKERS = {"note", "notes", "nb", "ps", "p.s", "update", "edit", "example", "merk",
                 "obs", "tips", "warning", "todo", "source", "kilde", "title", "tittel"}
_CODE_LABEL = re.compile(r"^(?:[^\W\d_]{1,15}[ \t]?\d{1,3}|[A-ZÆØÅÄÖÜ][A-ZÆØÅÄÖÜ .'’\-]{0,30})$")
_NAME_LABEL = re.compile(r"^[A-ZÆØÅÄÖÜ][a-zæøåäöüé'’\-]+(?:[ \t][A-ZÆØÅÄÖÜ][a-zæøåäöüé'’\-]+)?$")
_SOLID = re.compile(r"\S")
LEADING_TIME = re.compile(rf"\[{_TIME}\]")
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_DMY = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})\b")
_HEADING = re.compile(
    r"^(?:#{1,6}[ \t]+)?(?P<h>(?:\d{4}-\d{2}-\d{2}|\d{1,2}\.\d{1,2}\.(?:\d{4}|\d{2})|"
    r"(?:Day|Dag)[ \t]+\d+)\b.*)$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Turn:
    """A speaker turn, or a fieldnote entry (speaker None, heading set).

    ``start:end`` is the turn's content (label excluded); ``line_start`` is where
    its label or heading begins.
    """

    n: int
    start: int
    end: int
    speaker: str | None
    role: str | None
    time: str | None
    line_start: int
    heading: str | None = None


@dataclass(frozen=True, slots=True)
class _Mark:
    line_start: int
    content_start: int
    speaker: str | None
    time: str | None
    heading: str | None


def _label_match(line: str) -> re.Match[str] | None:
    for pattern in _PATTERNS:
        m = pattern.match(line)
        if m:
            return m
    return None


def infer_role(speaker: str | None) -> str | None:
    if speaker is None:
        return None
    key = speaker.strip().casefold().rstrip(".")
    if key in KNOWN_ROLES:
        return KNOWN_ROLES[key]
    if key.startswith(("interviewer", "intervjuer", "moderator", "researcher")):
        return "interviewer"
    return "respondent"


def entry_date(heading: str) -> str | None:
    """ISO date of a fieldnote heading, when it carries one."""
    m = _ISO.search(heading)
    if m:
        return m.group(0)
    m = _DMY.search(heading)
    if m:
        day, month, year = int(m[1]), int(m[2]), m[3]
        year = f"20{year}" if len(year) == 2 else year
        if 1 <= day <= 31 and 1 <= month <= 12:
            return f"{year}-{month:02d}-{day:02d}"
    return None


def _is_speaker(label: str, m: re.Match[str], counts: Counter[str], transcript: bool,
                declared: frozenset[str] = frozenset()) -> bool:
    """Whether a ``Label:`` (``label``, stripped) starts a turn. A declared speaker
    always does. In a document that already has speakers, a label used once counts
    too when it looks like a participant code (P3, NURSE 2) or a name (KARI, Kari)."""
    if label.casefold() in declared:
        return True
    if label.casefold().rstrip(".") in _NOT_SPEAKERS:
        return False
    if m.groupdict().get("time") is not None or label.casefold() in KNOWN_ROLES or counts[label] >= 2:
        return True
    return transcript and bool(_CODE_LABEL.match(label) or _NAME_LABEL.match(label))


def _marks(text: str, declared: frozenset[str] = frozenset()  # noqa: C901 - one pass, two kinds
           ) -> tuple[list[_Mark], list[_Mark]]:
    candidates = []
    headings = []
    pos = 0
    for line in text.split("\n"):
        start, pos = pos, pos + len(line) + 1
        if not line or line.isspace():
            continue
        m = _label_match(line)
        if m:
            candidates.append((start, m["label"].strip(), m))
            continue
        stripped = line.strip()
        h = _HEADING.match(stripped) if len(stripped) <= 80 else None
        if h:
            heading = stripped.lstrip("#").strip()
            headings.append(_Mark(start, start + len(line), None, entry_date(h["h"]), heading))
    counts = Counter(label for _, label, _ in candidates)
    transcript = any(_is_speaker(label, m, counts, False, declared) for _, label, m in candidates)
    decided: dict[tuple[str, bool], bool] = {}  # (label, timed): a decision depends on no more
    speakers = []
    for pos, label, m in candidates:
        timed = m.groupdict().get("time") is not None
        key = (label, timed)
        if key not in decided:
            decided[key] = _is_speaker(label, m, counts, transcript, declared)
        if decided[key]:
            time = m["time"].replace(",", ".") if timed else None
            if time is None:  # "R: [00:04:10] text": a timestamp right after the label
                stamp = LEADING_TIME.match(text, pos + m.end())
                time = stamp["time"].replace(",", ".") if stamp else None
            speakers.append(_Mark(pos, pos + m.end(), label, time, None))
    return speakers, headings


def detect_turns(text: str, declared: dict[str, str] | None = None) -> tuple[str, tuple[Turn, ...]]:
    """(kind, turns): kind is "transcript", "fieldnote" or "text". ``declared`` maps
    the project's declared speaker labels to their roles (matched ignoring case)."""
    roles_declared = {k.casefold(): v for k, v in (declared or {}).items()}
    speakers, headings = _marks(text, frozenset(roles_declared))
    if len(headings) >= 2:  # dated entries make a fieldnote, even with reported speech
        speakers = []
    if speakers:
        kind, marks = "transcript", speakers
        boundaries = sorted([m.line_start for m in speakers] + [m.line_start for m in headings])
    elif headings:
        kind, marks = "fieldnote", headings
        boundaries = [m.line_start for m in headings]
    else:
        return "text", ()
    turns: list[Turn] = []
    roles: dict[str | None, str | None] = {}
    for mark in marks:
        i = bisect.bisect_right(boundaries, mark.line_start)
        nxt = boundaries[i] if i < len(boundaries) else len(text)
        solid = _SOLID.search(text, mark.content_start, nxt)
        start = solid.start() if solid else nxt
        end = start + len(text[start:nxt].rstrip())
        if mark.speaker not in roles:
            key = mark.speaker.casefold() if mark.speaker else None
            roles[mark.speaker] = roles_declared.get(key or "") or infer_role(mark.speaker)
        turns.append(
            Turn(len(turns) + 1, start, end, mark.speaker, roles[mark.speaker], mark.time,
                 mark.line_start, mark.heading)
        )
    return kind, tuple(turns)


def caption_turns(parsed_turns: Iterable[CaptionTurn],
                  roles: dict[str, str] | None = None) -> tuple[Turn, ...]:
    """Turns for caption formats, whose readers already know speakers and times."""
    return tuple(
        Turn(i + 1, t.start, t.end, t.speaker, infer_role(t.speaker), t.time, t.line_start)
        for i, t in enumerate(parsed_turns)
    )
