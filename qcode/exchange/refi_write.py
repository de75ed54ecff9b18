"""Write a project as REFI-QDA: ``.qdpx`` (the whole project) or ``.qdc`` (its codebook).

Serialised with lxml (never by joining strings), children in schema order, no
empty container, one ``CodeRef`` per ``Coding``, GUIDs from :mod:`.guids`, a
fixed timestamp and order for every ZIP member: the same project gives the same
bytes. Each source is ``sources/<guid>.txt`` through ``plainTextPath``; each
selection's ``name`` is a short quote of its text, so another importer (and a
person) can check the alignment.

A *profile* sets the text file's line endings and BOM and what the offsets
count: ``spec`` (UTF-8, LF, code points: the standard), ``nvivo`` (BOM, CRLF,
UTF-16 code units), ``atlasti`` and ``maxqda`` (CRLF in the file, a newline
counted as one). Only ``spec`` is verified here; the others follow what those
tools are reported to do.
"""

from __future__ import annotations

import bisect
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..codebook import load_codebook
from ..errors import InputError
from ..fileio import atomic_write
from ..project import Project
from .guids import code_guid

if TYPE_CHECKING:
    from ..codebook import Codebook

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
PROFILES = ("spec", "nvivo", "atlasti", "maxqda")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str) -> str:
    """Text XML 1.0 can hold (a control character becomes U+FFFD)."""
    return _XML_BAD.sub("\ufffd", value)


def origin(profile: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        mine = version("qcode")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        mine = "0"
    return f"qcode {mine} (profile {profile})"


# ---------------------------------------------------------------- profiles


@dataclass(frozen=True, slots=True)
class Layout:
    """One document's text as a profile writes it, and its offsets."""

    data: bytes
    newlines: list[int]  # positions of "\n" in the normalised text
    astral: list[int]  # positions of characters beyond the BMP
    crlf: bool
    crlf_counts_two: bool
    utf16: bool

    def offset(self, i: int) -> int:
        extra = 0
        if self.crlf and self.crlf_counts_two:
            extra += bisect.bisect_left(self.newlines, i)
        if self.utf16:
            extra += bisect.bisect_left(self.astral, i)
        return i + extra


def layout(text: str, profile: str) -> Layout:
    crlf = profile != "spec"
    body = text.replace("\n", "\r\n") if crlf else text
    data = (b"\xef\xbb\xbf" if profile == "nvivo" else b"") + body.encode("utf-8")
    newlines = [i for i, ch in enumerate(text) if ch == "\n"] if crlf else []
    astral = [i for i, ch in enumerate(text) if ord(ch) > 0xFFFF] if profile == "nvivo" else []
    return Layout(data, newlines, astral, crlf, profile == "nvivo", profile == "nvivo")


# ---------------------------------------------------------------- codebook


def _hex_colour(value: str | None) -> str | None:
    if not value:
        return None
    if re.fullmatch(r"#[0-9a-fA-F]{6}", value):
        return value.upper()
    from rich.color import Color, ColorParseError

    try:
        triplet = Color.parse(value).get_truecolor()
    except (ColorParseError, Exception):  # a named colour rich does not know
        return None
    return "#{:02X}{:02X}{:02X}".format(*triplet)


def codes_element(maker: Any, codebook: Codebook, note_refs: dict[str, list[str]] | None = None) -> Any:
    """``<Codes>`` with every code nested under its parent, in codebook order."""

    def code(c: Any) -> Any:
        attrs = {"guid": code_guid(c.id).upper(), "name": xml_text(c.label or c.id),
                 "isCodable": "false" if c.retired else "true"}
        hex_colour = _hex_colour(c.colour)
        if hex_colour:
            attrs["color"] = hex_colour
        node = maker.Code(**attrs)
        if c.definition:
            node.append(maker.Description(xml_text(c.definition)))
        for ref in (note_refs or {}).get(c.id, []):
            node.append(maker.NoteRef(targetGUID=ref))
        for child in codebook.children(c.id):
            node.append(code(child))
        return node

    return maker.Codes(*[code(c) for c in codebook.children(None)])


def codebook_bytes(codebook: Codebook) -> bytes:
    from lxml.builder import ElementMaker  # heavy: imported when needed

    maker = ElementMaker(namespace=CODEBOOK_NS, nsmap={None: CODEBOOK_NS})
    if not codebook.codes:
        raise InputError("The codebook has no codes; a .qdc needs at least one.")
    root = maker.CodeBook(codes_element(maker, codebook), origin=origin("spec"))
    return serialise(root)


def serialise(root: Any) -> bytes:
    from lxml import etree  # heavy: imported when needed

    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True,
                          standalone=True)


def write_codebook_file(project: Project, path: Path) -> int:

    codebook = load_codebook(project.codebook_path)
    atomic_write(path, codebook_bytes(codebook))
    return len(codebook.codes)


# ---------------------------------------------------------------- the archive


def zip_bytes(members: list[tuple[str, bytes]]) -> bytes:
    """A ZIP whose bytes depend only on the members (fixed times, modes, order)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, _ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            archive.writestr(info, data)
    return out.getvalue()
