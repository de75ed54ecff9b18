"""Agreement: ``qcode agree`` (coded units) and its sub-commands ``agree matrix FILE``,
``agree segments FILE`` and ``agree disagreements``. numpy is imported inside the
commands only."""


import enum
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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
    StrictOption,
    emit,
    info,
    is_table,
    name_of,
    project_from,
    stdout_console,
)
from .choices import unit_parser
from .modes import OldFlag, mode_group
from .root import app, new_app

if TYPE_CHECKING:
    from ..agreement.from_project import Disagreements
    from ..project import Project

AGREE_COLUMNS = ("code", "coefficient", "level", "value", "ci", "units", "coders", "band")
DATA_COLUMNS = ("code", "coefficient", "level", "value", "ci_low", "ci_high", "units", "coders",
                "band")
JSON_KEYS = ("coefficient", "level", "code", "value", "units", "coders", "ci_low", "ci_high")
DISAGREEMENT_COLUMNS = ("code", "doc", "unit", "start", "end", "coded_by", "not_coded_by",
                        "before", "text", "after")


class Coefficient(enum.StrEnum):  # qcode.agreement.coefficients.COEFFICIENTS (a test holds it)
    percent = "percent"
    cohen = "cohen"
    scott = "scott"
    fleiss = "fleiss"
    conger = "conger"
    brennan_prediger = "brennan-prediger"
    gwet_ac1 = "gwet-ac1"
    alpha = "alpha"


class UnitizedCoefficient(enum.StrEnum):  # qcode.agreement.unitized.UNITIZED
    u_alpha_2004 = "u-alpha-2004"
    u_alpha = "u-alpha"
    bar_u_alpha = "bar-u-alpha"
    c_bar_u_alpha = "c-bar-u-alpha"
    k_u_alpha = "k-u-alpha"


class Level(enum.StrEnum):  # qcode.agreement.data.LEVELS
    nominal = "nominal"
    ordinal = "ordinal"
    interval = "interval"
    ratio = "ratio"


class CiMethod(enum.StrEnum):  # qcode.stats.METHODS
    percentile = "percentile"
    bca = "bca"


class SetDistance(enum.StrEnum):  # qcode.agreement.sets
    masi = "masi"
    jaccard = "jaccard"


UnitsOption = Annotated[str | None, typer.Option(
    "--unit", parser=unit_parser("char", "none"), show_default=False,
    help="sentence, turn, paragraph, doc, window:N (N characters), char (NVivo-compatible "
    "Cohen's kappa on characters) or none (Krippendorff's unitized alphas on the raw spans). "
    "Default: the project's unit kind.")]
CoefficientsOption = Annotated[list[Coefficient] | None, typer.Option(
    "--coefficient", help="percent, cohen, scott, fleiss, conger, brennan-prediger, gwet-ac1 "
    "or alpha. Repeat for several.", show_default=False)]
CiOption = Annotated[CiMethod | None, typer.Option(
    "--ci", help="Bootstrap confidence interval: percentile or bca.", show_default=False)]
ByOption = Annotated[str | None, typer.Option(
    "--by", help="Repeat the table for each value of this document attribute.",
    show_default=False)]
SetDistanceOption = Annotated[SetDistance, typer.Option(
    "--set-distance", help="Distance for alpha over code sets: masi or jaccard.")]
MinOverlapOption = Annotated[str, typer.Option(
    "--min-overlap", help="Overlap that makes a unit coded: N characters or P% of the unit.")]
FileArg = Annotated[Path, typer.Argument(help="CSV file.", show_default=False)]

agree_app = new_app(
    "Inter-coder agreement per code and overall, with optional bootstrap intervals: on the "
    "project's coded units (bare `qcode agree`), on a matrix or segments file coded "
    "elsewhere, or as a list of disagreements.",
    cls=mode_group(OldFlag("--matrix", "matrix", "argument", "FILE"),
                   OldFlag("--segments", "segments", "argument", "FILE"),
                   OldFlag("--disagreements", "disagreements")),
    no_args_is_help=False)
app.add_typer(agree_app, name="agree")


@agree_app.callback(invoke_without_command=True)
def agree(ctx: typer.Context, *, coder: CodersOption = None, code: CodesOption = None,
          doc: DocsOption = None, unit: UnitsOption = None,
          coefficient: CoefficientsOption = None, ci: CiOption = None,
          replicates: ReplicatesOption = 10_000, seed: SeedOption = 0, by: ByOption = None,
          set_distance: SetDistanceOption = SetDistance.masi, min_overlap: MinOverlapOption = "1",
          fmt: FormatOption = Format.table, project: ProjectOption = None,
          strict: StrictOption = False) -> None:
    """Inter-coder agreement per code and overall on the project's coded units, with
    optional bootstrap intervals (see also `agree matrix`, `agree segments`,
    `agree disagreements`)."""
    if ctx.invoked_subcommand is not None:
        return
    proj = project_from(project, strict=strict)
    common: dict[str, Any] = {"coders": coder, "codes": code, "docs": doc}
    if unit == "char":
        _agree_chars(proj, common, fmt)
    elif unit == "none":
        _agree_unitized(proj, common, fmt)
    else:
        from ..agreement.from_project import project_agreement  # numpy behind it

        min_chars, min_fraction = _min_overlap(min_overlap)
        report = project_agreement(
            proj, **common, unit=unit, coefficients=_names(coefficient) or ("percent", "alpha"),
            set_distance=set_distance.value, ci=ci and ci.value, n_replicates=replicates,
            seed=seed, min_chars=min_chars, min_fraction=min_fraction, by=by)
        _note_missing(report.missing)
        _emit_agreements(report.results, fmt, title=f"Agreement on {report.unit} units",
                         group=by is not None)


@agree_app.command("matrix")
def agree_matrix(
    file: FileArg, *,
    level: Annotated[Level, typer.Option("--level", help="Level of the values.")] = Level.nominal,
    coefficient: CoefficientsOption = None,
    categories: Annotated[str | None, typer.Option(
        "--categories", help="The declared categories, a,b,c (Brennan-Prediger and AC1 depend "
        "on unused ones).", show_default=False)] = None,
    ci: CiOption = None, replicates: ReplicatesOption = 10_000, seed: SeedOption = 0,
    fmt: FormatOption = Format.table,
) -> None:
    """Agreement on reliability data coded elsewhere: a CSV with a header of coder names,
    one row per unit, an empty cell where a coder gave no value (default: alpha)."""
    from ..agreement.results import matrix_file_agreement

    cats = [c.strip() for c in categories.split(",") if c.strip()] if categories else None
    results = matrix_file_agreement(file, level=level.value, categories=cats,
                                    coefficients=_names(coefficient) or ("alpha",),
                                    ci=ci and ci.value, n_replicates=replicates, seed=seed)
    _emit_agreements(results, fmt, title=f"Agreement in {file.name}")


@agree_app.command("segments")
def agree_segments(
    file: FileArg, *,
    coefficient: Annotated[list[UnitizedCoefficient] | None, typer.Option(
        "--coefficient", help="u-alpha-2004, u-alpha, bar-u-alpha, c-bar-u-alpha or k-u-alpha "
        "(default: all). Repeat for several.", show_default=False)] = None,
    continuum: Annotated[str | None, typer.Option(
        "--continuum", help="BEGIN:END of the continuum (default: the spans' extent).",
        show_default=False)] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Krippendorff's unitized alphas on a CSV of spans coder,begin,end,code (half-open
    offsets) coded elsewhere."""
    from ..agreement.results import segments_file_agreement

    kw = {"coefficients": _names(coefficient)} if coefficient else {}
    results = segments_file_agreement(file, continuum=continuum, **kw)
    _emit_agreements(results, fmt, title=f"Unitized agreement in {file.name}")


@agree_app.command("disagreements")
def agree_disagreements(
    *, coder: CodersOption = None, code: CodesOption = None, doc: DocsOption = None,
    unit: Annotated[str | None, typer.Option(
        "--unit", parser=unit_parser(), show_default=False,
        help="sentence, turn, paragraph, doc or window:N (default: the project's unit kind).")
    ] = None,
    min_overlap: MinOverlapOption = "1",
    fmt: FormatOption = Format.table, project: ProjectOption = None,
    strict: StrictOption = False,
) -> None:
    """Each disagreement with its text in context and who coded what, for a
    reconciliation meeting."""
    from ..agreement.from_project import project_disagreements

    proj = project_from(project, strict=strict)
    min_chars, min_fraction = _min_overlap(min_overlap)
    records, missing = project_disagreements(
        proj, coders=coder, codes=code, docs=doc, unit=unit, min_chars=min_chars,
        min_fraction=min_fraction)
    _note_missing(missing)
    with records:
        if is_table(fmt):
            console = stdout_console()
            for block in disagreement_blocks(records, unit or proj.settings.unit):
                console.print(block)  # one at a time: half a million are not held drawn
            return
        from ..reports import chunks

        for piece in chunks(records, DISAGREEMENT_COLUMNS, name_of(fmt)):  # read as written
            typer.echo(piece, nl=False)


def _names(choices: list[Any] | None) -> tuple[str, ...]:
    return tuple(c.value for c in choices or ())


def _agree_unitized(proj: "Project", common: dict[str, Any], fmt: Any) -> None:
    from ..agreement.from_project import project_unitized

    results, notes = project_unitized(proj, **common)
    for note in notes:
        info(f"Note: {note}")
    _emit_agreements(results, fmt, title="Unitized agreement on raw spans")


def _emit_agreements(results: Any, fmt: Any, *, title: str, group: bool = False) -> None:
    """JSON: each result's record; CSV: one value per cell (ci_low, ci_high); a table or
    Markdown: the interval in one column, as a person reads it."""
    extra = ("group",) if group else ()
    if name_of(fmt) == "json":
        emit([r.record() for r in results], JSON_KEYS + extra, fmt)
        return
    rows = []
    for r in results:
        rec = r.record()
        rec["code"] = r.code if r.code is not None else "(all)"
        rec["band"] = r.band
        rec["ci"] = None if rec["ci_low"] is None else [rec["ci_low"], rec["ci_high"]]
        if group:
            rec["group"] = ", ".join(f"{k}={v}" for k, v in r.extra["group"].items())
        rows.append(rec)
    columns = extra + (DATA_COLUMNS if name_of(fmt) == "csv" else AGREE_COLUMNS)
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


def disagreement_blocks(records: "Disagreements | list[dict[str, Any]]", unit: str
                        ) -> Iterator[Any]:
    """For a reconciliation meeting: each disagreement as a heading (code, place, who
    coded it and who did not) over its text in context, the unit in bold; made as they
    are printed."""
    from rich.console import Group
    from rich.text import Text

    from ..safetext import visible

    yield Text(f"{len(records)} disagreements on {unit} units", style="bold")
    for r in records:
        head = Text()
        head.append(visible(f"\n{r['code']}"), style="bold")
        head.append(visible(f"  {r['doc']} {unit} {r['unit']} ({r['start']}:{r['end']})  "),
                    style="dim")
        head.append(visible(f"coded by {_coders(r['coded_by'])}"), style="green")
        head.append(visible(f"; not by {_coders(r['not_coded_by'])}"), style="red")
        body = Text(visible("  …" + " ".join((r.get("before") or "").split()) + " "), style="dim")
        body.append(visible(" ".join((r.get("text") or "").split())), style="bold")
        body.append(visible(" " + " ".join((r.get("after") or "").split()) + "…"), style="dim")
        yield Group(head, body)


def _coders(value: Any) -> str:
    return ", ".join(value) if isinstance(value, list | tuple) else str(value or "nobody")


def _agree_chars(proj: "Project", common: dict[str, Any], fmt: Any) -> None:
    from ..agreement.from_project import project_char_agreement

    records = project_char_agreement(proj, **common)
    for r in records:
        r["doc"] = r["doc"] if r["doc"] is not None else "(all)"
    info(
        "Character mode (NVivo-compatible): Cohen's kappa per code and document; a document one "
        "coder never coded is left out; kappa is undefined where neither coder used the code."
    )
    emit(records, ("code", "doc", "chars", "coded", "kappa", "percent"), fmt, title="Agreement on characters")
