"""Helpers shared by the audit and codings tests: generated logs and small projects."""

from __future__ import annotations

import itertools
import subprocess
from pathlib import Path

from qcode.audit.log import append

PROJECT_ID = "0123456789abcdef0123456789abcdef"
CODES = ("coordination", "autonomy", "collaboration", "time-resources", "leadership")


def clock(start: int = 0):
    """A deterministic clock: one millisecond later on every call."""
    counter = itertools.count(start)

    def now() -> str:
        ms = next(counter)
        return f"2025-03-01T09:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}Z"

    return now


def varied_events(actor: str, n: int) -> list[dict]:
    """``n`` event field dicts that use every key and most actions, with non-ASCII
    text, quotes, newlines and numbers, as a real log would."""
    events = []
    for i in range(1, n + 1):
        code = CODES[i % len(CODES)]
        start = (i * 37) % 5000
        span = f"{start}:{start + 20 + i % 90}"
        kind = i % 10
        base = {"actor": actor, "doc": f"doc{i % 7}", "docv": f"{i:012x}", "span": span,
                "code": code, "codebook": 1 + i % 3, "quote": f"«tid» nr. {i}: \"sitat\"\n",
                "fp": f"{i * 7919:012x}"[-12:], "source": "manual"}
        if kind == 3:
            events.append({**base, "action": "memo", "ref": f"{actor}:{max(1, i - 2)}",
                           "memo": f"Notat {i} – æøå ✓"})
        elif kind == 5:
            events.append({**base, "action": "accept", "source": "suggest:rules.v1",
                           "score": round(0.5 + (i % 50) / 100, 2),
                           "data": {"reason": f"keyword 'liste' {i}", "rank": i % 4}})
        elif kind == 7:
            events.append({"actor": actor, "action": "remove", "doc": base["doc"],
                           "span": span, "code": code, "ref": f"{actor}:{i - 1}"})
        elif kind == 9:
            events.append({"actor": actor, "action": "void", "ref": f"{actor}:{i - 1}"})
        else:
            events.append({**base, "action": "apply"})
    return events


def write_log(audit_dir: Path, name: str, n: int, *, project_id: str = PROJECT_ID,
              start: int = 0) -> Path:
    """A log of ``n`` varied events, written in one batch."""
    path = audit_dir / f"{name}.log"
    append(path, project_id, varied_events(name, n), clock=clock(start))
    return path


def lines_of(path: Path) -> list[bytes]:
    return path.read_bytes().split(b"\n")[:-1]


def write_lines(path: Path, lines: list[bytes]) -> None:
    path.write_bytes(b"".join(line + b"\n" for line in lines))


CODEBOOK = """\
version: 3
name: Test codebook
codes:
  - id: coordination
    label: Coordination
  - id: autonomy
    label: Autonomy
  - id: collaboration
    label: Collaboration
    children:
      - id: collaboration/peers
        label: Peers
  - id: time-resources
    label: Time and resources
  - id: leadership
    label: Leadership
  - id: old-code
    label: Old code
    retired: true
"""

INTERVIEW = (
    "Interviewer: How is the morning at the base?\n\n"
    "Kari: We start with the list. Nobody makes the list for us now, we make it ourselves. "
    "It takes time, and the time is not counted.\n\n"
    "Interviewer: And the leader?\n\n"
    "Kari: The leader is far away. We decide in the morning meeting who drives where. "
    "The list is the list.\n"
)

FIELDNOTE = """\
# Fieldnotes

## 2020-01-14

Arrived at the base at seven. The coordinator had already rung the pharmacy twice.
Nobody had the key to car number three, so the team shared lifts all morning.
"""


def make_study(root: Path, coders: tuple[str, ...] = ("anna", "ben")):
    """A small project with the test codebook and two documents (hc01, fn01)."""
    from qcode.corpus.ingest import ingest
    from qcode.project import init_project

    project = init_project(root, coders=coders, codebook_text=CODEBOOK)
    sources = root.parent / f"{root.name}-sources"
    sources.mkdir(exist_ok=True)
    (sources / "hc01.txt").write_text(INTERVIEW, encoding="utf-8")
    (sources / "fn01.md").write_text(FIELDNOTE, encoding="utf-8")
    ingest(project, [sources / "hc01.txt", sources / "fn01.md"])
    return project


def audit_bytes(project) -> dict[str, bytes]:
    """Every file in audit/ with its bytes (for byte-identical checks)."""
    return {p.name: p.read_bytes() for p in sorted(project.audit_dir.glob("*"))}


def git(cwd, *args) -> str:
    """Run git in ``cwd``; its stdout, or a failed assertion with what git said."""
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done.stdout


def commit(root, message: str = "work") -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
