"""docs/tui.md cannot drift from the code: its key table, its plain-mode commands,
its 80x24 screen and its plain-mode example are checked here."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tui_support import make_study

from qcode.tui import keymap
from qcode.tui.plain import HELP

DOC = Path(__file__).resolve().parent.parent / "docs" / "tui.md"
SNAPSHOTS = Path(__file__).resolve().parent / "__snapshots__" / "test_tui_snapshot.ambr"


def text() -> str:
    return DOC.read_text(encoding="utf-8")


def test_key_table_is_the_keymap():
    table = text().split("<!-- keys -->\n", 1)[1].split("<!-- /keys -->", 1)[0]
    assert table == keymap.markdown_table()


def test_plain_commands_are_listed():
    assert HELP.rstrip() in text()


def test_the_screen_shown_is_the_80x24_snapshot():
    stored = SNAPSHOTS.read_text(encoding="utf-8")
    screen = stored.split("# name: test_main_screen_text[80x24]\n  '''\n", 1)[1]
    screen = screen.split("\n  \n  '''", 1)[0]
    lines = [line[2:] for line in screen.split("\n")]
    assert "```text\n" + "\n".join(lines) + "\n```" in text()


def test_plain_example_prints_what_the_doc_shows(tmp_path):
    block = re.search(r"```console\n\$ (printf .*?--plain --suggest off)\n(.*?)```", text(),
                      re.S)
    command, expected = block.group(1), block.group(2)
    make_study(tmp_path / "study")
    env = {k: v for k, v in os.environ.items() if not k.startswith("QCODE_")}
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    done = subprocess.run(["bash", "-c", command], cwd=tmp_path / "study", env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout == expected
