"""Exchange commands: export (REFI-QDA), import (REFI-QDA, Taguette, spreadsheets, qc),
codebook import."""


from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ._options import CoderOption, ProjectOption, StrictOption, info, project_from, shown
from .codebook_cmds import codebook_app
from .root import app

if TYPE_CHECKING:
    from ..project import Project

ProfileOption = Annotated[
    str,
    typer.Option("--profile", help="Offsets and line endings for the tool that will read the file: "
                 "spec (the REFI-QDA standard), or nvivo, atlasti, maxqda (experimental: not yet "
                 "verified against those tools)."),
]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Show what would be created, per coder and code; write nothing.")
]
IdFromOption = Annotated[
    str,
    typer.Option("--id-from", help="Document ids from names as ingest makes them from file names "
                 "(stem), or keeping the source's own spelling where an id allows (name)."),
]
PrefixOption = Annotated[
    str,
    typer.Option("--prefix", help="Put this before every imported coder's name (e.g. nvivo-).",
                 show_default=False),
]
ColumnsOption = Annotated[
    str | None,
    typer.Option("--columns", help="Which spreadsheet column holds what: "
                 "doc=document,code=tag,quote=content[,coder=user][,memo=note].", show_default=False),
]
CodebookFileOption = Annotated[
    Path | None,
    typer.Option("--codebook", help="A codebook CSV (tag, description) or .qdc to create the codes "
                 "from, with their descriptions.", show_default=False),
]


def parse_columns(value: str | None) -> dict[str, str] | None:
    from ..errors import InputError

    if value is None:
        return None
    out = {}
    for pair in value.split(","):
        key, sep, column = pair.partition("=")
        if not sep or not key.strip() or not column.strip():
            raise InputError(f"--columns {value!r}: write role=column pairs separated by commas, "
                             "e.g. doc=document,code=tag,quote=content.")
        out[key.strip()] = column.strip()
    return out


@app.command("export")
def export_cmd(
    file: Annotated[Path, typer.Argument(help="FILE.qdpx (the whole project) or FILE.qdc (the codebook).")],
    *,
    profile: ProfileOption = "spec",
    strict: StrictOption = False,
    project: ProjectOption = None,
) -> None:
    """Export the project as REFI-QDA (.qdpx) or its codebook (.qdc), for NVivo, ATLAS.ti,
    MAXQDA, QualCoder and other QDA tools."""
    from ..exchange import export

    result = export(project_from(project, strict=strict), file, profile=profile)
    if isinstance(result, int):
        info(f"Wrote {shown(file)}: {result} codes.")
        return
    note = "" if profile == "spec" else f" (profile {profile}, experimental)"
    left = (f"; {result.left_out} codings not on their document's current text left out "
            "(see `qcode orphans`)") if result.left_out else ""
    if result.unplaced_codes:
        left += (f"; {result.unplaced_codes} codings whose code is not in the codebook in force "
                 "(awaiting review after a codebook change) kept as text in the 'qcode history' note")
    info(f"Wrote {shown(file)}{note}: {result.documents} documents, {result.codes} codes, "
         f"{result.codings} codings by {result.coders} coders, {result.memos} memos{left}.")


def run_import(project: "Project", file: Path, *, coder: str | None, dry_run: bool, prefix: str, id_from: str,
               columns: str | None, codebook: Path | None, as_coder: str | None = None) -> None:
    """Plan, show, and (unless dry_run) write an import."""
    from ..exchange import describe, plan_import
    from ..exchange import run_import as write
    from ..project import resolve_coder

    importer = resolve_coder(coder)
    plan = plan_import(project, file, importer=importer, prefix=prefix, id_from=id_from,
                       columns=parse_columns(columns), codebook=codebook, coder=as_coder)
    if dry_run:
        for line in describe(plan):
            typer.echo(line)
        info("Dry run: nothing was written.")
        return
    written = write(project, plan)
    for line in written.lines:
        info(line)
    if written.rejects_file is not None:
        info(f"Not placed: {len(plan.rejects)}, listed in {shown(written.rejects_file)}.")
    info(f"Recorded as project.log line {written.project_seq}, imported by {importer}.")


@app.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(help="A .qdpx/.qde project or .qdc codebook (REFI-QDA), a "
                                         "Taguette highlights CSV, a codings CSV/XLSX, or a qc "
                                         "project folder.")],
    *,
    dry_run: DryRunOption = False,
    prefix: PrefixOption = "",
    id_from: IdFromOption = "stem",
    columns: ColumnsOption = None,
    codebook: CodebookFileOption = None,
    as_coder: Annotated[str | None, typer.Option(
        "--as-coder", help="The imported coder's name for a spreadsheet without a coder column "
        "(default: the file's name).", show_default=False)] = None,
    coder: CoderOption = None,
    project: ProjectOption = None,
) -> None:
    """Bring another tool's project, codings or codebook into this project. Each of the
    other tool's users becomes an imported coder whose log the import writes once."""
    run_import(project_from(project), file, coder=coder, dry_run=dry_run, prefix=prefix,
               id_from=id_from, columns=columns, codebook=codebook, as_coder=as_coder)


@codebook_app.command("import")
def codebook_import(
    file: Annotated[Path, typer.Argument(help="A codebook as CSV/XLSX (code or tag, description, "
                                         "parent) or REFI-QDA .qdc.")],
    *,
    dry_run: DryRunOption = False,
    coder: CoderOption = None,
    project: ProjectOption = None,
) -> None:
    """Add a codebook's codes to codebook.yaml (existing codes are matched, never replaced)."""
    from ..exchange import describe, read_input
    from ..exchange import run_import as write
    from ..exchange.codebook_io import plan_codebook
    from ..project import resolve_coder

    proj = project_from(project)
    plan = plan_codebook(proj, file, read_input(file), importer=resolve_coder(coder))
    if dry_run:
        for line in describe(plan):
            typer.echo(line)
        info("Dry run: nothing was written.")
        return
    for line in write(proj, plan).lines:
        info(line)


def init_from(folder: Path, file: Path | None, *, name: str | None, language: str, unit: str,
              coders: tuple[str, ...], force: bool, actor: str | None, dry_run: bool = False) -> None:
    """``qcode init DIR --from FILE``: a new project, then the import; a plan that fails
    leaves no folder behind (one that existed is left as it was). A dry run plans
    the import into a scratch project and makes no folder."""
    import shutil

    from ..errors import InputError
    from ..exchange import plan_import, read_input
    from ..exchange import run_import as write
    from ..project import check_new_project_folder, init_project, resolve_coder

    if file is None:
        raise InputError("--dry-run goes with --from FILE (it shows what the import would create).")
    importer = resolve_coder(actor, flag="--as")
    if not file.is_dir():
        read_input(file)  # an unreadable file stops before the folder is made
    check_new_project_folder(folder, force=force)
    if dry_run:
        _dry_run_init(folder, file, name=name, language=language, unit=unit, coders=coders,
                      importer=importer)
        return
    existed = folder.exists()
    project = init_project(folder, name=name, language=language, unit=unit, coders=coders,
                           force=force)
    try:
        plan = plan_import(project, file, importer=importer)
    except BaseException:
        if not existed:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    written = write(project, plan)
    info(f"Created project {project.settings.name!r} in {folder} (id {project.id}).")
    for line in written.lines:
        info(line)
    if written.rejects_file is not None:
        info(f"Not placed: {len(plan.rejects)}, listed in {shown(written.rejects_file)}.")
    info(f"Recorded as project.log line {written.project_seq}, imported by {importer}.")


def _dry_run_init(folder: Path, file: Path, *, name: str | None, language: str, unit: str,
                  coders: tuple[str, ...], importer: str) -> None:
    """Plan the import into a scratch project with the new one's settings; print the plan."""
    import tempfile

    from ..exchange import describe, plan_import
    from ..project import init_project

    with tempfile.TemporaryDirectory(prefix="qcode-dry-run-") as scratch:
        project = init_project(Path(scratch) / "project", name=name or folder.resolve().name,
                               language=language, unit=unit, coders=coders)
        plan = plan_import(project, file, importer=importer)
        for line in describe(plan):
            typer.echo(line)
    info("Dry run: nothing was written.")
