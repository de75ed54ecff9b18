"""The docs cannot drift from the code: every command has help and appears in
README.md, and the README's examples run with the output they show."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from typer.main import get_command

from qcode.cli import app

sys.path.insert(0, str(Path(__file__).resolve().parent))
import walkthrough  # noqa: E402


def all_commands() -> list[tuple[str, object]]:
    """Every command and sub-app, as ("audit verify", command). Typer ships its own
    copy of click, so groups are recognised by their ``commands``, not by class."""
    out = []

    def walk(prefix: str, cmd) -> None:
        subs = getattr(cmd, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk(f"{prefix} {name}".strip(), sub)
        if prefix:
            out.append((prefix, cmd))

    walk("", get_command(app))
    return out


@pytest.mark.parametrize("name,command", all_commands(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_command_has_help(name, command):
    assert (command.help or "").strip(), f"`qcode {name}` has no help text"
    for param in command.params:
        if param.param_type_name == "option" and param.name != "help":
            assert (param.help or "").strip(), f"`qcode {name}` option {param.opts} has no help"


@pytest.mark.parametrize("name", [n for n, _ in all_commands()])
def test_every_command_is_in_readme(name):
    readme = walkthrough.README.read_text(encoding="utf-8")
    assert re.search(rf"`qcode {re.escape(name)}\b", readme), f"`qcode {name}` is not documented in README.md"


def test_readme_quickstart_is_the_two_commands():
    readme = walkthrough.README.read_text(encoding="utf-8")
    quick = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    assert "make demo" in quick and "make test" in quick


def test_readme_walkthrough(tmp_path):
    examples = walkthrough.parse(walkthrough.README.read_text(encoding="utf-8"))
    runnable = [ex for ex in examples if not ex.skip]
    assert len(runnable) >= 10, "the README should show real examples"
    cwd = walkthrough.setup_project(tmp_path)
    for ex in runnable:
        _, output = walkthrough.run(ex.command, cwd)
        assert walkthrough.normalise(output) == walkthrough.normalise(ex.expected), (
            f"README.md line {ex.line}: `{ex.command}` printed something else; "
            "run `python tests/walkthrough.py --update` if the change is intended"
        )
