"""Groups whose modes used to be flags: ``agree --matrix FILE`` is now ``agree matrix
FILE``, ``recode --to NEW`` is ``recode run --to NEW``. The old spellings keep working for
one release: the group rewrites them into the sub-command and says so on stderr.
"""


from dataclasses import dataclass
from typing import Any, ClassVar

from .root import QcodeGroup


@dataclass(frozen=True, slots=True)
class OldFlag:
    """``flag`` of the old spelling, the sub-command that replaced it, and what becomes of
    the flag's value: nothing (a switch), the sub-command's argument, or its own option."""

    flag: str
    command: str
    value: str = "none"  # none | argument | option
    metavar: str = ""

    def old(self) -> str:
        return f"{self.flag} {self.metavar}".strip()

    def new(self) -> str:
        if self.value == "option":
            return f"{self.command} {self.flag} {self.metavar}"
        return f"{self.command} {self.metavar}".strip()


class ModeGroup(QcodeGroup):
    """A group that still accepts the old flags listed in :attr:`old_flags`."""

    old_flags: ClassVar[tuple[OldFlag, ...]] = ()

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, self._rewrite(ctx.info_name or self.name or "", args))

    def _rewrite(self, name: str, args: list[str]) -> list[str]:
        found = [(i, f) for i, a in enumerate(args) for f in self.old_flags
                 if a == f.flag or a.startswith(f"{f.flag}=")]
        if not found or (args and args[0] in getattr(self, "commands", {})):
            return args
        if len({f.command for _, f in found}) > 1:
            from ..errors import InputError

            spellings = " or ".join(f"`qcode {name} {f.new()}`" for f in self.old_flags)
            raise InputError(f"Give one of {spellings}, not several (see `qcode {name} --help`).")
        i, old = found[0]
        arg = args[i]
        value: list[str] = []
        rest = args[:i] + args[i + 1:]
        if old.value != "none":
            if "=" in arg:
                value = [arg.partition("=")[2]]
            elif i < len(args) - 1:
                value, rest = [args[i + 1]], args[:i] + args[i + 2:]
            if old.value == "option":
                value = [old.flag, *value]
        from ._options import deprecated

        deprecated(f"{name} {old.old()}", f"{name} {old.new()}")
        return [old.command, *value, *rest]


def mode_group(*flags: OldFlag) -> type[ModeGroup]:
    """A :class:`ModeGroup` class that knows ``flags``."""
    return type("ModeGroup", (ModeGroup,), {"old_flags": flags})
