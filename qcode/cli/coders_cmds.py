"""``qcode coders``: the project's coders, and adding one."""

from typing import Annotated

import typer

from ._options import Format, FormatOption, ProjectOption, emit, info, project_from
from .root import app, new_app

coders_app = new_app("The project's coders: `qcode coders` lists them; `qcode coders add "
                     "NAME` adds one.", no_args_is_help=False)
app.add_typer(coders_app, name="coders")


@coders_app.callback(invoke_without_command=True)
def coders(ctx: typer.Context, *, format: FormatOption = Format.table,  # noqa: A002
           project: ProjectOption = None) -> None:
    """List the coders this project names (qcode.yaml and audit/coders/)."""
    from ..coders import known_coders, registry_dir

    if ctx.invoked_subcommand is not None:
        return
    proj = project_from(project)
    listed = set(proj.settings.coders)
    records = [{"coder": name, "listed_in": "qcode.yaml" if name in listed else
                f"audit/{registry_dir(proj).name}/{name}.yaml"} for name in known_coders(proj)]
    emit(records, ["coder", "listed_in"], format, title="Coders")


@coders_app.command("add")
def coders_add(
    name: Annotated[str, typer.Argument(help="The new coder's name (lower-case).")],
    *,
    actor: Annotated[str | None, typer.Option(
        "--as", help="Who adds the coder: the project's lead when qcode.yaml names one "
        "(default: QCODE_CODER, else 'coder:' in your config).", show_default=False)] = None,
    project: ProjectOption = None,
) -> None:
    """Add a coder: writes audit/coders/NAME.yaml (one file per coder, so branches that
    each add a coder merge without a conflict)."""
    from ..coders import add_coder
    from ..project import resolve_coder

    proj = project_from(project)
    path = add_coder(proj, name, resolve_coder(actor, flag="--as"), lead=proj.settings.lead)
    info(f"Added coder {name} ({path.relative_to(proj.root)}); commit it so the team has it.")
