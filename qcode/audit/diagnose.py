"""What happened at the first line of a log that does not verify: edited, deleted,
inserted, reordered or copied from another log (``verify`` asks, this module looks
at the lines around it)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .line import HASH_SUFFIX_LEN, Event, LineError, chain_hash, parse_line, split_hash
from .log import PROJECT_LOG, display, iter_lines


@dataclass(frozen=True, slots=True)
class Problem:
    """The first thing wrong with one log. ``line`` is 1-based (None: the whole file)."""

    log: str
    line: int | None
    kind: str
    message: str

    def __str__(self) -> str:
        return self.message


def after_good(path: Path, number: int, raw: bytes, before: tuple[str | None, bytes]
                ) -> Problem | None:
    """A line inserted just before ``number`` that chains to its predecessor: the line
    at ``number`` then chains to the one before the inserted line (or repeats it)."""
    hash_before, raw_before = before
    where = f"{display(path)} line {number - 1}"
    if number > 1 and raw == raw_before:
        return Problem(path.stem, number, "inserted",
                       f"{display(path)} line {number}: inserted; a copy of line {number - 1}.")
    if hash_before is not None and _chains(hash_before, raw):
        return Problem(path.stem, number - 1, "inserted",
                       f"{where}: inserted; line {number} chains to the line before it.")
    return None


def _try_parse(raw: bytes) -> Event | None:
    try:
        return parse_line(raw)
    except (LineError, UnicodeDecodeError):
        return None


def _chains(prev: str, raw: bytes | None) -> bool:
    if raw is None:
        return False
    try:
        body, stored = split_hash(raw, prev)
    except LineError:
        return False
    return chain_hash(prev, body) == stored


def _rest(path: Path, number: int) -> list[bytes]:
    return [raw for n, raw, complete in iter_lines(path) if n >= number and complete]


def classify(path: Path, number: int, prev: str, seq: int, others: Iterable[Path]) -> Problem:
    """Name what happened at line ``number``, the first line that does not verify."""
    name, where = path.stem, f"{display(path)} line {number}"
    rest = _rest(path, number)
    raw, nxt = rest[0], (rest[1] if len(rest) > 1 else None)
    event = _try_parse(raw)
    origin = _find_copy(raw, others)
    if origin is not None:
        return Problem(name, number, "foreign", f"{where}: a line from another log (it is "
                       f"{origin}).")
    stranger = event is not None and name != PROJECT_LOG and event.actor != name
    if stranger and event is not None and nxt is not None and not _chains(event.hash, nxt):
        return Problem(name, number, "foreign", f"{where}: a line from another log (its "
                       f"actor is {event.actor!r}).")
    if event is None:
        if _chains(prev, nxt):
            return Problem(name, number, "inserted", f"{where}: inserted (not an audit line).")
        reason = _reason(raw)
        return Problem(name, number, "edited", f"{where}: edited; {reason}.")
    if _chains(prev, raw):
        return Problem(name, number, "edited",
                       f"{where}: edited; seq {event.seq} where {seq} was expected.")
    later = _reordered(event, raw, rest[1:]) if event.seq > seq else None
    if later is not None:
        return Problem(name, number, "reordered",
                       f"{where}: out of order; seq {event.seq} belongs after line "
                       f"{number + later} (seq {event.seq - 1}).")
    if _chains(prev, nxt):
        return Problem(name, number, "inserted",
                       f"{where}: inserted; removing it restores the chain.")
    if event.seq == seq or _seq_was_edited(event, raw, prev, seq):
        chained = "" if nxt is not None else " (or a forged last line)"
        return Problem(name, number, "edited",
                       f"{where}: edited{chained}; its hash does not match its bytes and "
                       "the line before.")
    if event.seq > seq:
        gap = f"seq {seq}" if event.seq == seq + 1 else f"seq {seq} to {event.seq - 1}"
        return Problem(name, number, "deleted", f"{where}: line(s) deleted before it ({gap} "
                       "missing).")
    return Problem(name, number, "inserted",
                   f"{where}: inserted; seq {event.seq} repeats an earlier line.")


def _reason(raw: bytes) -> str:
    try:
        parse_line(raw)
    except (LineError, UnicodeDecodeError) as exc:
        return str(exc)
    return "its hash does not chain to the line before"


def _reordered(event: Event, raw: bytes, later: list[bytes]) -> int | None:
    """Offset of a later line (seq one less) whose hash this line chains to: a swap."""
    try:
        body, stored = split_hash(raw)
    except LineError:
        return None
    prefix = b'{"seq":%d,' % (event.seq - 1)
    for offset, other in enumerate(later, start=1):
        if other.startswith(prefix):
            candidate = _try_parse(other)
            if candidate and chain_hash(candidate.hash, body) == stored:
                return offset
    return None


def _seq_was_edited(event: Event, raw: bytes, prev: str, seq: int) -> bool:
    """Whether the line chains once its ``seq`` is put back to ``seq`` (both formats:
    the raw body with its seq replaced)."""
    prefix = b'{"seq":%d,' % event.seq
    try:
        body, stored = split_hash(raw)
    except LineError:
        return False
    if not body.startswith(prefix):
        return False
    fixed = b'{"seq":%d,' % seq + body[len(prefix):]
    return chain_hash(prev, fixed) == stored or chain_hash(
        prev, b'{"seq":%d,' % seq + raw[len(prefix):-HASH_SUFFIX_LEN] + b"}") == stored


def _find_copy(raw: bytes, others: Iterable[Path]) -> str | None:
    for other in others:
        if other.exists():
            for n, line, _ in iter_lines(other):
                if line == raw:
                    return f"{display(other)} line {n}"
    return None
