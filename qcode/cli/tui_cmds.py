"""qcode code and qcode review: the keyboard-driven coding view (or --plain).

Each command imports the library inside its function, so that ``qcode --help``
loads none of it (docs/architecture.md, "Lazy imports").
"""


import enum
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import InputError, QcodeError
from ..project import UnitKind
from ._options import CoderOption, ProjectOption, info, project_from
from .root import app

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..project import Project
    from ..tui.session import Session


class SuggestMethod(enum.StrEnum):
    rules = "rules"
    model = "model"
    both = "both"
    off = "off"


PlainOption = Annotated[bool, typer.Option(
    "--plain", help="One unit at a time as plain text; commands are read one per line from "
    "stdin (screen readers, dumb terminals, scripts). Type help for the commands.")]
UnitOption = Annotated[UnitKind | None, typer.Option(
    "--unit", help="Unit to move by: sentence, turn or paragraph (default: the project's).",
    show_default=False)]
SuggestOption = Annotated[SuggestMethod, typer.Option(
    "--suggest", help="Suggestions shown for each unit: the queue from `qcode suggest` if it "
    "has some for the document, else a run of rules, model or both; off for none.")]


@app.command()
def code(
    doc: Annotated[str | None, typer.Argument(
        help="Document id (default: where this coder left off, else the first).",
        show_default=False)] = None,
    *,
    project: ProjectOption = None,
    coder: CoderOption = None,
    compare: Annotated[str | None, typer.Option(
        "--compare", help="Another coder: mark the units where her codes differ, and jump "
        "between them with d / D.", show_default=False)] = None,
    plain: PlainOption = False,
    unit: UnitOption = None,
    suggest: SuggestOption = SuggestMethod.rules,
) -> None:
    """Code documents in a full-screen terminal view (every key press that decides
    something is one audit line, written at once)."""
    from time import perf_counter

    started = perf_counter()
    proj = project_from(project)
    name = _coder(proj, coder)
    from ..tui.session import Session

    session = Session(proj, name, doc=doc, compare=compare, kind=unit and unit.value,
                      suggest=suggest is not SuggestMethod.off)
    _run(session, plain, suggest.value, started)


@app.command()
def review(
    *,
    project: ProjectOption = None,
    coder: CoderOption = None,
    plain: PlainOption = False,
    unit: UnitOption = None,
    migration: Annotated[bool, typer.Option(
        "--migration", help="Instead of suggestions, your codings that a codebook migration "
        "left waiting (a split the rules could not call, a redefined code): s shows each "
        "possible code, a takes it.")] = False,
) -> None:
    """Decide the suggestion queue (from `qcode suggest`) in the coding view: each
    queued suggestion in turn; a accepts, r rejects."""
    from time import perf_counter

    started = perf_counter()
    proj = project_from(project)
    name = _coder(proj, coder)
    from ..tui.review import MigrationReview, SuggestionReview

    queue = MigrationReview if migration else SuggestionReview
    _run(queue(proj, name, kind=unit and unit.value), plain, "off", started)


def _coder(project: "Project", coder: str | None) -> str:
    from ..coding import coder_warnings
    from ..project import resolve_coder

    name = resolve_coder(coder)
    for warning in coder_warnings(project, name):
        info(warning)
    return name


def _run(session: "Session", plain: bool, method: str, started: float) -> None:
    import os
    import sys

    if not plain and os.environ.get("TERM") == "dumb":
        info("TERM is dumb: using --plain.")
        plain = True
    if plain:
        from ..tui.plain import Plain

        loader = None if method == "off" else _loader(method)
        runner = Plain(session, sys.stdout, sys.stderr, load_suggestions=loader,
                       prompt=sys.stdin.isatty())
        raise typer.Exit(runner.run(sys.stdin))
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise InputError("The coding view needs a terminal; pass --plain to read commands "
                         "from piped input (type help in it for the commands).")
    from ..tui.app import CodingApp  # Textual behind it
    from ..tui.shortcuts import load_shortcuts

    shortcuts = load_shortcuts(session.codebook)
    CodingApp(session, method=method, started=started, shortcuts=shortcuts).run()


def _loader(method: str) -> "Callable[[Session], None]":
    def load(session: "Session") -> None:
        from ..tui.suggestions import for_document

        try:
            found, note = for_document(session.project, session.coder, session.doc, method)
        except QcodeError as exc:
            found, note = [], f"suggestions unavailable: {exc.message}"
        session.set_suggestions(found)
        if note:
            info(note)

    return load
