"""The root Typer app, the house settings every (sub-)app shares, and the one
:class:`QcodeGroup` that turns a :class:`~qcode.errors.QcodeError` into
``Error: <message>`` on stderr and exit status 2. Command modules register their
commands on :data:`app`.
"""


import sys
from pathlib import Path
from typing import Annotated, Any

import typer
import typer.core

from ..errors import QcodeError
from ..notices import drain
from ..safetext import visible
from . import _options


class QcodeGroup(typer.core.TyperGroup):
    """Translate library errors into one line and exit status 2, for every sub-command."""

    def invoke(self, ctx: Any) -> Any:  # (Typer's own click: its Context has no public name)
        try:
            return super().invoke(ctx)
        except QcodeError as exc:
            _say_notices()
            typer.echo(f"Error: {visible(exc.message)}", err=True)
            sys.exit(exc.exit_code)
        except Exception as exc:
            if not _is_usage_error(exc):
                raise
            usage: Any = exc  # a click UsageError (Typer's own click or the other)
            if type(exc).__name__ == "NoArgsIsHelpError":  # a bare group: its help, as is
                typer.echo(usage.format_message(), err=True)
                sys.exit(2)
            # A bad option value or a missing argument: one line that names the fix,
            # not a usage block (Typer ships its own click, so match by class name).
            path = getattr(getattr(exc, "ctx", None), "command_path", None) or ctx.command_path
            where = " ".join(["qcode", *path.split(" ")[1:]])  # whatever the program was called
            typer.echo(f"Error: {visible(_usage_message(usage.format_message(), where))}",
                       err=True)
            sys.exit(2)
        finally:
            _say_notices()

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)  # definition order, not alphabetical


def _say_notices() -> None:
    """What the library noted for the person (a broken log, codings left out): each
    once, on stderr, with control characters shown."""
    for message in drain():
        typer.echo(f"Note: {visible(message)}", err=True)


def _usage_message(message: str, where: str) -> str:
    """One line: a value outside a fixed choice names the choices and the nearest one
    (last); anything else points at the command's help."""
    from .choices import not_a_choice

    message = " ".join(message.split())
    message = not_a_choice(message) or message
    if "did you mean" in message:
        return message
    message += "" if message.endswith((".", "?", "!")) else "."
    return f"{message} See `{where} --help`."


def _is_usage_error(exc: BaseException) -> bool:
    return any(cls.__name__ == "UsageError" for cls in type(exc).__mro__) and hasattr(
        exc, "format_message")


def new_app(help_text: str, *, cls: type[QcodeGroup] = QcodeGroup,
            no_args_is_help: bool = True) -> typer.Typer:
    """A Typer (sub-)app with the house settings (STYLE.md 5). A group that does
    something when called bare (``qcode agree``, ``qcode docs``) passes
    ``no_args_is_help=False`` and a callback with ``invoke_without_command=True``."""
    return typer.Typer(
        cls=cls,
        help=help_text,
        rich_markup_mode=None,
        no_args_is_help=no_args_is_help,
        add_completion=False,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )


app = new_app(
    "qcode: qualitative coding in the terminal. Plain-text projects, hash-chained audit "
    "logs, spaCy-assisted suggestions, inter-coder agreement."
)


@app.callback()
def _root(
    project: Annotated[Path | None, typer.Option(
        "--project", "-P", help="Project folder for the command that follows (the same as "
        "QCODE_PROJECT; each command also takes --project).", show_default=False)] = None,
) -> None:
    """qcode: qualitative coding in the terminal. Plain-text projects, hash-chained audit
    logs, spaCy-assisted suggestions, inter-coder agreement."""
    _options.ROOT_PROJECT = project  # used when the command is not given its own --project
