"""One audit line: the canonical bytes, the chain hash and the genesis value.

A line is the JSON object of :data:`KEYS`, in that order, every key present
(``null`` where it does not apply), written by ``json.dumps(obj,
ensure_ascii=False, separators=(",", ":"))`` and encoded as UTF-8, followed by
one ``\\n``. ``hash`` is the last key: ``sha256(prev_hash + body)`` in lower-case
hex, where ``prev_hash`` is the previous line's ``hash`` (or the log's genesis
value) as 64 ASCII bytes and ``body`` is the line's bytes without ``,"hash":"…"``
(the canonical JSON of the other sixteen keys). docs/audit-format.md is the
reference; this module is its implementation.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import contains
from typing import Any

from ..errors import AuditError

KEYS = (
    "seq", "time", "actor", "action", "doc", "docv", "span", "code", "codebook",
    "quote", "fp", "source", "score", "ref", "memo", "data", "hash",
)
BODY_KEYS = KEYS[:-1]
KEYS_V2 = (*BODY_KEYS, "text", "hash")  # format 2: project text beside its commitments
TEXT_FIELDS = ("quote", "fp", "memo", "reason")  # "reason" is data["reason"]
TEXT_KEY = b',"text":'
COMMIT_PREFIX = "c:"
ACTIONS = (
    "apply", "remove", "memo", "void", "seal", "accept", "reject",
    "migrate", "route", "reanchor", "docversion", "sign", "key", "redact", "import",
)
FORMAT_VERSION = "qcode-audit-v1"
HASH_SUFFIX_LEN = len(',"hash":""}') + 64
QUOTE_MAX = 120

_TIME_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z")
_HEX64_RE = re.compile(r"[0-9a-f]{64}")


class LineError(AuditError):
    """A line that is not a canonical audit line; ``reason`` says what is wrong."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"not a canonical audit line: {reason}")
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Event:
    """One parsed log line. ``data`` is a dict, so events compare but do not hash."""

    seq: int
    time: str
    actor: str
    action: str
    doc: str | None = None
    docv: str | None = None
    span: str | None = None
    code: str | None = None
    codebook: int | str | None = None
    quote: str | None = None
    fp: str | None = None
    source: str | None = None
    score: int | float | None = None
    ref: str | None = None
    memo: str | None = None
    data: dict[str, Any] | None = None
    hash: str = ""

    @property
    def bounds(self) -> tuple[int, int] | None:
        """``span`` as ``(start, end)``, or None."""
        return parse_span(self.span) if self.span is not None else None

    def values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, k) for k in KEYS)


# ---------------------------------------------------------------- values


def genesis(project_id: str, log_name: str) -> str:
    """The value the first line of ``audit/<log_name>.log`` chains to."""
    seed = f"{FORMAT_VERSION}\n{project_id}\n{log_name}".encode()
    return hashlib.sha256(seed).hexdigest()


def chain_hash(prev: str, body: bytes) -> str:
    return hashlib.sha256(prev.encode("ascii") + body).hexdigest()


def now_iso(moment: datetime | None = None) -> str:
    """UTC ISO 8601 with milliseconds, e.g. ``2025-03-01T09:30:00.125Z``."""
    moment = (moment or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def fingerprint(text: str) -> str:
    """``fp``: the first 12 hex digits of the sha256 of the full coded text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def shorten(text: str, limit: int = QUOTE_MAX) -> str:
    """``quote``: the text itself, or its head and tail around one ``…`` if longer
    than ``limit`` characters (the result is exactly ``limit`` long)."""
    if len(text) <= limit:
        return text
    head = (limit - 1) * 2 // 3
    tail = limit - 1 - head
    return text[:head] + "…" + text[len(text) - tail:]


def format_span(start: int, end: int) -> str:
    return f"{start}:{end}"


def parse_span(span: str) -> tuple[int, int]:
    """``"12:40"`` -> ``(12, 40)``; raises LineError unless canonical and ordered."""
    start_s, sep, end_s = span.partition(":")
    if not sep or not start_s.isdigit() or not end_s.isdigit() or not start_s.isascii():
        raise LineError(f"span {span!r} is not 'start:end'")
    start, end = int(start_s), int(end_s)
    if format_span(start, end) != span or start > end:
        raise LineError(f"span {span!r} is not 'start:end' with start <= end")
    return start, end


# ---------------------------------------------------------------- bytes

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object whose keys are all different: with a key twice, what the line says
    depends on who reads it (the bytes show the first value, a dict keeps the last)."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"the key {key!r} appears twice")
            seen.add(key)
    return obj


_DECODER = json.JSONDecoder(parse_constant=_no_constant, object_pairs_hook=_unique_keys)
_NONE = type(None)
_S = (str, _NONE)
_TYPES = (
    (int,), (str,), (str,), (str,), _S, _S, _S, _S, (int, str, _NONE), _S, _S, _S,
    (int, float, _NONE), _S, _S, (dict, _NONE), (str,),
)
_TYPES_V2 = (*_TYPES[:-1], (dict, _NONE), (str,))
_SPAN_RE = re.compile(r"(0|[1-9][0-9]*):(0|[1-9][0-9]*)")


try:  # the C encoder made once, as JSONEncoder.encode would make it on every call
    from json.encoder import (  # type: ignore[attr-defined]  # C helpers the stubs omit
        c_encode_basestring,
        c_make_encoder,
    )

    _C_ENCODE = c_make_encoder(None, _ENCODER.default, c_encode_basestring, None, ":", ",",
                               False, False, False)
except (ImportError, TypeError):  # pragma: no cover - pure-Python json
    _C_ENCODE = None


def _dumps(obj: dict[str, Any]) -> str:
    """``json.dumps(obj, ensure_ascii=False, separators=(",", ":"))`` for a JSON object
    without cycles (NaN and infinities refused)."""
    try:
        if _C_ENCODE is not None:
            return "".join(_C_ENCODE(obj, 0))
        return _ENCODER.encode(obj)
    except ValueError as exc:
        raise AuditError(f"cannot write an audit line: {exc}") from exc


def format_body(fields: dict[str, Any]) -> str:
    """The canonical JSON of the sixteen keys before ``hash`` (missing keys -> null)."""
    unknown = set(fields) - set(KEYS)
    if unknown:
        raise AuditError(f"unknown audit field(s): {', '.join(sorted(unknown))}")
    return _dumps({k: fields.get(k) for k in BODY_KEYS})


def join_hash(body: str, hash_hex: str) -> str:
    """A line (without its newline) from its body and hash."""
    return f'{body[:-1]},"hash":"{hash_hex}"}}'


def format_line(event: Event) -> str:
    """The canonical line of ``event`` (without the trailing newline)."""
    body = format_body({k: getattr(event, k) for k in BODY_KEYS})
    return join_hash(body, event.hash)


def commitment(salt: str, value: str) -> str:
    """``c:`` and the hex sha256 of the UTF-8 of the salt (32 hex digits) and the value."""
    return COMMIT_PREFIX + hashlib.sha256((salt + value).encode("utf-8")).hexdigest()


def commit_text(fields: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]] | None]:
    """Format 2: each piece of project text in ``fields`` replaced by its salted
    commitment, and the ``text`` object (``{field: [salt, text]}``) that holds it."""
    out = dict(fields)
    text: dict[str, list[str]] = {}
    for name in TEXT_FIELDS[:3]:
        value = out.get(name)
        if isinstance(value, str):
            salt = secrets.token_hex(16)
            text[name] = [salt, value]
            out[name] = commitment(salt, value)
    data = out.get("data")
    if isinstance(data, dict) and isinstance(data.get("reason"), str):
        salt = secrets.token_hex(16)
        text["reason"] = [salt, data["reason"]]
        out["data"] = {**data, "reason": commitment(salt, data["reason"])}
    return out, text or None


def seal_line(fields: dict[str, Any], prev_hash: str, *, version: int = 2) -> tuple[Event, str]:
    """Chain ``fields`` to ``prev_hash``: the Event and its line (no newline). A line
    with project text is written in format 2 (``version=1``: the old format)."""
    committed, text = commit_text(fields) if version == 2 else (fields, None)
    body = format_body(committed)
    hash_hex = chain_hash(prev_hash, body.encode("utf-8"))
    if text is None:
        line = join_hash(body, hash_hex)
    else:
        line = f'{body[:-1]},"text":{_dumps(text)},"hash":"{hash_hex}"}}'
    body_fields: dict[str, Any] = {k: fields.get(k) for k in BODY_KEYS}
    return Event(**body_fields, hash=hash_hex), line


def body_end(raw: bytes) -> int:
    """Where the chained body of a line ends: before ``,"text":`` in format 2, else
    before ``,"hash":``. (Inside the text object every quote is escaped, so the last
    raw ``,"text":`` is the key's; a format-1 line whose data has a ``text`` key is
    told apart by its hash, see :func:`split_hash`.)"""
    cut = raw.rfind(TEXT_KEY, 0, len(raw) - HASH_SUFFIX_LEN)
    return cut if cut > 0 else len(raw) - HASH_SUFFIX_LEN


def split_hash(raw: bytes, prev: str | None = None) -> tuple[bytes, str]:
    """``(body bytes, stored hash)`` of a line without its newline; LineError if the
    line does not end with a ``hash`` key. Given ``prev``, a body that does not chain
    in format 2 is tried as format 1."""
    tail = raw[-HASH_SUFFIX_LEN:]
    if len(raw) <= HASH_SUFFIX_LEN or not tail.startswith(b',"hash":"') or not tail.endswith(b'"}'):
        raise LineError('it does not end with the "hash" key')
    stored = tail[9:-2].decode("ascii", "replace")
    end = body_end(raw)
    body = raw[:end] + b"}"
    if prev is not None and end != len(raw) - HASH_SUFFIX_LEN and chain_hash(prev, body) != stored:
        return raw[:-HASH_SUFFIX_LEN] + b"}", stored
    return body, stored


def parse_object(raw: bytes | str, *, strict: bool = True,
                 redacted: list[str] | None = None) -> dict[str, Any]:
    """The JSON object of one line (without its newline), its keys checked. ``strict``
    also checks every value's type and that the bytes are exactly canonical (what
    ``audit verify`` requires); replay needs less and skips that. A format-2 line is
    returned as format 1 shows it (see :func:`_resolved`); the names of its redacted
    fields are added to ``redacted`` when given."""
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    try:
        obj, end = _DECODER.raw_decode(text)
    except ValueError as exc:  # JSONDecodeError, or NaN/Infinity
        raise LineError(f"invalid JSON ({getattr(exc, 'msg', exc)})") from exc
    if end != len(text):
        raise LineError("text after the JSON object")
    if type(obj) is not dict:
        raise LineError("it is not a JSON object")
    keys = tuple(obj)
    if keys != KEYS and keys != KEYS_V2:
        raise LineError(_key_problem(keys))
    if strict:
        _check_types(obj)
        if _dumps(obj) != text:
            raise LineError("its bytes are not canonical (spacing, escapes or number form)")
    elif type(obj["seq"]) is not int or type(obj["actor"]) is not str:
        raise LineError("seq must be an integer and actor a string")
    return _resolved(obj, strict, redacted) if len(keys) == len(KEYS_V2) else obj


def _resolved(obj: dict[str, Any], strict: bool, redacted: list[str] | None = None
              ) -> dict[str, Any]:
    """A format-2 object as format 1 shows it: each commitment replaced by the text it
    commits to, or None where the text was redacted. ``strict`` checks each commitment."""
    text = obj.pop("text")
    hash_hex = obj.pop("hash")
    data = obj["data"]
    if text is not None:
        if type(text) is not dict:
            raise LineError("text must be an object of quote, fp, memo and reason")
        for name, pair in text.items():
            if name == "reason":
                value = data.get("reason") if type(data) is dict else None
            elif name in _BODY_TEXT:
                value = obj[name]
            else:
                raise LineError(f"text has an unknown field {name!r}")
            if (type(pair) is not list or len(pair) != 2 or type(value) is not str
                    or (strict and not _opens(value, pair))):
                raise LineError(f"text.{name} does not match its commitment")
            if name == "reason":
                obj["data"] = data = {**data, "reason": pair[1]}
            else:
                obj[name] = pair[1]
    _check_commitments(obj, data, text or {}, redacted)
    obj["hash"] = hash_hex
    return obj


_BODY_TEXT = frozenset(TEXT_FIELDS[:3])


def _opens(value: str, pair: list[Any]) -> bool:
    salt, clear = pair
    if type(salt) is not str or type(clear) is not str or len(salt) != 32:
        return False
    return commitment(salt, clear) == value


def _check_commitments(obj: dict[str, Any], data: Any, text: dict[str, Any],
                       redacted: list[str] | None) -> None:
    """Fields without their text must hold a commitment (redacted) or null."""
    for name in TEXT_FIELDS:
        if name in text:
            continue
        value = data.get(name) if name == "reason" and type(data) is dict else (
            obj.get(name) if name != "reason" else None)
        if value is None:
            continue
        if type(value) is not str or not _is_commitment(value):
            raise LineError(f"{name} must be a commitment (c: and 64 hex digits) in format 2")
        if name == "reason":
            obj["data"] = {**data, "reason": None}
        else:
            obj[name] = None
        if redacted is not None:
            redacted.append(name)


def redacted_fields(obj: dict[str, Any]) -> tuple[str, ...]:
    """The text fields of a raw format-2 object whose text is gone."""
    text = obj.get("text") or {}
    data = obj.get("data") if isinstance(obj.get("data"), dict) else {}
    found = []
    for name in TEXT_FIELDS:
        value = (data or {}).get(name) if name == "reason" else obj.get(name)
        if isinstance(value, str) and _is_commitment(value) and name not in text:
            found.append(name)
    return tuple(found)


def _is_commitment(value: str) -> bool:
    return (len(value) == 66 and value.startswith(COMMIT_PREFIX)
            and _HEX64_RE.fullmatch(value, 2) is not None)


def parse_line(raw: bytes | str, *, strict: bool = True) -> Event:
    """The Event of one line (without its newline); see :func:`parse_object`."""
    return Event(*parse_object(raw, strict=strict).values())


def _key_problem(keys: tuple[str, ...]) -> str:
    missing = [k for k in KEYS if k not in keys]
    extra = [k for k in keys if k not in KEYS]
    if missing or extra:
        parts = [f"missing {', '.join(missing)}" if missing else "",
                 f"unknown {', '.join(extra)}" if extra else ""]
        return "keys " + "; ".join(p for p in parts if p)
    return "keys out of the documented order"


def _check_types(obj: dict[str, Any]) -> None:
    types_of = _TYPES if len(obj) == len(KEYS) else _TYPES_V2
    if not all(map(contains, types_of, map(type, obj.values()))):
        for key, value, types in zip(obj, obj.values(), types_of, strict=True):
            if type(value) not in types:
                raise LineError(f"{key} has the wrong type ({type(value).__name__})")
    if obj["seq"] < 1:
        raise LineError("seq must be a positive integer")
    if not _TIME_RE.fullmatch(obj["time"]):
        raise LineError("time must be UTC ISO 8601 with milliseconds")
    if not obj["actor"] or not obj["action"]:
        raise LineError("actor and action must not be empty")
    span = obj["span"]
    if span is not None:
        m = _SPAN_RE.fullmatch(span)
        if m is None or int(m[1]) > int(m[2]):
            raise LineError(f"span {span!r} is not 'start:end' with start <= end")
    if not _HEX64_RE.fullmatch(obj["hash"]):
        raise LineError("hash must be 64 lower-case hex digits")
