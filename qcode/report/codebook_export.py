"""``qcode codebook export``: the codebook as a document for a paper's methods appendix,
in Markdown, HTML (both from templates) or Word (.docx, through python-docx)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ..codebook import Codebook
from ..errors import DependencyError, InputError
from ..safetext import visible
from .record import codebook_section
from .render import environment

FORMATS = ("markdown", "html", "docx")
SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html",
            ".docx": "docx"}


def export_format(fmt: str | None, out: Path | None) -> str:
    """The format asked for, else the one the output file's suffix names."""
    if fmt is not None:
        fmt = "markdown" if fmt == "md" else fmt
        if fmt not in FORMATS:
            raise InputError(f"Unknown codebook format {fmt!r}; use markdown, html or docx.")
        return fmt
    if out is not None and out.suffix.lower() in SUFFIXES:
        return SUFFIXES[out.suffix.lower()]
    if out is None:
        return "markdown"
    raise InputError(f"Cannot tell the format from {out.name!r}; name it .md, .html or .docx, "
                     "or pass --format markdown|html|docx.")


def codebook_text(codebook: Codebook, fmt: str) -> str:
    """The codebook as Markdown or a self-contained HTML page."""
    name = "codebook.md.j2" if fmt == "markdown" else "codebook.html.j2"
    return environment(fmt == "markdown").get_template(name).render(cb=codebook_section(codebook))


def codebook_docx(codebook: Codebook) -> bytes:
    """The codebook as a Word document: a heading per code (nested by depth), its
    definition, rules, examples and history."""
    try:
        import docx
    except ImportError:
        raise DependencyError("Writing .docx needs python-docx: pip install python-docx") from None
    data = codebook_section(codebook)
    document = docx.Document()
    document.core_properties.title = _clean(data["name"] or "Codebook")
    document.add_heading(_clean(f"{data['name'] or 'Codebook'}, version {data['version']}"), level=0)
    for code in data["codes"]:
        _docx_code(document, code)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _docx_code(document: Any, code: dict[str, Any]) -> None:
    title = f"{code['label']} ({code['id']})" + (", retired" if code["retired"] else "")
    document.add_heading(_clean(title), level=min(1 + code["depth"], 9))
    if code["definition"]:
        document.add_paragraph(_clean(code["definition"]))
    for head, key in (("Use when: ", "include"), ("Not for: ", "exclude")):
        if code[key]:
            para = document.add_paragraph()
            para.add_run(head).bold = True
            para.add_run(_clean(code[key]))
    for example in code["examples"]:
        document.add_paragraph(_clean(example), style="List Bullet")
    for step in code["history"]:
        reason = f"; {step['reason']}" if step["reason"] else ""
        text = f"Version {step['version']}: {step['change']}{reason}"
        document.add_paragraph(_clean(text), style="List Bullet 2")


def _clean(text: str) -> str:
    """Text Word accepts: XML 1.0 forbids most control characters, so they are shown as
    visible stand-ins (qcode.safetext), and the two non-characters as U+FFFD."""
    return visible(str(text)).replace("\ufffe", "\ufffd").replace("\uffff", "\ufffd")
