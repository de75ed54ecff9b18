"""Code tables: ``qcode cooccur`` and ``qcode crosstab``. numpy is imported inside
the commands only."""
from enum import StrEnum
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
from .output import Listing, emit_json, emit_tables
from .root import app

if TYPE_CHECKING:
    import numpy as np
    from rich.table import Table
    from rich.text import Text

    from ..agreement.from_project import Scope
    from ..cooccurrence import Cooccurrence
    from ..project import Project

# ---------------------------------------------------------------- cooccur

UnitOption = Annotated[str | None, typer.Option(
    "--unit", parser=unit_parser(), show_default=False,
    help="sentence, turn, paragraph, doc or window:N (default: the project's unit kind).")]


class Measure(StrEnum):  # qcode.cooccurrence.MEASURES (a test holds it)
    count = "count"  # type: ignore[assignment]  # (the member shadows str.count)
    jaccard = "jaccard"
    c = "c"



@app.command()
def cooccur(
    *,
    unit: UnitOption = None,
    overlap: Annotated[bool, typer.Option("--overlap", help="Count overlapping codings.")] = False,
    window: Annotated[int | None, typer.Option(
        "--window", help="Count codings at most N characters apart.", show_default=False)] = None,
    coder: CodersOption = None,
    code: CodesOption = None,
    doc: DocsOption = None,
    measure: Annotated[Measure, typer.Option("--measure", help="count, jaccard or c.")] = Measure.count,
    per_coder: Annotated[bool, typer.Option("--per-coder", help="One table per coder.")] = False,
    examples: Annotated[tuple[str, str] | None, typer.Option(
        "--examples", help="Print the passages where these two codes co-occur.",
        show_default=False)] = None,
    fmt: FormatOption = Format.table,
    strict: StrictOption = False,
    project: ProjectOption = None,
) -> None:
    """Code x code co-occurrence: counts, Jaccard and the c-coefficient, per coder or pooled."""
    from ..agreement.from_project import project_cooccurrence

    if overlap and window is not None:
        raise InputError("Give --overlap or --window, not both.")
    proj = project_from(project, strict=strict)
    tables, total, sc = project_cooccurrence(
        proj, coders=coder, codes=code, docs=doc, unit=unit, overlap=overlap,
        window=window, records=examples is not None)
    if examples is not None:
        _show_examples(proj, sc, examples, -1 if window is None else window, fmt)
        return
    shown = tables if per_coder else [total]
    if not is_table(fmt):
        columns = ("coder", "code1", "code2", "n1", "n2", "count", "jaccard", "c", "five_fold")
        emit([r for t in shown for r in t.records()], columns, fmt)
        return
    console = stdout_console()
    for t in shown:
        console.print(_heatmap(t, measure.value))


def _show_examples(proj: "Project", sc: "Scope", pair: tuple[str, ...], gap: int, fmt: Any) -> None:
    from ..codebook import load_codebook
    from ..cooccurrence import examples  # numpy behind it

    used = {c.code for c in sc.records}
    if any(p not in used for p in pair):  # an unknown code gets a did-you-mean
        codebook = load_codebook(proj.codebook_path)
        pair = tuple(p if p in used else codebook.require(p).id for p in pair)
    texts = {d: sc.documents[d].text for d in sc.docs}
    records = examples(sc.records, pair[0], pair[1], gap=gap, texts=texts)
    emit(
        records,
        ("coder", "doc", "start", "end", "text"),
        fmt,
        title=f"{len(records)} passages with {pair[0]} and {pair[1]}",
    )


def _heatmap(table: "Cooccurrence", measure: str) -> "Table":
    """A Rich table whose cells are shaded by the measure (a terminal heatmap)."""
    from rich.table import Table

    values = table.table(measure)
    flags = table.five_fold() if measure == "c" else None
    off = values[~_eye(len(table.codes))] if len(table.codes) > 1 else values.ravel()
    top = max((float(v) for v in off if v == v), default=0.0) or 1.0
    who = table.coder or "all coders (pooled)"
    from ..reports import safe_text

    out = Table(
        title=safe_text(f"Co-occurrence ({table.mode}, {measure}), {who}"),
        header_style="bold",
        caption="* frequencies differ more than five-fold; c is unreliable" if flags is not None else None,
    )
    out.add_column("")
    for c in table.codes:
        out.add_column(safe_text(c), justify="right")
    for i, c in enumerate(table.codes):
        cells = [
            _cell(values[i, j], top, i == j, flags is not None and flags[i, j], measure)
            for j in range(len(table.codes))
        ]
        out.add_row(safe_text(c, style="bold"), *cells)
    return out


def _eye(n: int) -> "np.ndarray":
    import numpy as np

    return np.eye(n, dtype=bool)


def _cell(value: float, top: float, diagonal: bool, flagged: bool, measure: str) -> "Text":
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


class CrosstabPart(StrEnum):
    proportions = "proportions"
    differences = "differences"


@app.command()
def crosstab(
    *,
    by: Annotated[str, typer.Option("--by", help="The document attribute to compare by.")],
    code: CodesOption = None,
    coder: CodersOption = None,
    doc: DocsOption = None,
    unit: Annotated[str, typer.Option(
        "--unit", parser=unit_parser(),
        help="doc (documents), a unit kind (sentence, turn, paragraph) or window:N.")] = "doc",
    replicates: ReplicatesOption = 10_000,
    seed: SeedOption = 0,
    only: Annotated[CrosstabPart | None, typer.Option(
        "--table", help="Only this table (csv gives one table: proportions unless this says "
        "differences).", show_default=False)] = None,
    fmt: FormatOption = Format.table,
    strict: StrictOption = False,
    project: ProjectOption = None,
) -> None:
    """Code frequencies by attribute value, and differences of proportions with BCa 95% CIs."""
    from ..agreement.from_project import project_crosstab  # numpy behind it

    proj = project_from(project, strict=strict)
    part = only.value if only else ("proportions" if name_of(fmt) == "csv" else None)
    table, diffs = project_crosstab(
        proj, by=by, coders=coder, codes=code, docs=doc, unit=unit,
        n_replicates=replicates, seed=seed)
    found = {"proportions": table.records(), "differences": diffs}
    if name_of(fmt) == "json":
        emit_json(found[part] if part else found)
        return
    emit_tables([t for t in _crosstab_tables(found, by, unit, fmt)
                 if part in (None, t.key)], fmt)
    if name_of(fmt) == "csv" and only is None:
        info("The differences of proportions: --table differences.")


def _crosstab_tables(found: dict[str, Any], by: str, unit: str, fmt: Any) -> list[Listing]:
    """The proportions and the differences; the interval as two columns in CSV, one
    column elsewhere."""
    diffs = found["differences"]
    ci: tuple[str, ...] = ("ci_low", "ci_high")
    if name_of(fmt) != "csv":
        diffs = [{**d, "ci": None if d["ci_low"] is None else [d["ci_low"], d["ci_high"]]}
                 for d in diffs]
        ci = ("ci",)
    return [Listing("proportions", f"Codes by {by} ({unit} units)", found["proportions"],
                    ("code", by, "n", "coded", "proportion")),
            Listing("differences", f"Differences of proportions by {by}", diffs,
                    ("code", "value1", "value2", "p1", "p2", "difference", *ci),
                    caption="ci: bootstrap BCa 95%")]
