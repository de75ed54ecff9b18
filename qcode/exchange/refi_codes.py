"""REFI-QDA codes as qcode codes: colours in any of the tools' spellings, hierarchy
from nesting or from flat names, and matching against the codebook (by GUID, then
by label under the same parent; a label under another parent is a conflict,
reported and imported as a code of its own, never merged)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .guids import code_guid
from .plan import NewCode, code_id
from .refi_read import RefiCode

if TYPE_CHECKING:
    from ..codebook import Codebook

_COLOUR = re.compile(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")
_RGB = re.compile(r"^rgba?\((\d+),\s*(\d+),\s*(\d+)")


def colour(value: str | None) -> str | None:
    """``#RGB``, ``#RRGGBB``, 8-digit hex (alpha first or last) or ``rgb()`` -> ``#rrggbb``."""
    if not value:
        return None
    value = value.strip()
    m = _RGB.match(value)
    if m:
        return "#" + "".join(f"{min(int(x), 255):02x}" for x in m.groups())
    m = _COLOUR.match(value)
    if not m:
        return None
    hexes = m.group(1).lower()
    if len(hexes) == 3:
        hexes = "".join(ch * 2 for ch in hexes)
    elif len(hexes) == 8:
        hexes = hexes[2:] if value.lstrip("#")[:2].lower() in ("ff", "00") else hexes[:6]
    return "#" + hexes


# ---------------------------------------------------------------- codes


@dataclass
class CodeMap:
    """REFI code GUIDs -> qcode code ids, and the new codes to add."""

    by_guid: dict[str, str] = field(default_factory=dict)
    new: list[NewCode] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def map_codes(codes: tuple[RefiCode, ...], codebook: Codebook, known_ids: tuple[str, ...] = (),
              retire: bool = False) -> CodeMap:
    """Match each REFI code to an existing one or plan a new one (see module text).
    ``retire``: a code not codable is a retired one (qcode's own exports mark only
    retired codes so; other tools mark folders)."""
    out = CodeMap()
    taken = set(codebook.ids)
    existing = {code_guid(c.id): c.id for c in codebook.codes}
    proposed = {code_guid(token): token for token in known_ids}
    by_path: dict[tuple[str | None, str], str] = {(c.parent, c.label.casefold()): c.id
                                                  for c in codebook.codes}
    by_label: dict[str, str] = {}
    for c in codebook.codes:
        by_label.setdefault(c.label.casefold(), c.id)
    existing_labels = dict(by_label)

    def ensure(parent: str | None, label: str, code: RefiCode | None) -> str:
        key = (parent, label.casefold())
        if key in by_path:
            return by_path[key]
        if label.casefold() in existing_labels:
            other = existing_labels[label.casefold()]
            out.notes.append(f"conflict: code {label!r} exists as {other!r} under another parent; "
                             "imported as a code of its own, not merged")
        own = proposed.get(code.guid) if code else None  # a qcode export's own id, proved by its GUID
        new_id = own if own and own not in taken else code_id(label, taken)
        taken.add(new_id)
        definition = code.description if code else ""
        out.new.append(NewCode(new_id, label, parent, definition,
                               colour(code.colour) if code else None,
                               retired=bool(retire and code and not code.codable)))
        by_path[key] = new_id
        by_label.setdefault(label.casefold(), new_id)
        return new_id

    for code in codes:
        if code.guid in existing:
            out.by_guid[code.guid] = existing[code.guid]
            continue
        parent = out.by_guid.get(code.parent) if code.parent else None
        parts = name_path(code.name) if code.parent is None else [code.name]
        for part in parts[:-1]:
            parent = ensure(parent, part, _named(codes, part) if parent is None else None)
        out.by_guid[code.guid] = ensure(parent, parts[-1] or "unnamed", code)
    return out


def name_path(name: str) -> list[str]:
    for sep in ("::", "\\"):
        if sep in name:
            parts = [p.strip() for p in name.split(sep)]
            if all(parts):
                return parts
    return [name.strip()]


def _named(codes: tuple[RefiCode, ...], label: str) -> RefiCode | None:
    """A top-level code whose whole name is ``label`` (ATLAS.ti lists 'Coke' beside
    'Coke::diet Coke'): the parent takes its description and colour."""
    for code in codes:
        if code.parent is None and code.name.strip() == label:
            return code
    return None
