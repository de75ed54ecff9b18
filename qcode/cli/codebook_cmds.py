"""Codebook commands: check and show (diff and log come with codebook versions).

Each command imports the library inside its function, so that ``qcode --help``
loads none of it (docs/architecture.md, "Lazy imports").
"""


from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import CodebookError
from ._options import Format, FormatOption, ProjectOption, emit, info, project_from, shown, stdout_console
from .root import app, new_app

if TYPE_CHECKING:
    from rich.tree import Tree

    from ..codebook import Codebook

codebook_app = new_app("The codebook: check it, show it.")
app.add_typer(codebook_app, name="codebook")


def _codebook_path(file: Path | None, project: Path | None) -> Path:
    return file if file is not None else project_from(project).codebook_path


@codebook_app.command("check")
def codebook_check(
    file: Annotated[Path | None, typer.Argument(
        help="Codebook YAML (default: the project's codebook.yaml).", show_default=False)] = None,
    *,
    project: ProjectOption = None,
) -> None:
    """Report every problem with file:line:column; exit 2 when there are errors."""
    from ..codebook import check, load_codebook
    from ..yamlio import read_text

    path = _codebook_path(file, project)
    read_text(path)  # an unreadable file is one error line, not a list of problems
    problems = check(path)
    from ..suggest.check import pattern_problems  # spaCy's own check of `patterns`

    problems = sorted([*problems, *pattern_problems(path, problems)], key=lambda p: (p.line, p.column))
    for problem in problems:
        typer.echo(str(problem), err=True)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise CodebookError(f"{shown(path)}: {len(errors)} error(s) in the codebook; fix the lines above.")
    codebook = load_codebook(path)
    warnings = len(problems) - len(errors)
    info(f"{shown(path)}: {len(codebook.codes)} codes, version {codebook.version}, no errors"
         + (f", {warnings} warning(s)." if warnings else "."))


@codebook_app.command("show")
def codebook_show(
    file: Annotated[Path | None, typer.Argument(
        help="Codebook YAML (default: the project's codebook.yaml).", show_default=False)] = None,
    *,
    format: FormatOption = Format.table,  # noqa: A002
    full: Annotated[bool, typer.Option("--full", help="Also show criteria, examples and keywords.")] = False,
    project: ProjectOption = None,
) -> None:
    """Render the code tree with definitions (or list codes as csv/json)."""
    from ..codebook import load_codebook

    codebook = load_codebook(_codebook_path(file, project))
    if format.value != "table":
        records = [{"id": c.id, "label": c.label, "parent": c.parent, "retired": c.retired,
                    "definition": c.definition, "include": c.include, "exclude": c.exclude,
                    "examples": list(c.examples), "keywords": list(c.keywords),
                    "exclude_keywords": list(c.exclude_keywords), "colour": c.colour}
                   for c in codebook.codes]
        emit(records, list(records[0]) if records else ["id"], format)
        return
    stdout_console().print(codebook_tree(codebook, full=full))


def codebook_tree(codebook: "Codebook", *, full: bool = False) -> "Tree":
    """A Rich Tree of the codebook, children under parents."""
    from rich.text import Text
    from rich.tree import Tree

    from ..safetext import visible

    title = f"{codebook.name or 'Codebook'} (version {codebook.version}, {len(codebook.codes)} codes)"
    root = Tree(Text(visible(title), style="bold"))

    def add(branch: "Tree", parent: str | None) -> None:
        for code in codebook.children(parent):
            label = Text()
            label.append(visible(code.label), style=f"bold {code.colour or ''}".strip())
            label.append(visible(f"  [{code.id}]"), style="dim")
            if code.retired:
                label.append("  retired", style="italic red")
            if code.definition:
                label.append(visible(f"\n{code.definition}"))
            if full:
                for name in ("include", "exclude"):
                    if getattr(code, name):
                        label.append(f"\n{name}: ", style="italic")
                        label.append(visible(getattr(code, name)))
                if code.examples:
                    label.append("\nexamples: ", style="italic")
                    label.append(visible(" | ".join(code.examples)))
                if code.keywords:
                    label.append("\nkeywords: ", style="italic")
                    label.append(visible(", ".join(code.keywords)))
            add(branch.add(label), code.id)

    add(root, None)
    return root
