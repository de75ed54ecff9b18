"""Write a report (or an exported codebook) to a file, atomically, with a clear error."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import InputError
from ..fileio import atomic_write
from ..project import Project
from .build import build_report
from .options import ReportOptions
from .render import render_html, render_markdown

FORMATS = ("html", "markdown")


def write_bytes(out: Path, data: bytes) -> Path:
    """Write ``data`` to ``out`` whole (never a half-written file)."""
    if out.is_dir():
        raise InputError(f"{out} is a folder; give a file name inside it, such as {out / out.name}.html.")
    if not out.parent.is_dir():
        raise InputError(f"Cannot write {out}: the folder {out.parent} does not exist; create it first.")
    try:
        atomic_write(out, data, durable=False)
        os.chmod(out, 0o666 & ~_umask())  # as any new file, not the temporary file's 0600
    except OSError as exc:
        raise InputError(f"Cannot write {out}: {exc.strerror or exc}.") from None
    return out


def _umask() -> int:
    """This process's umask, read without changing it (Linux); else the common 022."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def write_text(out: Path, text: str) -> Path:
    return write_bytes(out, text.encode("utf-8"))


def write_report(project: Project, out: Path, *, fmt: str = "html",
                 options: ReportOptions | None = None) -> Path:
    """Build the report for ``project`` and write it to ``out`` (HTML or Markdown)."""
    if fmt not in FORMATS:
        raise InputError(f"Unknown report format {fmt!r}; use html or markdown.")
    report = build_report(project, options)
    return write_text(out, render_html(report) if fmt == "html" else render_markdown(report))
