"""Fixed choices on the command line: Enums that Typer validates, and one message for a
value that is not among them (the choices, then the nearest one).

Typer checks an Enum-typed option itself; its message ("Value error, 'x' is not one of
'a', 'b'.") is rewritten by :func:`not_a_choice` in the one place that prints usage
errors. Options with an alias (``md``) or an open-ended form (``window:N``) use a
``parser`` built here and give the same message.
"""


import enum
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import typer

E = TypeVar("E", bound=enum.Enum)

_TYPER_CHOICE = re.compile(r"(?:Value error, )?(?P<value>'[^']*'|\"[^\"]*\") is not one of "
                           r"(?P<choices>.*?)\.?$")


def nearest(value: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` or ``""`` (rapidfuzz, as for codes and coders)."""
    from ..hints import did_you_mean

    return did_you_mean(value, list(choices))


def choice_message(value: str, choices: Iterable[str]) -> str:
    """``'x' is not one of a, b, c; did you mean 'a'?`` (the nearest choice last)."""
    names = list(choices)
    hint = nearest(value, names)
    return f"{value!r} is not one of {', '.join(names)}{hint or '.'}"


def not_a_choice(message: str) -> str | None:
    """Typer's message for a value outside an Enum, rewritten with the nearest choice;
    ``None`` when ``message`` is some other error."""
    if "did you mean" in message:  # a parser of ours wrote it already
        return None
    head, sep, tail = message.partition(": ")
    found = _TYPER_CHOICE.search(tail if sep else message)
    if found is None:
        return None
    value = found["value"][1:-1]
    choices = [c.strip().strip("'\"") for c in found["choices"].split(",")]
    return f"{head}{sep}{choice_message(value, choices)}" if sep else choice_message(value, choices)


def enum_parser(kind: type[E], aliases: Mapping[str, E] | None = None) -> Callable[[Any], E]:
    """A Typer ``parser`` for ``kind`` that also takes ``aliases`` (``md`` for markdown)."""
    table = {m.value: m for m in kind} | dict(aliases or {})

    def parse(value: Any) -> E:
        if isinstance(value, kind):
            return value
        found = table.get(str(value))
        if found is None:
            raise typer.BadParameter(choice_message(str(value), [m.value for m in kind]))
        return found

    return parse


def unit_parser(*extra: str) -> Callable[[str], str]:
    """A ``--unit`` parser for counting units: a unit kind, ``doc``, ``window:N`` (N
    characters) and the ``extra`` words a command also takes (``char``, ``none``)."""
    from ..project import UNIT_KINDS

    words = (*UNIT_KINDS, "doc", *extra)

    def parse(value: str) -> str:
        size = value.partition(":")[2] if value.startswith("window:") else None
        if value in words or (size is not None and size.isdigit() and int(size) > 0):
            return value
        raise typer.BadParameter(choice_message(value, [*words, "window:N"]))

    return parse
