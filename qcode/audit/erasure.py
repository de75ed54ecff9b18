"""Erasing project text from the logs without breaking the chain or any signature.

In format 2 the chain covers a salted commitment to each piece of project text
(``quote``, ``fp``, ``memo``, ``data.reason``) and the text sits beside it in the
``text`` object, outside the chained body. Erasing deletes the text and its salt:
the body, the hash, and every signature and seal of that head stay as they were.

A format-1 line's hash covers the text itself. Erasing sets those fields to null
and keeps the old hash (so the lines after it, their signatures and seals still
hold); the ``redact`` record in project.log, signed by whoever redacted, names the
sha256 of each such converted line, and verify accepts exactly those bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import AuditError
from .line import TEXT_FIELDS, _dumps, parse_span
from .log import PROJECT_LOG, iter_lines, locked_log, log_names

_DECODER = json.JSONDecoder()


@dataclass
class Erasure:
    """What an erasure changes: per log, the lines and their erased fields, and for
    format-1 lines the sha256 of the rewritten line."""

    lines: dict[str, list[int]] = field(default_factory=dict)
    converted: dict[str, dict[str, str]] = field(default_factory=dict)
    new_bytes: dict[str, bytes] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.lines.values())


def _overlaps(obj: dict[str, Any], doc: str, span: tuple[int, int] | None) -> bool:
    if obj.get("doc") != doc:
        return False
    if span is None or not isinstance(obj.get("span"), str):
        return True
    try:
        start, end = parse_span(obj["span"])
    except AuditError:
        return True
    return start < span[1] and span[0] < end or start == end == span[0]


def _holds(value: Any, words: list[str]) -> bool:
    return isinstance(value, str) and any(w in value for w in words)


def _text_of(obj: dict[str, Any], name: str) -> Any:
    text = obj.get("text")
    if isinstance(text, dict) and name in text:
        return text[name][1] if isinstance(text[name], list) and len(text[name]) == 2 else None
    if name == "reason":
        data = obj.get("data")
        return data.get("reason") if isinstance(data, dict) else None
    return obj.get(name)


def erase_line(raw: bytes, doc: str, span: tuple[int, int] | None, words: list[str]
               ) -> tuple[bytes, tuple[str, ...], bool] | None:
    """``(new bytes, erased fields, format 1)`` for a line that holds the words or
    codes the erased passage, else None."""
    obj = _DECODER.decode(raw.decode("utf-8"))
    coded = _overlaps(obj, doc, span)
    fields = tuple(n for n in TEXT_FIELDS
                   if (coded and n in ("quote", "fp")) or _holds(_text_of(obj, n), words))
    if "quote" in fields:
        fields = (*fields, "fp")  # the fingerprint of a text that holds the words
    fields = tuple(n for n in TEXT_FIELDS if n in fields and _text_of(obj, n) is not None)
    if not fields:
        return None
    if "text" in obj:  # format 2: drop the text and its salt; body and hash untouched
        text = {k: v for k, v in (obj["text"] or {}).items() if k not in fields}
        obj["text"] = text or None
        return _dumps(obj).encode("utf-8"), fields, False
    for name in fields:  # format 1: the text goes; the old hash stays
        if name == "reason":
            obj["data"] = {**obj["data"], "reason": None}
        else:
            obj[name] = None
    return _dumps(obj).encode("utf-8"), fields, True


def plan(audit_dir: Path, doc: str, span: tuple[int, int] | None, words: list[str]) -> Erasure:
    """Every line of every log that the erasure changes (nothing is written)."""
    out = Erasure()
    for name in log_names(audit_dir):
        path = audit_dir / f"{name}.log"
        pieces, changed = [], False
        for number, raw, complete in iter_lines(path):
            new = erase_line(raw, doc, span, words) if complete else None
            if new is not None:
                changed = True
                out.lines.setdefault(name, []).append(number)
                if new[2]:
                    out.converted.setdefault(name, {})[str(number)] = (
                        hashlib.sha256(new[0]).hexdigest())
                raw = new[0]
            pieces.append(raw + (b"\n" if complete else b""))
        if changed:
            out.new_bytes[name] = b"".join(pieces)
    return out


def record_fields(actor: str, doc: str, span: str | None, reason: str, erasure: Erasure
                  ) -> dict[str, Any]:
    """The project.log ``redact`` line: what was erased, where, why and by whom."""
    data = {"lines": erasure.lines, "converted": erasure.converted, "reason": reason}
    return {"actor": actor, "action": "redact", "doc": doc, "span": span, "data": data}


def rewrite(audit_dir: Path, project_id: str, erasure: Erasure) -> None:
    """Replace each changed log with its erased bytes, under the log's lock, through a
    new file renamed over the old one (a crash leaves the old or the new, whole)."""
    for name, data in erasure.new_bytes.items():
        path = audit_dir / f"{name}.log"
        with locked_log(path, project_id, signing=None):
            current = path.read_bytes()
            merged = data + current[len(_prefix(data, current)):]
            tmp = path.with_name(path.name + ".redacting")
            with open(tmp, "wb") as fh:
                fh.write(merged)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)


def _prefix(data: bytes, current: bytes) -> bytes:
    """The part of ``current`` that ``data`` replaces (the same number of lines)."""
    count = data.count(b"\n")
    cut = 0
    for _ in range(count):
        cut = current.index(b"\n", cut) + 1
    return current[:cut]


def records(audit_dir: Path) -> list[tuple[int, dict[str, Any]]]:
    """The ``redact`` lines of project.log (line number, parsed object as written)."""
    path = audit_dir / f"{PROJECT_LOG}.log"
    if not path.exists():
        return []
    found = []
    for number, raw, complete in iter_lines(path):
        if complete and b'"action":"redact"' in raw:
            try:
                obj = _DECODER.decode(raw.decode("utf-8"))
            except ValueError:
                continue
            if isinstance(obj, dict) and obj.get("action") == "redact":
                found.append((number, obj))
    return found


def converted_lines(recs: list[tuple[int, dict[str, Any]]]) -> dict[str, dict[int, str]]:
    """log -> line -> sha256 of the converted format-1 line, from every record."""
    out: dict[str, dict[int, str]] = {}
    for _, obj in recs:
        conv = (obj.get("data") or {}).get("converted")
        if isinstance(conv, dict):
            for log, lines in conv.items():
                if isinstance(lines, dict):
                    for line, digest in lines.items():
                        if str(line).isdigit() and isinstance(digest, str):
                            out.setdefault(log, {})[int(line)] = digest
    return out


def naming_records(log: str, recs: list[tuple[int, dict[str, Any]]]
                   ) -> dict[int, tuple[int, dict[str, Any]]]:
    """line -> (project.log line, record) of the first record naming that line of ``log``."""
    named: dict[int, tuple[int, dict[str, Any]]] = {}
    for number, obj in recs:
        data = obj.get("data")
        lines = (data.get("lines") or {}).get(log) if isinstance(data, dict) else None
        for line in lines if isinstance(lines, list) else ():
            if isinstance(line, int):
                named.setdefault(line, (number, obj))
    return named


def explain(log: str, redacted: tuple[tuple[int, tuple[str, ...]], ...],
            recs: list[tuple[int, dict[str, Any]]]) -> tuple[list[str], list[tuple[int, str]]]:
    """Notes for redacted lines a record names, and (line, message) for those none does."""
    named = naming_records(log, recs)
    notes, unnamed = [], []
    for line, fields in redacted:
        what = ("text (a format-1 line, converted with its hash kept)"
                if fields == ("format 1",) else ", ".join(fields))
        if line in named:
            number, obj = named[line]
            why = _text_of(obj, "reason") or "no reason kept"
            notes.append(f"audit/{log}.log line {line}: {what} redacted by "
                         f"{obj.get('actor')} at {obj.get('time')} (project.log line {number}): "
                         f"{why}.")
        else:
            unnamed.append((line, f"audit/{log}.log line {line}: its {what} was removed, "
                                  "but no redaction in project.log names this line."))
    return notes, unnamed
