"""Agreement: ``qcode agree``.

Each command imports the library inside its function, so that ``qcode --help``
loads none of it (docs/architecture.md, "Lazy imports").
"""


from pathlib import Path
from typing import Annotated

import typer

from ..errors import InputError
from ._options import (
    CodersOption,
    CodesOption,
    DocsOption,
    Format,
    FormatOption,
    ProjectOption,
    ReplicatesOption,
    SeedOption,
    emit,
    info,
    project_from,
    stdout_console,
)
from .root import app

AGREE_COLUMNS = ("code", "coefficient", "level", "value", "ci", "units", "coders", "band")
UNIT_WORDS = ("sentence", "turn", "paragraph", "doc")
JSON_KEYS = ("coefficient", "level", "code", "value", "units", "coders", "ci")


@app.command()
def agree(
    *,
    coder: CodersOption = None,
    code: CodesOption = None,
    doc: DocsOption = None,
    unit: Annotated[
        str | None,
        typer.Option(
            "--unit",
            help="sentence, turn, paragraph, doc, window:N (N characters), char "
            "(NVivo-compatible Cohen's kappa on characters) or none (Krippendorff's unitized "
            "alphas on the raw spans). Default: the project's unit kind.",
            show_default=False,
        ),
    ] = None,
    coefficient: Annotated[
        list[str] | None,
        typer.Option(
            "--coefficient",
            help="percent, cohen, scott, fleiss, conger, brennan-prediger, gwet-ac1, "
            "alpha; with --segments: u-alpha-2004, u-alpha, bar-u-alpha, c-bar-u-alpha, k-u-alpha. "
            "Repeat for several.",
            show_default=False,
        ),
    ] = None,
    ci: Annotated[
        str | None,
        typer.Option("--ci", help="Bootstrap confidence interval: percentile or bca.", show_default=False),
    ] = None,
    replicates: ReplicatesOption = 10_000,
    seed: SeedOption = 0,
    matrix: Annotated[
        Path | None,
        typer.Option(
            "--matrix",
            help="CSV of reliability data coded elsewhere: a header of coder names, one "
            "row per unit, empty cell = missing.",
            show_default=False,
        ),
    ] = None,
    level: Annotated[
        str, typer.Option("--level", help="With --matrix: nominal, ordinal, interval or ratio.")
    ] = "nominal",
    categories: Annotated[
        str | None,
        typer.Option(
            "--categories",
            help="With --matrix: the declared categories, a,b,c (Brennan-Prediger and "
            "AC1 depend on unused ones).",
            show_default=False,
        ),
    ] = None,
    segments: Annotated[
        Path | None,
        typer.Option(
            "--segments",
            help="CSV of spans coder,begin,end,code (half-open offsets) for unitized agreement.",
            show_default=False,
        ),
    ] = None,
    continuum: Annotated[
        str | None,
        typer.Option(
            "--continuum",
            help="With --segments: BEGIN:END of the continuum (default: the spans' extent).",
            show_default=False,
        ),
    ] = None,
    disagreements: Annotated[
        bool, typer.Option("--disagreements", help="List each disagreement with its text and who coded what.")
    ] = False,
    by: Annotated[
        str | None,
        typer.Option(
            "--by", help="Repeat the table for each value of this document attribute.", show_default=False
        ),
    ] = None,
    set_distance: Annotated[
        str, typer.Option("--set-distance", help="Distance for alpha over code sets: masi or jaccard.")
    ] = "masi",
    min_overlap: Annotated[
        str,
        typer.Option(
            "--min-overlap", help="Overlap that makes a unit coded: N characters or P% of the unit."
        ),
    ] = "1",
    fmt: FormatOption = Format.table,
    project: ProjectOption = None,
) -> None:
    """Inter-coder agreement per code and overall, with optional bootstrap intervals."""
    if matrix is not None or segments is not None:
        _agree_file(matrix, segments, level, coefficient, categories, continuum, ci, replicates, seed, fmt)
        return
    proj = project_from(project)
    min_chars, min_fraction = _min_overlap(min_overlap)
    common = {"coders": coder, "codes": code, "docs": doc}
    if disagreements and unit in ("char", "none"):
        raise InputError(f"--disagreements lists units; --unit {unit} has none. Use --unit "
                         "sentence, turn, paragraph, doc or window:N.")
    if unit is not None and unit not in ("char", "none") and unit not in UNIT_WORDS \
            and not unit.startswith("window:"):
        raise InputError(f"Unknown unit {unit!r}; use sentence, turn, paragraph, doc, "
                         "window:N, char or none.")
    if disagreements:
        _show_disagreements(proj, common, unit, min_chars, min_fraction, fmt)
    elif unit == "char":
        _agree_chars(proj, common, fmt)
    elif unit == "none":
        from ..agreement.from_project import project_unitized  # numpy behind it

        results, notes = project_unitized(proj, **common)
        for note in notes:
            info(f"Note: {note}")
        _emit_agreements(results, fmt, title="Unitized agreement on raw spans")
    else:
        from ..agreement.from_project import project_agreement  # numpy behind it

        report = project_agreement(
            proj,
            **common,
            unit=unit,
            coefficients=coefficient or ("percent", "alpha"),
            set_distance=set_distance,
            ci=ci,
            n_replicates=replicates,
            seed=seed,
            min_chars=min_chars,
            min_fraction=min_fraction,
            by=by,
        )
        _note_missing(report.missing)
        _emit_agreements(report.results, fmt, title=f"Agreement on {report.unit} units", group=by is not None)


def _agree_file(matrix, segments, level, coefficient, categories, continuum, ci, replicates, seed, fmt):
    from ..agreement.results import matrix_file_agreement, segments_file_agreement  # numpy behind it

    if matrix is not None and segments is not None:
        raise InputError("Give --matrix or --segments, not both.")
    if matrix is not None:
        cats = [c.strip() for c in categories.split(",") if c.strip()] if categories else None
        results = matrix_file_agreement(
            matrix,
            level=level,
            coefficients=coefficient or ("alpha",),
            categories=cats,
            ci=ci,
            n_replicates=replicates,
            seed=seed,
        )
        title = f"Agreement in {matrix.name}"
    else:
        kw = {"coefficients": coefficient} if coefficient else {}
        results = segments_file_agreement(segments, continuum=continuum, **kw)
        title = f"Unitized agreement in {segments.name}"
    _emit_agreements(results, fmt, title=title)


def _emit_agreements(results, fmt, *, title: str, group: bool = False) -> None:
    if getattr(fmt, "value", fmt) == "json":
        extra = ("group",) if group else ()
        emit([r.record() for r in results], JSON_KEYS + extra, fmt)
        return
    rows = []
    for r in results:
        rec = r.record()
        rec["code"] = r.code if r.code is not None else "(all)"
        rec["band"] = r.band
        if group:
            rec["group"] = ", ".join(f"{k}={v}" for k, v in r.extra["group"].items())
        rows.append(rec)
    columns = (("group",) if group else ()) + AGREE_COLUMNS
    emit(rows, columns, fmt, title=title, caption="(all): overall; ci: bootstrap interval")


def _min_overlap(text: str) -> tuple[int, float]:
    try:
        if text.endswith("%"):
            return 1, float(text[:-1]) / 100.0
        return int(text), 0.0
    except ValueError:
        raise InputError(
            f"--min-overlap {text!r}: write a number of characters (3) or a share (50%)."
        ) from None


def _note_missing(missing: dict[str, list[str]]) -> None:
    """One line, however many coders left however many documents uncoded."""
    if missing:
        info(missing_note(missing))


def missing_note(missing: dict[str, list[str]], named: int = 6) -> str:
    """The note on documents some coders have not coded: the documents by name when
    there are at most ``named`` in all, else a count per coder (at most eight named)."""
    if sum(len(docs) for docs in missing.values()) <= named:
        detail = "; ".join(f"{coder}: {', '.join(docs)}" for coder, docs in missing.items())
    else:
        counts = [f"{coder} {len(docs)}" for coder, docs in list(missing.items())[:8]]
        more = f" and {len(missing) - 8} more coders" if len(missing) > 8 else ""
        detail = "documents not coded: " + ", ".join(counts) + more
    who = "1 coder has" if len(missing) == 1 else f"{len(missing)} coders have"
    return (f"Note: {who} not coded every document ({detail}); those units count as missing "
            "for them, not as 'no code applies'.")


def _show_disagreements(proj, common, unit, min_chars, min_fraction, fmt) -> None:
    from ..agreement.from_project import project_disagreements  # numpy behind it

    records, missing = project_disagreements(
        proj, **common, unit=unit, min_chars=min_chars, min_fraction=min_fraction
    )
    _note_missing(missing)
    if getattr(fmt, "value", fmt) == "table":
        stdout_console().print(disagreement_blocks(records, unit or proj.settings.unit))
        return
    columns = ("code", "doc", "unit", "start", "end", "coded_by", "not_coded_by", "before", "text", "after")
    emit(records, columns, fmt, title=f"{len(records)} disagreements")


def disagreement_blocks(records, unit: str):
    """For a reconciliation meeting: each disagreement as a heading (code, place, who
    coded it and who did not) over its text in context, the unit in bold."""
    from rich.console import Group
    from rich.text import Text

    blocks = [Text(f"{len(records)} disagreements on {unit} units", style="bold")]
    for r in records:
        head = Text()
        head.append(f"\n{r['code']}", style="bold")
        head.append(f"  {r['doc']} {unit} {r['unit']} ({r['start']}:{r['end']})  ", style="dim")
        head.append(f"coded by {_names(r['coded_by'])}", style="green")
        head.append(f"; not by {_names(r['not_coded_by'])}", style="red")
        body = Text("  …" + " ".join((r.get("before") or "").split()) + " ", style="dim")
        body.append(" ".join((r.get("text") or "").split()), style="bold")
        body.append(" " + " ".join((r.get("after") or "").split()) + "…", style="dim")
        blocks += [head, body]
    return Group(*blocks)


def _names(value) -> str:
    return ", ".join(value) if isinstance(value, list | tuple) else str(value or "nobody")


def _agree_chars(proj, common, fmt) -> None:
    from ..agreement.from_project import project_char_agreement  # numpy behind it

    records = project_char_agreement(proj, **common)
    for r in records:
        r["doc"] = r["doc"] if r["doc"] is not None else "(all)"
    info(
        "Character mode (NVivo-compatible): Cohen's kappa per code and document; a document one "
        "coder never coded is left out; kappa is undefined where neither coder used the code."
    )
    emit(records, ("code", "doc", "chars", "coded", "kappa", "percent"), fmt, title="Agreement on characters")
