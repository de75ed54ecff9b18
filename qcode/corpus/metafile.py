"""The layout of ``documents/<id>.yaml``: a YAML head, then turns, cues and units
one per line in flow style (readable and diffable), written and read directly
because PyYAML's representer and loader cost more than the sentence splitter.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import yaml

from .. import yamlio
from ..errors import InputError, SpanError
from ..project import UNIT_KINDS


class _FlowLeavesDumper(yamlio.NoAliasDumper):
    pass


_FLOW_LISTS = ("turns", "timestamps", "units")


def _flow_item(value: Any) -> str:
    """A turn or cue: written directly when its values are strings and integers (the
    usual case), else by :func:`_flow`; JSON either way, made safe for YAML by
    :func:`dump_meta` a section at a time."""
    if isinstance(value, dict):
        parts = []
        for k, v in value.items():
            kind = type(v)
            key = _KEYS.get(k) if type(k) is str else None
            if key is None:
                key = _json_str(str(k))
                if type(k) is str and len(_KEYS) < 256:
                    _KEYS[k] = key
            if kind is int:
                parts.append(f"{key}: {v}")
            elif kind is str:
                parts.append(f"{key}: {_json_str(v)}")
            else:
                return _flow(value)
        return "{" + ", ".join(parts) + "}"
    return _flow(value)


_KEYS: dict[Any, str] = {}  # the JSON of each key seen (turn and cue records share a few)


_json_str = json.encoder.encode_basestring  # json.dumps(s, ensure_ascii=False) for a str


def _flow(value: Any) -> str:
    """One value in flow style that is both YAML and JSON (keys and strings quoted)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_flow(str(k))}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    if isinstance(value, int):
        return str(value)
    return _YAML_UNSAFE.sub(_escape, json.dumps(str(value), ensure_ascii=False))


# Characters JSON leaves as they are but YAML refuses (non-printable) or reads as
# a line break inside a quoted scalar (NEL, LS, PS): written as \uXXXX escapes.
_YAML_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufffe\uffff]")


def _escape(m: re.Match[str]) -> str:
    return f"\\u{ord(m.group()):04x}"


def dump_meta(meta: dict[str, Any]) -> str:
    """Block style, with each turn, cue and unit on one line (readable, diffable).

    Turns, cues and units (the bulk of the file) are written directly in flow
    style, several times faster than PyYAML's representer, and load the same.
    """
    head = {k: v for k, v in meta.items() if k not in _FLOW_LISTS}
    parts = [yaml.dump(head, Dumper=_FlowLeavesDumper, sort_keys=False, allow_unicode=True,
                       default_flow_style=None, width=4096)]
    for key in ("turns", "timestamps"):
        if key in meta:
            items = meta[key]
            parts.append(f"{key}:" + ("\n" if items else " []\n"))
            section = "".join(f"- {_flow_item(item)}\n" for item in items)
            parts.append(_YAML_UNSAFE.sub(_escape, section))
    units = meta.get("units")
    if units is not None:
        parts.append("units:\n")
        for kind, spans in units.items():
            parts.append(f"  {kind}:" + ("\n" if spans else " []\n"))
            parts.append("".join(f"  - [{a}, {b}]\n" for a, b in spans))
    return "".join(parts)


def load_meta(text: str, source: str) -> Any:
    """Read document metadata: the head as YAML, and the turn, cue and unit lists,
    which :func:`dump_meta` writes one JSON value per line, with ``json.loads``
    (several times faster than YAML for the bulk of the file). A file edited by
    hand into another layout is read as plain YAML."""
    cut = min((i for i in (text.find("\nturns:"), text.find("\ntimestamps:"), text.find("\nunits:"))
               if i >= 0), default=-1)
    if cut < 0:
        return yamlio.loads(text, source)
    meta = yamlio.loads(text[: cut + 1], source)
    lists = _load_lists(text[cut + 1:]) if isinstance(meta, dict) else None
    if lists is None:
        return yamlio.loads(text, source)
    meta.update(lists)
    return meta


_TOP = re.compile(r"^(turns|timestamps|units):( \[\])?$")
_KIND = re.compile(r"^  (\w+):( \[\])?$")


def load_head(text: str, source: str) -> Any:
    """The metadata without its turn, cue and unit lists (ids, hashes, source, format,
    attributes): a quick read where the lists are not needed."""
    cut = min((i for i in (text.find("\nturns:"), text.find("\ntimestamps:"), text.find("\nunits:"))
               if i >= 0), default=-1)
    return yamlio.loads(text if cut < 0 else text[: cut + 1], source)


def head_and_turns(text: str, source: str) -> tuple[Any, int]:
    """:func:`load_head`, and how many turns the file lists, counted without reading
    them (a listing of every document needs the count, not the turns)."""
    head = load_head(text, source)
    if isinstance(head, dict) and isinstance(head.get("turns"), list):
        return head, len(head["turns"])  # another layout: the whole file was read
    start = text.find("\nturns:\n")
    if start < 0:
        return head, 0
    ends = [i for i in (text.find("\ntimestamps:", start), text.find("\nunits:", start)) if i >= 0]
    return head, text.count("\n- ", start, min(ends, default=len(text)))


def _load_lists(tail: str) -> dict[str, Any] | None:
    """The list sections of :func:`dump_meta`'s layout, or None for any other layout.
    Each section's items are read with one ``json.loads`` of them all."""
    out: dict[str, Any] = {}
    sections: list[tuple[dict[str, Any], str, list[str]]] = []
    items: list[str] | None = None
    for line in tail.splitlines():
        item = line.lstrip()
        if item.startswith("- "):
            if items is None:
                return None
            items.append(item[2:])
            continue
        if not item:
            continue
        top = _TOP.match(line)
        kind = _KIND.match(line) if not top else None
        if top:
            if top[1] == "units":
                out["units"], items = {}, None
            else:
                items = []
                sections.append((out, top[1], items))
        elif kind and isinstance(out.get("units"), dict):
            items = []
            sections.append((out["units"], kind[1], items))
        else:
            return None
    try:
        for container, key, raw in sections:
            container[key] = json.loads("[" + ",".join(raw) + "]")
    except ValueError:
        return None
    return out


# The units section exactly as dump_meta writes it (last in the file); anything else
# (edited by hand, flow style, no final newline) is loaded in full instead.
_UNITS_LAYOUT = re.compile(r"units:\n(?:  \w+:(?: \[\])?\n(?:  - \[\d+, \d+\]\n)*)*")
_HEAD_SHA = re.compile(r"^sha256_text: *'?([0-9a-f]{64})'?$", re.MULTILINE)
_HEAD_LANGUAGE = re.compile(r"^language: *'?([A-Za-z0-9_.:-]+)'?$", re.MULTILINE)


def quick_meta(
    text: str, source: str
) -> tuple[str, str, Callable[[str], tuple[tuple[int, int], ...]]] | None:
    """(sha256_text, language, units of a kind) read straight from :func:`dump_meta`'s
    layout, without loading the rest; None for any other layout (then load it all).
    Units are read only for the kinds asked for, each with one ``json.loads``."""
    cut = text.find("\nunits:\n")
    head = text[:cut] if cut >= 0 else ""
    sha, language = _HEAD_SHA.search(head), _HEAD_LANGUAGE.search(head)
    tail = text[cut + 1:]
    if sha is None or language is None or not _UNITS_LAYOUT.fullmatch(tail):
        return None
    cache: dict[str, tuple[tuple[int, int], ...]] = {}

    def units(kind: str) -> tuple[tuple[int, int], ...]:
        if kind not in UNIT_KINDS:
            raise SpanError(f"Unit kind {kind!r} must be one of {', '.join(UNIT_KINDS)}.")
        if kind not in cache:
            m = re.search(rf"^  {kind}:(?: \[\])?\n((?:  - .*\n)*)", tail, re.MULTILINE)
            body = m.group(1).strip() if m else ""
            try:
                items = json.loads("[" + body[2:].replace("\n  - ", ",") + "]") if body else []
                cache[kind] = tuple((int(a), int(b)) for a, b in items)
            except (ValueError, TypeError):
                raise InputError(
                    f"{source}: its {kind} units do not read; re-ingest the source."
                ) from None
        return cache[kind]

    return sha.group(1), language.group(1), units
