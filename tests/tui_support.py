"""Helpers shared by the coding view's tests: a small study, a clock, the log."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "tui"
INTERVIEW = "interview"
FIELDNOTE = "fieldnote"


def make_study(root: Path, coders: tuple[str, ...] = ("anna", "ben")):
    """A project with the interview and the fieldnote of tests/fixtures/tui."""
    from qcode.corpus.ingest import ingest
    from qcode.project import init_project

    codebook = (FIXTURES / "codebook.yaml").read_text(encoding="utf-8")
    project = init_project(root, coders=coders, codebook_text=codebook)
    ingest(project, [FIXTURES / "interview.txt", FIXTURES / "fieldnote.md"])
    return project


def clock(start: int = 0) -> Callable[[], str]:
    """One millisecond later on every call."""
    counter = itertools.count(start)

    def now() -> str:
        ms = next(counter)
        return f"2026-02-03T10:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}Z"

    return now


def events(project: Any, coder: str) -> list[Any]:
    from qcode.audit import read_log

    return list(read_log(project.log_path(coder)).events)


def brief(event: Any) -> tuple:
    """What a decision was, without its time and hash."""
    return (event.action, event.doc, event.span, event.code, event.source, event.ref,
            event.memo)


def briefs(project: Any, coder: str) -> list[tuple]:
    return [brief(e) for e in events(project, coder)]


def log_bytes(project: Any) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(project.audit_dir.glob("*.log"))}


def drive(app: Any, keys: Iterable[str] = (), *, size: tuple[int, int] = (80, 24),
          wait_workers: bool = False, then: Callable[[Any], Any] | None = None) -> str:
    """Run ``app`` headless, press ``keys`` (text after "type:" is typed one character
    at a time), and return the screen as text; ``then(pilot)`` may do more first."""
    from qcode.tui.app import screen_text

    async def go() -> str:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            if wait_workers:  # the worker starts after the first paint: wait for its result
                for _ in range(1200):
                    if app.session.suggestions_loaded:
                        break
                    await pilot.pause(0.05)
                await app.workers.wait_for_complete()
                await pilot.pause()
            for key in keys:
                if key.startswith("type:"):
                    await pilot.press(*_typed(key[5:]))
                else:
                    await pilot.press(key)
            if then is not None:
                await then(pilot)
            await pilot.pause()
            return screen_text(app)

    return asyncio.run(go())


def _typed(text: str) -> list[str]:
    names = {" ": "space", "/": "slash", "-": "minus", ".": "full_stop", ",": "comma"}
    return [names.get(ch, ch) for ch in text]


def split_coordination(project: Any) -> None:
    """Codebook version 4: coordination split into logistics and hand-over, every
    coding of it left for review (no rules)."""
    from qcode.migrations import recode

    text = (FIXTURES / "codebook.yaml").read_text(encoding="utf-8")
    head, _, rest = text.partition("  - id: coordination\n")
    rest = rest[rest.index("  - id: collaboration"):]
    new = head.replace("version: 3", "version: 4") + (
        "  - id: logistics\n    label: Logistics\n    definition: Cars, keys and lists.\n"
        "  - id: handover\n    label: Hand-over\n    definition: Passing on what happened.\n"
    ) + rest + (
        "changes:\n  - version: 4\n"
        "    split: {from: coordination, into: [logistics, handover], by: review}\n"
        "    reason: Two kinds of coordination work.\n")
    path = project.root / "codebook-v4.yaml"
    path.write_text(new, encoding="utf-8")
    recode(project, path, actor="lead", rules=False)
