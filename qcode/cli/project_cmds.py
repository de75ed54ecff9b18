"""The main job: qcode demo.

Each command imports the library inside its function, so that ``qcode --help``
loads none of it (docs/architecture.md, "Lazy imports").
"""


from pathlib import Path
from typing import Annotated

import typer

from ._options import info
from .root import app


@app.command()
def demo(
    folder: Annotated[Path | None, typer.Argument(
        help="Folder for the demo project (default: a new temporary folder).", show_default=False)] = None,
    *,
    force: Annotated[bool, typer.Option("--force", help="Allow a non-empty folder.")] = False,
) -> None:
    """Build a project from the bundled sample study and run everything end to end."""
    from ..demo import run_demo

    ctx = run_demo(folder, force=force, report=info)
    info(f"Demo project: {ctx.folder}")
