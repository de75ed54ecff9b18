"""Run the README's examples and compare their output (sqlite-utils' test_docs idea).

README.md shows commands in ```console blocks: a line ``$ qcode ...`` is a
command, the lines after it (until the next ``$`` or the end of the block) are
what it prints (stdout and stderr, as a person sees them). All blocks run in
order in one sample project built with ``qcode init study --sample``; each runs
in that project's folder. A block right after ``<!-- walkthrough: skip -->``
is shown but not run (interactive or long commands).

Times, hashes and project ids change from run to run and are compared as
placeholders. ``python tests/walkthrough.py --update`` rewrites the outputs in
README.md from a fresh run.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
SKIP = "<!-- walkthrough: skip -->"
_VOLATILE = (
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z"), "<time>"),
    (re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?"), "<time>"),
    (re.compile(r"\b[0-9a-f]{64}\b"), "<hash>"),
    (re.compile(r"\b[0-9a-f]{32}\b"), "<id>"),
    (re.compile(r"\b[0-9a-f]{12}\b"), "<docv>"),
    (re.compile(r"\d+(\.\d+)? s\b"), "<seconds>"),
    (re.compile(r"/tmp/[\w./-]+"), "<tmp>"),
)


@dataclass
class Example:
    line: int  # 1-based line of the command in README.md
    command: str
    expected: list[str]
    skip: bool


def parse(text: str) -> list[Example]:
    examples: list[Example] = []
    lines = text.split("\n")
    in_block, skip, previous = False, False, ""
    for i, line in enumerate(lines, start=1):
        if not in_block and line.strip() == "```console":
            in_block, skip = True, previous.strip() == SKIP
        elif in_block and line.strip() == "```":
            in_block = False
        elif in_block and line.startswith("$ "):
            examples.append(Example(i, line[2:], [], skip))
        elif in_block and examples:
            examples[-1].expected.append(line)
        if line.strip():
            previous = line
    return examples


def normalise(lines: list[str]) -> list[str]:
    out = []
    for line in lines:
        line = line.rstrip()
        for pattern, placeholder in _VOLATILE:
            line = pattern.sub(placeholder, line)
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return out


def run(command: str, cwd: Path) -> tuple[int, list[str]]:
    """Run one ``qcode ...`` command in-process, as a person would in ``cwd``."""
    from typer.testing import CliRunner

    from qcode.cli import app

    argv = shlex.split(command)
    if argv[0] != "qcode":
        raise ValueError(f"README example is not a qcode command: {command}")
    env = {"COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb", "QCODE_CODER": ""}
    old = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(app, argv[1:], env=env)
    finally:
        os.chdir(old)
    return result.exit_code, result.output.rstrip("\n").split("\n") if result.output else []


def setup_project(root: Path) -> Path:
    """A fresh sample project in ``root/study``; examples run inside it."""
    from qcode.codebook import dump_codebook, load_codebook
    from qcode.demo import init_sample, version_two

    init_sample(root / "study")
    for name, text in FILES.items():
        (root / name).write_text(text, encoding="utf-8")
    v2 = version_two(load_codebook(root / "study" / "codebook.yaml"))
    (root / "codebook-v2.yaml").write_text(dump_codebook(v2), encoding="utf-8")
    return root / "study"


NOTES = """## 2020-02-04
Morning meeting at the base. The driving lists were printed before anyone had
checked who was off sick, so two visits ended up on the same car.

## 2020-02-05
Nobody from the unit leadership came to the meeting. The nurse on the early
shift rang three relatives herself to move visits to the afternoon.
"""


def update_readme() -> None:
    """Rewrite every runnable example's output in README.md from a fresh run."""
    lines = README.read_text(encoding="utf-8").split("\n")
    out: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        cwd = setup_project(Path(tmp))
        in_block = skip = dropping = False
        previous = ""
        for line in lines:
            if not in_block and line.strip() == "```console":
                in_block, skip = True, previous.strip() == SKIP
            elif in_block and line.strip() == "```":
                in_block = dropping = False
            elif in_block and line.startswith("$ ") and not skip:
                out.append(line)
                code, output = run(line[2:], cwd)
                print(f"exit {code}: {line[2:]}", file=sys.stderr)
                out.extend(output)
                dropping = True
                continue
            elif in_block and line.startswith("$ "):
                dropping = False
            if line.strip():
                previous = line
            if not dropping:
                out.append(line)
    README.write_text("\n".join(out), encoding="utf-8")



# The corrected transcript of the notes: a typo fixed, a sentence dropped.
CORRECTED = NOTES.replace("so two visits ended up", "so two visits were put").replace(
    "Nobody from the unit leadership came to the meeting. ", "")

DECISIONS = """doc,code,quote,unit,memo,action
notes,coordination,,2,,apply
notes,time-resources,so two visits ended up on the same car,,Double-booked car.,apply
notes,leadership,,3,,apply
notes,,,,Short entries; the second day repeats the first.,memo
"""

# Krippendorff's reliability data (Content Analysis, 2nd ed., ch. 12): 4 coders,
# 12 units, values 1-5, empty cells missing. Nominal alpha = 0.743.
RELIABILITY = """A,B,C,D
1,1,,1
2,2,3,2
3,3,3,3
3,3,3,3
2,2,2,2
1,2,3,4
4,4,4,4
1,1,2,1
2,2,2,2
,5,5,5
,,1,1
,,3,
"""

FILES = {"notes.txt": NOTES, "notes-corrected.txt": CORRECTED, "decisions.csv": DECISIONS,
         "reliability.csv": RELIABILITY}


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    if "--update" in sys.argv:
        update_readme()
