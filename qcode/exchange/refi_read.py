"""Read a REFI-QDA project (``.qdpx``, or a bare ``.qde``) or codebook (``.qdc``) into
plain records, whatever dialect wrote it.

Elements are read by local name under any ``urn:QDA…`` namespace (``1.0``,
``1:0``, ``0:4``, ``0:10``, a U+2010 hyphen copied from the spec's PDF) or none;
the ``.qde`` may have any name; ``Sources/`` or ``sources/``; GUIDs in either
case, with or without braces. Nothing here touches a project.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ..corpus.archive import MAX_XML, local, open_zip, parse_xml, read_member
from ..errors import InputError


@dataclass(frozen=True, slots=True)
class RefiCode:
    guid: str
    name: str
    parent: str | None  # the guid of the enclosing Code element
    description: str = ""
    colour: str | None = None
    codable: bool = True


@dataclass(frozen=True, slots=True)
class RefiCoding:
    guid: str
    code: str  # the CodeRef's target guid
    user: str | None
    created: str | None


@dataclass(frozen=True, slots=True)
class RefiSelection:
    guid: str
    start: int
    end: int
    name: str
    user: str | None
    created: str | None
    codings: tuple[RefiCoding, ...] = ()
    description: str = ""
    notes: tuple[str, ...] = ()  # NoteRef targets


@dataclass(frozen=True, slots=True)
class RefiSource:
    guid: str
    name: str
    kind: str  # TextSource, PDFSource, PictureSource, AudioSource, VideoSource
    raw: bytes | None  # the plain text's bytes (None: not in the archive)
    path: str | None
    selections: tuple[RefiSelection, ...] = ()
    other_selections: int = 0  # picture, PDF-area, audio, video selections (not text)
    description: str = ""
    notes: tuple[str, ...] = ()
    variables: tuple[tuple[str, str], ...] = ()  # (variable guid, value)
    user: str | None = None


@dataclass(frozen=True, slots=True)
class RefiNote:
    guid: str
    name: str
    text: str
    user: str | None
    created: str | None


@dataclass(frozen=True, slots=True)
class RefiCase:
    guid: str
    name: str
    variables: tuple[tuple[str, str], ...]
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RefiProject:
    source: str
    origin: str
    name: str
    users: dict[str, str] = field(default_factory=dict)  # guid -> name
    codes: tuple[RefiCode, ...] = ()
    sources: tuple[RefiSource, ...] = ()
    notes: tuple[RefiNote, ...] = ()
    links: tuple[tuple[str, str], ...] = ()  # (origin guid, target guid)
    variables: dict[str, str] = field(default_factory=dict)  # guid -> name
    cases: tuple[RefiCase, ...] = ()
    sets: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (name, member source guids)
    project_notes: tuple[str, ...] = ()
    creating_user: str | None = None


def guid(value: str | None) -> str | None:
    """A GUID in one form: lower case, no braces."""
    if value is None:
        return None
    value = value.strip().strip("{}").lower()
    return value or None


def _children(node: Any, name: str) -> list[Any]:
    return [c for c in node if local(c.tag) == name]


def _child(node: Any, name: str) -> Any | None:
    for c in node:
        if local(c.tag) == name:
            return c
    return None


def _text(node: Any, name: str) -> str:
    found = _child(node, name)
    return "".join(found.itertext()) if found is not None else ""


def _grand(node: Any, container: str, name: str) -> list[Any]:
    holder = _child(node, container)
    return _children(holder, name) if holder is not None else []


def _refs(node: Any, name: str) -> tuple[str, ...]:
    return tuple(g for g in (guid(r.get("targetGUID")) for r in _children(node, name)) if g)


def _check_namespace(root: Any, source: str, expected: str) -> None:
    tag = root.tag if isinstance(root.tag, str) else ""
    namespace = tag[1:].partition("}")[0] if tag.startswith("{") else ""
    name = local(tag)
    normal = namespace.replace("\u2010", "-").upper()
    if name != expected or (namespace and not normal.startswith("URN:QDA")):
        raise InputError(f"{source}: the root element is {name!r} in {namespace or 'no namespace'!r}, "
                         f"not a REFI-QDA {expected}; is it a .qdpx/.qdc file?")


# ---------------------------------------------------------------- codebook


def parse_codes(codes_node: Any | None) -> tuple[RefiCode, ...]:
    out: list[RefiCode] = []

    def walk(node: Any, parent: str | None) -> None:
        for code in _children(node, "Code"):
            gid = guid(code.get("guid")) or f"nameless-{len(out)}"
            codable = (code.get("isCodable") or "true").strip().lower() not in ("false", "0")
            out.append(RefiCode(gid, (code.get("name") or "").strip(), parent,
                                _text(code, "Description").strip(), code.get("color"), codable))
            walk(code, gid)

    if codes_node is not None:
        walk(codes_node, None)
    return tuple(out)


def read_codebook(data: bytes, source: str) -> RefiProject:
    """A ``.qdc``: only its codes."""
    root = parse_xml(data, source)
    _check_namespace(root, source, "CodeBook")
    return RefiProject(source, root.get("origin") or "", "", codes=parse_codes(_child(root, "Codes")))


# ---------------------------------------------------------------- project


class _Members:
    """The archive's members, found by ``internal://`` path case-insensitively."""

    def __init__(self, archive: zipfile.ZipFile | None, source: str) -> None:
        self.archive = archive
        self.source = source
        self.by_name: dict[str, str] = {}
        if archive is not None:
            for name in archive.namelist():
                self.by_name.setdefault(PurePosixPath(name).name.lower(), name)

    def text(self, path: str | None) -> bytes | None:
        if not path or self.archive is None:
            return None
        scheme, sep, rest = path.partition("://")
        if not sep or scheme.lower() != "internal":
            return None
        member = self.by_name.get(PurePosixPath(rest.replace("\\", "/")).name.lower())
        if member is None:
            return None
        return read_member(self.archive, member, self.source)


def _selection(node: Any) -> RefiSelection:
    codings = []
    notes = list(_refs(node, "NoteRef"))
    for coding in _children(node, "Coding"):
        notes += _refs(coding, "NoteRef")
        ref = _child(coding, "CodeRef")
        target = guid(ref.get("targetGUID")) if ref is not None else None
        if target:
            codings.append(RefiCoding(guid(coding.get("guid")) or "", target,
                                      guid(coding.get("creatingUser")), coding.get("creationDateTime")))
    try:
        start, end = int(node.get("startPosition")), int(node.get("endPosition"))
    except (TypeError, ValueError):
        start, end = -1, -1
    return RefiSelection(guid(node.get("guid")) or "", start, end, node.get("name") or "",
                         guid(node.get("creatingUser")), node.get("creationDateTime"),
                         tuple(codings), _text(node, "Description").strip(), tuple(notes))


_OTHER_SELECTIONS = ("PictureSelection", "PDFSelection", "AudioSelection", "VideoSelection",
                     "TranscriptSelection")


def _source(node: Any, members: _Members) -> RefiSource:
    kind = local(node.tag)
    holder = node
    if kind == "PDFSource":  # its text lives in a Representation (a TextSource)
        holder = _child(node, "Representation")
        if holder is None:
            holder = node
    path = holder.get("plainTextPath")
    inline = _child(holder, "PlainTextContent")
    raw = members.text(path)
    if raw is None and inline is not None:
        raw = "".join(inline.itertext()).encode("utf-8")
    selections = tuple(_selection(s) for s in _children(holder, "PlainTextSelection"))
    others = sum(1 for s in node.iter() if local(s.tag) in _OTHER_SELECTIONS)
    variables = []
    for value in _children(holder, "VariableValue"):
        ref = _child(value, "VariableRef")
        target = guid(ref.get("targetGUID")) if ref is not None else None
        text = "".join(c.text or "" for c in value if local(c.tag).endswith("Value")).strip()
        if target:
            variables.append((target, text))
    name = node.get("name") or ""
    return RefiSource(guid(node.get("guid")) or "", name, kind, raw, path, selections, others,
                      _text(node, "Description").strip(), _refs(holder, "NoteRef"),
                      tuple(variables), guid(node.get("creatingUser")))


def _note(node: Any) -> RefiNote:
    return RefiNote(guid(node.get("guid")) or "", node.get("name") or "",
                    _text(node, "PlainTextContent").strip() or _text(node, "Description").strip(),
                    guid(node.get("creatingUser")), node.get("creationDateTime"))


def _case(node: Any) -> RefiCase:
    variables = []
    for value in _children(node, "VariableValue"):
        ref = _child(value, "VariableRef")
        target = guid(ref.get("targetGUID")) if ref is not None else None
        text = "".join(c.text or "" for c in value if local(c.tag).endswith("Value")).strip()
        if target:
            variables.append((target, text))
    return RefiCase(guid(node.get("guid")) or "", node.get("name") or "", tuple(variables),
                    _refs(node, "SourceRef"))


def read_project_xml(data: bytes, source: str, members: _Members) -> RefiProject:
    root = parse_xml(data, source)
    _check_namespace(root, source, "Project")
    users = {guid(u.get("guid")) or "": (u.get("name") or "").strip()
             for u in _grand(root, "Users", "User")}
    codebook = _child(root, "CodeBook")
    codes = parse_codes(_child(codebook, "Codes") if codebook is not None else None)
    sources_node = _child(root, "Sources")
    sources = tuple(_source(s, members) for s in (sources_node if sources_node is not None else []))
    notes = tuple(_note(n) for n in _grand(root, "Notes", "Note"))
    links = tuple((guid(k.get("originGUID")) or "", guid(k.get("targetGUID")) or "")
                  for k in _grand(root, "Links", "Link"))
    variables = {guid(v.get("guid")) or "": v.get("name") or ""
                 for v in _grand(root, "Variables", "Variable")}
    cases = tuple(_case(c) for c in _grand(root, "Cases", "Case"))
    sets = tuple((s.get("name") or "", _refs(s, "MemberSource"))
                 for s in _grand(root, "Sets", "Set"))
    return RefiProject(source, root.get("origin") or "", root.get("name") or "", users, codes,
                       sources, notes, links, variables, cases, sets, _refs(root, "NoteRef"),
                       guid(root.get("creatingUserGUID")))


def read_refi(path: Path, data: bytes) -> RefiProject:
    """A ``.qdpx`` (ZIP), ``.qde`` (bare project XML) or ``.qdc`` (codebook) file."""
    source = str(path)
    suffix = path.suffix.lower()
    if suffix == ".qdc":
        return read_codebook(data, source)
    if suffix == ".qde" or (not data.startswith(b"PK") and _looks_like_xml(data)):
        return read_project_xml(data, source, _Members(None, source))
    archive = open_zip(data, source, "a REFI-QDA project (.qdpx)")
    qde = sorted(n for n in archive.namelist() if n.lower().endswith(".qde") and "/" not in n.strip("/"))
    if not qde:
        raise InputError(f"{source}: no .qde project file at the top of the archive; is it a .qdpx?")
    if len(qde) > 1:
        raise InputError(f"{source}: {len(qde)} .qde files ({', '.join(qde)}); a .qdpx holds one.")
    xml = read_member(archive, qde[0], source, MAX_XML)
    from dataclasses import replace

    return replace(read_project_xml(xml, f"{source}:{qde[0]}", _Members(archive, source)),
                   source=source)


def _looks_like_xml(data: bytes) -> bool:
    """A bare project XML named .qdpx (after any BOM, in UTF-8 or UTF-16), rather than
    a file that is neither XML nor a ZIP."""
    return data.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n")[:1] == b"<"
