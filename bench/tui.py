"""The coding view on a generated 20,000-word transcript, driven by Pilot.

Prints, each next to a reference measured in the same run:

- time to first paint (from opening the project to the first screen drawn) next to
  the time to read and parse the document's two files (``load_document``) and to
  the first paint of a one-widget Textual app;
- per-keystroke handling time (target: under 50 ms): our own work per key (the
  session step plus laying out the document pane), and Pilot's round trip per key
  for the coding view next to the same round trip for a one-widget Textual app
  (what Pilot and Textual cost anyway); the difference is what the view adds;
- the time of a key that decides something (apply: an fsynced audit line and a
  replay of the logs).

Run: python bench/tui.py [--words 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _corpus import transcript  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MOVES = ["j"] * 40 + ["k"] * 10 + ["l", "l", "L", "h", "v"] * 4 + ["n", "pagedown", "pageup",
                                                                     "right_square_bracket"] * 5


def build(folder: Path, words: int):
    from qcode.audit.log import locked_log
    from qcode.coding.plan import Plan
    from qcode.corpus import load_document
    from qcode.corpus.ingest import ingest
    from qcode.project import init_project

    codebook = (ROOT / "codebooks" / "homecare.yaml").read_text(encoding="utf-8")
    project = init_project(folder / "study", coders=("anna", "ben"), codebook_text=codebook)
    source = folder / "interview-long.txt"
    source.write_text(transcript(random.Random(7), words), encoding="utf-8")
    ingest(project, [source])
    doc = load_document(project, "interview-long")
    rng = random.Random(3)
    codes = ["coordination", "autonomy", "collaboration", "time-resources", "leadership"]
    for coder in ("anna", "ben"):  # a coded document: about one unit in four, per coder
        with locked_log(project.log_path(coder), project.id) as log:
            plan = Plan(coder, log)
            for start, end in doc.units("sentence"):
                if rng.random() < 0.25:
                    plan.apply(doc, start, end, rng.choice(codes), 1)
            plan.commit()
    return project, doc


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def read_parse(project, doc_id: str, runs: int = 7) -> float:
    from qcode.corpus import load_document

    times = []
    for _ in range(runs):
        started = time.perf_counter()
        load_document(project, doc_id)
        times.append(time.perf_counter() - started)
    return median_ms(times)


async def first_paint(project, doc_id: str) -> tuple[float, float]:
    from qcode.tui.app import CodingApp
    from qcode.tui.session import Session

    started = time.perf_counter()
    session = Session(project, "anna", doc=doc_id, compare="ben", suggest=False)
    opened = time.perf_counter() - started
    app = CodingApp(session, method="off", started=started)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        painted = app.first_paint
    return opened, painted


async def keystrokes(project, doc_id: str) -> tuple[list[float], ...]:
    """Pilot round trip per moving key, our own work per moving key, and the apply
    keys' round trip and own work."""
    from qcode.tui import widgets
    from qcode.tui.app import CodingApp
    from qcode.tui.session import Session

    session = Session(project, "anna", doc=doc_id, compare="ben", suggest=False)
    session.goto(len(session.units) // 2)
    app = CodingApp(session, method="off")
    ours: list[float] = []
    step, render = app.run_step, widgets.DocumentView.render

    def timed_step(*args):
        began = time.perf_counter()
        step(*args)
        ours.append(time.perf_counter() - began)

    def timed_render(self):
        began = time.perf_counter()
        out = render(self)
        if ours:
            ours[-1] += time.perf_counter() - began
        return out

    app.run_step = timed_step
    widgets.DocumentView.render = timed_render
    trips, applies = [], []
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            for key in MOVES:
                began = time.perf_counter()
                await pilot.press(key)
                trips.append(time.perf_counter() - began)
            moves = list(ours)
            for key in ["j", "1", "j", "2", "j", "3"] * 3:
                began = time.perf_counter()
                await pilot.press(key)
                if key.isdigit():
                    applies.append(time.perf_counter() - began)
            handled = ours[len(moves):][1::2]  # the apply keys' own work
    finally:
        widgets.DocumentView.render = render
    return trips, moves, applies, handled


async def trivial_first_paint() -> float:
    """The same measure for a one-widget Textual app: Textual's own start-up."""
    from textual.app import App
    from textual.widgets import Static

    class One(App):
        def compose(self):
            yield Static("0")

        def on_mount(self) -> None:
            self.call_after_refresh(self.painted)

        def painted(self) -> None:
            self.first_paint = time.perf_counter() - self.started

    app = One()
    app.started = time.perf_counter()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
    return app.first_paint


async def trivial_round_trip(count: int) -> list[float]:
    from textual.app import App
    from textual.widgets import Static

    class One(App):
        BINDINGS = [("j", "tick")]

        def compose(self):
            yield Static("0")

        def action_tick(self) -> None:
            self.query_one(Static).update(str(time.perf_counter()))

    trips = []
    async with One().run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for _ in range(count):
            began = time.perf_counter()
            await pilot.press("j")
            trips.append(time.perf_counter() - began)
    return trips


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=20000)
    parser.add_argument("--quick", action="store_true",
                        help="a small size, run by the test suite so the benchmark cannot rot")
    args = parser.parse_args()
    if args.quick:
        args.words = 2_000
    with tempfile.TemporaryDirectory() as tmp:
        project, doc = build(Path(tmp), args.words)
        units = len(doc.units("sentence"))
        print(f"document: {doc.words()} words, {units} sentences, {len(doc.turns)} turns, "
              f"{len(doc.text)} characters; two coders, each coding about a quarter of it")
        reference = read_parse(project, doc.id)
        rounds = 2 if args.quick else 5
        runs = [asyncio.run(first_paint(project, doc.id)) for _ in range(rounds)]
        opened = median_ms([r[0] for r in runs])
        painted = median_ms([r[1] for r in runs])
        print(f"read and parse the document's files (load_document): {reference:7.1f} ms")
        print(f"open the session (document, codebook, replay of both logs): {opened:7.1f} ms")
        textual = median_ms([asyncio.run(trivial_first_paint()) for _ in range(rounds)])
        print(f"first paint of a one-widget Textual app (Textual's start-up): {textual:7.1f} ms")
        print(f"time to first paint (opening included), median of {rounds}: {painted:7.1f} ms "
              f"= {painted / reference:.2f}x reading the document; "
              f"{painted - opened - textual:.1f} ms beyond opening and Textual's start-up")
        trips, ours, applies, handled = asyncio.run(keystrokes(project, doc.id))
        base = asyncio.run(trivial_round_trip(len(trips)))
        ours_ms = sorted(x * 1000 for x in ours)
        print(f"per key, our work (session step + document layout), {len(ours)} moves: "
              f"median {statistics.median(ours_ms):.1f} ms, p95 "
              f"{ours_ms[int(len(ours_ms) * 0.95) - 1]:.1f} ms, max {ours_ms[-1]:.1f} ms "
              "(target < 50 ms)")
        trip, ref = median_ms(trips), median_ms(base)
        print(f"per key, Pilot round trip: coding view {trip:.1f} ms, one-widget Textual app "
              f"{ref:.1f} ms (ratio {trip / ref:.2f}x; the view adds {trip - ref:.1f} ms)")
        print(f"per apply key (an fsynced audit line, a replay of both logs, repaint): our "
              f"work median {median_ms(handled):.1f} ms (the first, with its imports, "
              f"{handled[0] * 1000:.1f} ms); Pilot round trip median {median_ms(applies):.1f} ms")
        full, live = replays(Path(tmp) / "big", 20_000)
        print(f"replay after one more decision, four logs of 20,000 lines in all: the view's "
              f"live replay {full / live:.1f}x faster than a full replay ({live:.1f} ms vs "
              f"{full:.1f} ms, medians of 9)")


def replays(folder: Path, lines: int) -> tuple[float, float]:
    """Median ms of a full replay and of the live replay after each of 9 appends."""
    sys.path.insert(0, str(ROOT / "tests"))
    from audit_support import PROJECT_ID, clock, write_log

    from qcode.audit.log import append
    from qcode.codings import replay_dir
    from qcode.livereplay import LiveReplay

    audit = folder / "audit"
    for i, name in enumerate(("anna", "ben", "sigrid", "tore")):
        write_log(audit, name, lines // 4, start=i * 10**7)
    live = LiveReplay(audit)
    live.replay()
    full_times, live_times = [], []
    for k in range(9):
        append(audit / "anna.log", PROJECT_ID, [{"actor": "anna", "action": "apply", "doc": "doc1",
               "span": f"{k}:{k + 5}", "code": "autonomy"}], clock=clock(10**8 + 1000 * k))
        started = time.perf_counter()
        got = live.replay()
        live_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        assert replay_dir(audit) == got
        full_times.append(time.perf_counter() - started)
    return median_ms(full_times), median_ms(live_times)


if __name__ == "__main__":
    main()
