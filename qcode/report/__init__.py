"""The report layer: one self-contained HTML page (or Markdown) of a project's coding.

:func:`build_report` computes every section as plain records with the work
layer's functions; :func:`render_html` and :func:`render_markdown` turn them
into text through the Jinja2 templates in ``templates/``; :func:`write_report`
does both and writes the file. Jinja2 is imported only when rendering.
"""

from __future__ import annotations

from .build import Report, build_report
from .options import SECTIONS, ReportOptions
from .render import render_html, render_markdown
from .write import write_report

__all__ = ["SECTIONS", "Report", "ReportOptions", "build_report", "render_html",
           "render_markdown", "write_report"]
