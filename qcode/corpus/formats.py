"""Readers for the formats fieldwork also arrives in: OpenDocument text (``.odt``),
PDF (its text layer), RTF and HTML. Each returns a :class:`~.readers.Parsed`
with paragraphs separated by a blank line, so headings are paragraphs of their
own; speaker turns are then found in the text as for ``.txt``.

``.odt`` is read as what it is, a ZIP holding ``content.xml`` (checked as an
untrusted archive, parsed with nothing resolved); PDF by pypdf, one page after
another, each page's span kept in the metadata as ``pages``; RTF by striprtf;
HTML by the standard library's parser (scripts and styles dropped).
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from striprtf.striprtf import rtf_to_text

from ..errors import DependencyError, InputError
from .archive import local, open_zip, parse_xml, read_member
from .decode import decode, normalise, sniff_binary
from .parsed import Parsed

_SPACES = re.compile(r"[ \t\u00a0]+")


def _paragraphs(parts: list[str]) -> str:
    kept = [p for p in (normalise(_SPACES.sub(" ", x)).strip() for x in parts) if p]
    return "\n\n".join(kept) + "\n" if kept else ""


# ---------------------------------------------------------------- ODT

_ODT_BLOCKS = ("p", "h")


def read_odt(path: Path, data: bytes) -> Parsed:
    archive = open_zip(data, str(path), "an OpenDocument text (.odt)")
    names = set(archive.namelist())
    if "META-INF/manifest.xml" in names:
        manifest = read_member(archive, "META-INF/manifest.xml", str(path), 1 << 20)
        if b"encryption-data" in manifest:
            raise InputError(f"{path}: the document is password-protected; save it again "
                             "without a password.")
    if "content.xml" not in names:
        raise InputError(f"{path}: no content.xml in it, so not an OpenDocument text; "
                         "re-save it as .odt or .docx.")
    root = parse_xml(read_member(archive, "content.xml", str(path), 256 << 20), f"{path}:content.xml")
    parts: list[str] = []
    for node in root.iter():
        if local(node.tag) in _ODT_BLOCKS and not _inside_block(node):
            parts.append(_odt_text(node))
    return Parsed(text=_paragraphs(parts), format="odt", encoding=None)


def _inside_block(node: Any) -> bool:
    parent = node.getparent()
    while parent is not None:
        if local(parent.tag) in _ODT_BLOCKS or local(parent.tag) == "note":
            return True
        parent = parent.getparent()
    return False


def _odt_text(node: Any) -> str:
    out: list[str] = [node.text or ""]
    for child in node:
        name = local(child.tag)
        if name == "s":
            out.append(" " * int(child.get("{urn:oasis:names:tc:opendocument:xmlns:text:1.0}c", "1")))
        elif name == "tab":
            out.append("\t")
        elif name == "line-break":
            out.append("\n")
        elif name not in ("note", "annotation"):
            out.append(_odt_text(child))
        out.append(child.tail or "")
    return "".join(out)


# ---------------------------------------------------------------- PDF


def read_pdf(path: Path, data: bytes) -> Parsed:
    if not data.startswith(b"%PDF"):
        kind = sniff_binary(data) or "not a PDF file"
        raise InputError(f"{path}: {kind}; check the file.")
    try:
        import pypdf  # heavy: imported when a PDF is read
    except ImportError:  # pragma: no cover - a runtime dependency
        raise DependencyError("Reading .pdf needs pypdf: pip install pypdf") from None
    with _quiet("pypdf"):  # its warnings would reach the terminal beside qcode's one line
        try:
            reader = pypdf.PdfReader(io.BytesIO(data))
            if reader.is_encrypted and not reader.decrypt(""):
                raise InputError(f"{path}: the PDF is encrypted with a password; save a copy "
                                 "without one.")
            pages = [page.extract_text() or "" for page in reader.pages]
        except InputError:
            raise
        except Exception as exc:  # pypdf raises many types for damaged or hostile files
            raise InputError(f"{path}: not a readable PDF ({type(exc).__name__}); re-save or "
                             "print it to PDF again.") from None
    return _pdf_pages(path, pages)


@contextmanager
def _quiet(name: str) -> Iterator[None]:
    """Keep a library's logged warnings to itself while it reads one file."""
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def _pdf_pages(path: Path, pages: list[str]) -> Parsed:
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    pos = 0
    for page in pages:
        body = _paragraphs(re.split(r"\n\s*\n", page)).rstrip("\n") if page.strip() else ""
        if parts:
            pos += 2
        spans.append((pos, pos + len(body)))
        parts.append(body)
        pos += len(body)
    if not any(parts):
        raise InputError(f"{path}: the PDF has no text layer (a scanned document?); run OCR on "
                         "it first (for example ocrmypdf) or ingest a text version.")
    return Parsed(text="\n\n".join(parts) + "\n", format="pdf", encoding=None, pages=tuple(spans))


# ---------------------------------------------------------------- RTF


def read_rtf(path: Path, data: bytes) -> Parsed:
    if not data.lstrip().startswith(b"{\\rtf"):
        raise InputError(f"{path}: an RTF file starts with '{{\\rtf'; this one does not. Is it "
                         "really RTF?")
    try:
        text = rtf_to_text(data.decode("cp1252", errors="replace"), errors="replace")
    except Exception as exc:  # striprtf is a regular-expression reader; any failure is the file's
        raise InputError(f"{path}: not readable as RTF ({type(exc).__name__}); save it as .docx.") from None
    return Parsed(text=_paragraphs(re.split(r"\n\s*\n|\n", normalise(text))), format="rtf",
                  encoding="cp1252")


# ---------------------------------------------------------------- HTML

_BLOCK_TAGS = frozenset({"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "br", "hr",
                         "blockquote", "section", "article", "header", "footer", "pre", "dd", "dt",
                         "table", "ul", "ol", "figcaption", "main", "aside", "nav"})
_SKIP_TAGS = frozenset({"script", "style", "head", "title", "noscript", "template", "svg"})


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = [""]
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self.skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts[-1] += " ".join(data.split("\n"))


def read_html(path: Path, data: bytes) -> Parsed:
    text, encoding = decode(data, str(path))
    parser = _Text()
    try:
        parser.feed(text)
        parser.close()
    except (AssertionError, ValueError) as exc:
        raise InputError(f"{path}: not readable as HTML ({exc}).") from None
    return Parsed(text=_paragraphs(parser.parts), format="html", encoding=encoding)
