"""Untrusted archives and XML: what another tool's file may not do to us.

A ``.qdpx``, ``.odt`` or ``.xlsx`` is a ZIP made by someone else. Before any
member is read, every member name is checked (no ``..``, no absolute path, no
drive letter, no backslash trick, no symlink), and the member count, each
member's expansion ratio and the total expanded size are held under caps. XML
is parsed by lxml with entity resolution, network access and DTD loading off,
and a document that declares a DOCTYPE at all is refused: REFI-QDA, ODF and
OOXML never need one, and it is where entity bombs and external entities live.
"""

from __future__ import annotations

import io
import stat
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from ..errors import InputError

MAX_MEMBERS = 10_000
MAX_RATIO = 200  # expanded / compressed, per member larger than RATIO_FLOOR
RATIO_FLOOR = 1 << 20  # small members may compress well (a run of spaces) without harm
MAX_TOTAL = 2 << 30  # 2 GiB expanded, all members together
MAX_XML = 512 << 20  # one XML member


@dataclass(frozen=True, slots=True)
class Caps:
    members: int = MAX_MEMBERS
    ratio: int = MAX_RATIO
    total: int = MAX_TOTAL


def open_zip(data: bytes, source: str, what: str, caps: Caps | None = None) -> zipfile.ZipFile:
    """A checked ZipFile over ``data``; InputError (one line) for anything hostile."""
    caps = caps or Caps(MAX_MEMBERS, MAX_RATIO, MAX_TOTAL)
    if not data.startswith(b"PK\x03\x04"):
        raise InputError(f"{source}: not a ZIP archive, so not {what}; check the file.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise InputError(f"{source}: a damaged ZIP archive ({exc}); export {what} again.") from None
    if len(infos) > caps.members:
        raise InputError(f"{source}: {len(infos)} members in the archive, more than the "
                         f"{caps.members} qcode opens; refused, nothing was written.")
    total = 0
    for info in infos:
        check_member(info, source)
        if info.flag_bits & 0x1:
            raise InputError(f"{source}: member {info.filename!r} is encrypted; export it "
                             "again without a password.")
        if info.file_size > RATIO_FLOOR and info.file_size > caps.ratio * max(info.compress_size, 1):
            raise InputError(f"{source}: member {info.filename!r} expands {info.file_size} bytes "
                             f"from {info.compress_size} (over {caps.ratio} times): a ZIP bomb? "
                             "Refused, nothing was written.")
        total += info.file_size
        if total > caps.total:
            raise InputError(f"{source}: the archive expands to more than {caps.total >> 20} MiB; "
                             "refused, nothing was written.")
    return archive


def check_member(info: zipfile.ZipInfo, source: str) -> None:
    """Refuse a member whose name could reach outside a folder, or a symlink."""
    name = info.filename
    unix_mode = info.external_attr >> 16
    if stat.S_ISLNK(unix_mode):
        raise InputError(f"{source}: member {name!r} is a symbolic link; refused, nothing was written.")
    path = PurePosixPath(name.replace("\\", "/"))
    if (name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":")
            or ".." in path.parts or "\x00" in name):
        raise InputError(f"{source}: member {name!r} points outside the archive (an absolute "
                         "path or '..'); refused, nothing was written.")


def read_member(archive: zipfile.ZipFile, name: str, source: str, limit: int | None = None) -> bytes:
    """A member's bytes, reading at most its declared size (a lying header cannot
    make it grow)."""
    info = archive.getinfo(name)
    cap = info.file_size if limit is None else min(info.file_size, limit)
    if limit is not None and info.file_size > limit:
        raise InputError(f"{source}: member {name!r} is {info.file_size} bytes, over the "
                         f"{limit >> 20} MiB qcode reads; refused.")
    try:
        with archive.open(info) as fh:
            data = fh.read(cap + 1)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError) as exc:
        raise InputError(f"{source}: member {name!r} does not read ({exc}); export again.") from None
    if len(data) > cap:
        raise InputError(f"{source}: member {name!r} is larger than its header says; refused.")
    return data


def parse_xml(data: bytes, source: str) -> Any:
    """The root element of ``data``, parsed with nothing resolved or fetched.

    A DOCTYPE (where entity bombs and external entities are declared) is refused
    before parsing, and the parser itself resolves no entities, loads no DTD and
    opens no network connection."""
    from lxml import etree  # heavy: imported when needed

    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        _refuse_doctype(source)
    data = data.replace("urn:QDA\u2010XML".encode(), b"urn:QDA-XML")  # a hyphen copied from the spec's PDF
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             dtd_validation=False, huge_tree=False, remove_comments=True,
                             remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise InputError(f"{source}: not well-formed XML ({exc}); export the file again.") from None
    if root is None:
        raise InputError(f"{source}: no XML element in the file.")
    if getattr(root.getroottree().docinfo, "doctype", None):  # another encoding hid it from the byte check
        _refuse_doctype(source)
    for node in root.iter(etree.Entity):
        raise InputError(f"{source}: the XML uses an entity ({node}); refused.")
    return root


def _refuse_doctype(source: str) -> None:
    raise InputError(f"{source}: the XML declares a DOCTYPE or entities, which these formats "
                     "never need (and which can read files or expand without end); refused, "
                     "nothing was written.")


def local(tag: Any) -> str:
    """The local name of an element tag (``{urn:QDA-XML:project:1.0}Code`` -> ``Code``)."""
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]
