"""The supervisor's report: ``qcode report`` and ``qcode codebook export``.
Jinja2 and numpy are imported inside the commands only."""


import enum
from pathlib import Path
from typing import Annotated

import typer

from ..project import UnitKind
from ._options import (
    CodersOption,
    CodesOption,
    DocsOption,
    ProjectOption,
    ReplicatesOption,
    SeedOption,
    StrictOption,
    info,
    project_from,
    shown,
)
from .codebook_cmds import codebook_app
from .root import app


class ReportFormat(enum.StrEnum):
    html = "html"
    markdown = "markdown"
    md = "md"


class CooccurrenceMeasure(enum.StrEnum):
    counts = "count"  # not `count`, which would hide str.count
    jaccard = "jaccard"
    c = "c"


class CodebookFormat(enum.StrEnum):
    markdown = "markdown"
    md = "md"
    html = "html"
    docx = "docx"


ByAttributeOption = Annotated[str | None, typer.Option(
    "--by", help="Document attribute for the Attributes section (default: among those with "
    "two to five values, the one that splits the documents into the largest groups).",
    show_default=False)]
ReportUnitOption = Annotated[UnitKind | None, typer.Option(
    "--unit", help="sentence, turn or paragraph (default: the project's unit kind).",
    show_default=False)]


@app.command()
def report(
    *,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="File to write (default: report.html, or report.md with --format "
        "markdown); - writes to stdout.", show_default=False)] = None,
    fmt: Annotated[ReportFormat, typer.Option(
        "--format", "-f", help="html (one self-contained page) or markdown (md).")] = ReportFormat.html,
    coder: CodersOption = None,
    code: CodesOption = None,
    doc: DocsOption = None,
    by: ByAttributeOption = None,
    unit: ReportUnitOption = None,
    measure: Annotated[CooccurrenceMeasure, typer.Option(
        "--measure", help="The co-occurrence heatmap's cells: count, jaccard or c.")
    ] = CooccurrenceMeasure.counts,
    seed: SeedOption = 0,
    replicates: ReplicatesOption = 10_000,
    strict: StrictOption = False,
    project: ProjectOption = None,
) -> None:
    """One page for a supervisor: record and audit verdict, progress, codebook, agreement,
    disagreements, co-occurrence, attributes, suggestions and memos."""
    from ..report import ReportOptions, build_report, render_html, render_markdown
    from ..report.write import write_text

    markdown = fmt != ReportFormat.html
    options = ReportOptions(coders=tuple(coder) if coder else None, codes=tuple(code) if code else None,
                            docs=tuple(doc) if doc else None, by=by,
                            unit=unit.value if unit else None, seed=seed,
                            replicates=replicates, measure=measure.value)
    target = out or Path("report.md" if markdown else "report.html")
    built = build_report(project_from(project, strict=strict), options)
    text = render_markdown(built) if markdown else render_html(built)
    if str(target) == "-":
        typer.echo(text, nl=False)
        return
    write_text(target, text)
    info(f"Wrote {shown(target)} ({len(text.encode('utf-8')):,} bytes).")


@codebook_app.command("export")
def codebook_export(
    out: Annotated[Path | None, typer.Argument(
        help="File to write: .md, .html or .docx (default: Markdown or HTML on stdout).",
        show_default=False)] = None,
    *,
    fmt: Annotated[CodebookFormat | None, typer.Option(
        "--format", "-f", help="markdown (md), html or docx (default: from the file's suffix).",
        show_default=False)] = None,
    file: Annotated[Path | None, typer.Option(
        "--codebook", help="Codebook YAML (default: the project's codebook.yaml).",
        show_default=False)] = None,
    project: ProjectOption = None,
) -> None:
    """Write the codebook as a document (the methods appendix): Markdown, HTML or Word."""
    from ..codebook import load_codebook
    from ..errors import InputError
    from ..report.codebook_export import codebook_docx, codebook_text, export_format
    from ..report.write import write_bytes, write_text

    chosen = export_format(fmt.value if fmt else None, out)
    codebook = load_codebook(file if file is not None else project_from(project).codebook_path)
    if chosen == "docx":
        if out is None or str(out) == "-":
            raise InputError("A .docx codebook needs a file name: qcode codebook export codebook.docx.")
        write_bytes(out, codebook_docx(codebook))
    elif out is None or str(out) == "-":
        typer.echo(codebook_text(codebook, chosen), nl=False)
        return
    else:
        write_text(out, codebook_text(codebook, chosen))
    info(f"Wrote {shown(out)} ({chosen}, {len(codebook.codes)} codes).")
