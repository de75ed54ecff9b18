"""Option aliases shared by every command (STYLE.md 5), and output helpers."""


from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .output import Format, FormatOption, emit, is_table, name_of, stdout_console

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from rich.console import Console

    from ..migrations.reanchor import Reanchored
    from ..project import Project

__all__ = ["Format", "FormatOption", "emit", "is_table", "name_of", "stdout_console"]


ProjectOption = Annotated[
    Path | None,
    typer.Option(
        "--project",
        "-P",
        help="Project folder (default: QCODE_PROJECT, else the nearest folder upwards "
        "holding qcode.yaml).",
        show_default=False,
    ),
]
CoderOption = Annotated[
    str | None,
    typer.Option(
        "--coder",
        "-c",
        help="Who is coding (default: QCODE_CODER, else 'coder:' in ~/.config/qcode/config.yaml).",
        show_default=False,
    ),
]
CodersOption = Annotated[
    list[str] | None,
    typer.Option("--coder", "-c", help="A coder; repeat for several (default: all).",
                 show_default=False),
]
ROOT_PROJECT: Path | None = None  # `qcode --project DIR <command>`, set by the root callback


StrictOption = Annotated[
    bool,
    typer.Option("--strict", help="Refuse to run when an audit log's chain is broken "
                 "(by default the result is given with a note naming the log and line)."),
]


def project_from(path: Path | None, *, strict: bool = False) -> "Project":
    """Open the project for a command: its own --project, else the one given before the
    command (``qcode --project DIR docs``), else QCODE_PROJECT or the folders upwards.
    ``strict``: refuse when a log is broken (``--strict``)."""
    from ..project import find_project

    proj = find_project(path if path is not None else ROOT_PROJECT)
    finish_interrupted(proj)
    if strict:
        from ..audit.health import require_sound

        require_sound(proj.audit_dir, proj.id)
    return proj


def finish_interrupted(proj: "Project") -> None:
    """Finish or roll back what a command stopped part-way left (its write-ahead
    record in .qcode/intent/), saying what was done; one stat when there is none."""
    from ..intent import intent_dir

    if not intent_dir(proj.root).is_dir() or not any(intent_dir(proj.root).glob("*.json")):
        return
    from ..recovery import recover_or_note

    for note in recover_or_note(proj):
        info(f"Note: {note}")


def stderr_console() -> "Console":
    from rich.console import Console

    return Console(stderr=True)


def info(message: str) -> None:
    """A message for the person (stderr), never mixed with data; control characters in
    the project text it names are shown visibly."""
    from ..safetext import visible

    typer.echo(visible(message), err=True)


def deprecated(old: str, new: str) -> None:
    """The one line an old spelling prints on stderr before it runs as the new one."""
    info(f"Note: `qcode {old}` is deprecated; use `qcode {new}` (the old spelling goes in "
         "the next release).")


def shown(path: str | Path) -> str:
    """A path as the person would type it: relative to the current folder when inside it."""
    from pathlib import Path

    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


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


def report_reanchored(reports: "Iterable[Reanchored]") -> None:
    """One line per re-anchored document, and where to see the orphans."""
    for r in reports:
        missing = " (the replaced text was not kept)" if r.missing_text else ""
        info(f"  re-anchored {r.doc}: {r.same} in place, {r.moved} moved, {r.fuzzy} fuzzy, "
             f"{r.orphaned} orphaned{missing}")
    if any(r.orphaned for r in reports):
        info("Orphaned codings are kept on the old version: see `qcode orphans`.")


def progress_bar(total: int, what: str) -> Any:
    """A Rich progress bar on stderr; yields a callback that advances it."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    @contextmanager
    def bar() -> "Iterator[Callable[[Any], None]]":
        console = stderr_console()
        with Progress(TextColumn(what), BarColumn(), MofNCompleteColumn(), console=console,
                      transient=True, disable=not console.is_terminal) as progress:
            task = progress.add_task(what, total=total)

            def advance(_: Any = None) -> None:
                progress.advance(task)

            yield advance

    return bar()
