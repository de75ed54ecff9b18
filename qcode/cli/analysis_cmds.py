"""Analysis commands: agree, cooccur, crosstab. numpy is imported inside the commands only."""


from pathlib import Path
from typing import Annotated

import typer

from . import app
from ._options import (
    CodersOption,
    Format,
    FormatOption,
    ProjectOption,
    emit,
    info,
    project_from,
    stdout_console,
)

CodesOption = Annotated[
    list[str] | None,
    typer.Option("--code", help="A code; repeat for several (default: every code used).", show_default=False),
]
DocsOption = Annotated[
    list[str] | None,
    typer.Option("--doc", help="A document; repeat for several (default: all coded).", show_default=False),
]
ReplicatesOption = Annotated[int, typer.Option("--replicates", help="Bootstrap replicates.", min=100)]
SeedOption = Annotated[int, typer.Option("--seed", help="Seed of the bootstrap's random generator.")]

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
        from ..errors import InputError

        raise InputError(f"--disagreements lists units; --unit {unit} has none. Use --unit "
                         "sentence, turn, paragraph, doc or window:N.")
    if unit is not None and unit not in ("char", "none") and unit not in UNIT_WORDS \
            and not unit.startswith("window:"):
        from ..errors import InputError

        raise InputError(f"Unknown unit {unit!r}; use sentence, turn, paragraph, doc, "
                         "window:N, char or none.")
    if disagreements:
        _show_disagreements(proj, common, unit, min_chars, min_fraction, fmt)
    elif unit == "char":
        _agree_chars(proj, common, fmt)
    elif unit == "none":
        from ..agreement.project import project_unitized

        results, notes = project_unitized(proj, **common)
        for note in notes:
            info(f"Note: {note}")
        _emit_agreements(results, fmt, title="Unitized agreement on raw spans")
    else:
        from ..agreement.project import project_agreement

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
    from ..agreement.results import matrix_file_agreement, segments_file_agreement
    from ..errors import InputError

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
    from ..errors import InputError

    try:
        if text.endswith("%"):
            return 1, float(text[:-1]) / 100.0
        return int(text), 0.0
    except ValueError:
        raise InputError(
            f"--min-overlap {text!r}: write a number of characters (3) or a share (50%)."
        ) from None


def _note_missing(missing: dict[str, list[str]]) -> None:
    for coder, docs in missing.items():
        info(
            f"Note: {coder} has not coded {', '.join(docs)}; those units count as missing for "
            f"{coder}, not as 'no code applies'."
        )


def _show_disagreements(proj, common, unit, min_chars, min_fraction, fmt) -> None:
    from ..agreement.project import project_disagreements

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
    from ..agreement.project import project_char_agreement

    records = project_char_agreement(proj, **common)
    for r in records:
        r["doc"] = r["doc"] if r["doc"] is not None else "(all)"
    info(
        "Character mode (NVivo-compatible): Cohen's kappa per code and document; a document one "
        "coder never coded is left out; kappa is undefined where neither coder used the code."
    )
    emit(records, ("code", "doc", "chars", "coded", "kappa", "percent"), fmt, title="Agreement on characters")


# ---------------------------------------------------------------- cooccur


@app.command()
def cooccur(
    *,
    unit: Annotated[
        str | None,
        typer.Option(
            "--unit",
            help="sentence, turn, paragraph or doc (default: the project's unit kind).",
            show_default=False,
        ),
    ] = None,
    overlap: Annotated[bool, typer.Option("--overlap", help="Count overlapping codings.")] = False,
    window: Annotated[
        int | None,
        typer.Option("--window", help="Count codings at most N characters apart.", show_default=False),
    ] = None,
    coder: CodersOption = None,
    code: CodesOption = None,
    doc: DocsOption = None,
    measure: Annotated[str, typer.Option("--measure", help="count, jaccard or c.")] = "count",
    per_coder: Annotated[bool, typer.Option("--per-coder", help="One table per coder.")] = False,
    examples: Annotated[
        tuple[str, str] | None,
        typer.Option(
            "--examples", help="Print the passages where these two codes co-occur.", show_default=False
        ),
    ] = None,
    fmt: FormatOption = Format.table,
    project: ProjectOption = None,
) -> None:
    """Code x code co-occurrence: counts, Jaccard and the c-coefficient, per coder or pooled."""
    from ..agreement.project import project_cooccurrence
    from ..cooccurrence import MEASURES
    from ..errors import InputError

    if measure not in MEASURES:
        raise InputError(f"Unknown --measure {measure!r}; use one of {', '.join(MEASURES)}.")
    if overlap and window is not None:
        raise InputError("Give --overlap or --window, not both.")
    proj = project_from(project)
    tables, total, sc = project_cooccurrence(
        proj, coders=coder, codes=code, docs=doc, unit=unit, overlap=overlap, window=window
    )
    if examples is not None:
        _show_examples(proj, sc, examples, -1 if window is None else window, fmt)
        return
    shown = tables if per_coder else [total]
    if getattr(fmt, "value", fmt) != "table":
        columns = ("coder", "code1", "code2", "n1", "n2", "count", "jaccard", "c", "five_fold")
        emit([r for t in shown for r in t.records()], columns, fmt)
        return
    from rich.console import Console

    console = Console(soft_wrap=False)
    for t in shown:
        console.print(_heatmap(t, measure))


def _show_examples(proj, sc, pair, gap, fmt) -> None:
    from ..codebook import load_codebook
    from ..cooccurrence import examples

    used = {c.code for c in sc.codings}
    if any(p not in used for p in pair):  # an unknown code gets a did-you-mean
        codebook = load_codebook(proj.codebook_path)
        pair = tuple(p if p in used else codebook.require(p).id for p in pair)
    texts = {d: sc.documents[d].text for d in sc.docs}
    records = examples(sc.codings, pair[0], pair[1], gap=gap, texts=texts)
    emit(
        records,
        ("coder", "doc", "start", "end", "text"),
        fmt,
        title=f"{len(records)} passages with {pair[0]} and {pair[1]}",
    )


def _heatmap(table, measure: str):
    """A Rich table whose cells are shaded by the measure (a terminal heatmap)."""
    from rich.table import Table
    from rich.text import Text

    values = table.table(measure)
    flags = table.five_fold() if measure == "c" else None
    off = values[~_eye(len(table.codes))] if len(table.codes) > 1 else values.ravel()
    top = max((float(v) for v in off if v == v), default=0.0) or 1.0
    who = table.coder or "all coders (pooled)"
    out = Table(
        title=f"Co-occurrence ({table.mode}, {measure}), {who}",
        header_style="bold",
        caption="* frequencies differ more than five-fold; c is unreliable" if flags is not None else None,
    )
    out.add_column("")
    for c in table.codes:
        out.add_column(c, justify="right")
    for i, c in enumerate(table.codes):
        cells = [
            _cell(values[i, j], top, i == j, flags is not None and flags[i, j], measure)
            for j in range(len(table.codes))
        ]
        out.add_row(Text(c, style="bold"), *cells)
    return out


def _eye(n: int):
    import numpy as np

    return np.eye(n, dtype=bool)


def _cell(value, top: float, diagonal: bool, flagged: bool, measure: str):
    from rich.text import Text

    if value != value:  # nan
        return Text("-")
    text = f"{int(value)}" if measure == "count" else f"{float(value):.2f}"
    if flagged:
        text += "*"
    if diagonal:
        return Text(text, style="dim")
    shade = int(40 + 160 * min(float(value) / top, 1.0))
    return Text(text, style=f"on rgb({shade // 3},{shade // 2},{shade})")


# ---------------------------------------------------------------- crosstab


@app.command()
def crosstab(
    *,
    by: Annotated[str, typer.Option("--by", help="The document attribute to compare by.")],
    code: CodesOption = None,
    coder: CodersOption = None,
    doc: DocsOption = None,
    unit: Annotated[
        str, typer.Option("--unit", help="doc (documents) or a unit kind: sentence, turn, paragraph.")
    ] = "doc",
    replicates: ReplicatesOption = 10_000,
    seed: SeedOption = 0,
    fmt: FormatOption = Format.table,
    project: ProjectOption = None,
) -> None:
    """Code frequencies by attribute value, and differences of proportions with BCa 95% CIs."""
    from ..agreement.project import project_crosstab

    proj = project_from(project)
    table, diffs = project_crosstab(
        proj, by=by, coders=coder, codes=code, docs=doc, unit=unit, n_replicates=replicates, seed=seed
    )
    if getattr(fmt, "value", fmt) == "json":
        import json

        typer.echo(
            json.dumps({"proportions": table.records(), "differences": diffs}, ensure_ascii=False, indent=2)
        )
        return
    emit(
        table.records(), ("code", by, "n", "coded", "proportion"), fmt, title=f"Codes by {by} ({unit} units)"
    )
    emit(
        diffs,
        ("code", "value1", "value2", "p1", "p2", "difference", "ci"),
        fmt,
        title=f"Differences of proportions by {by}",
        caption="ci: bootstrap BCa 95%",
    )
