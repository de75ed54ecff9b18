"""Snapshots of the coding view at 80x24, 120x40 and 160x45, so that a change of layout shows
up in review: SVG screenshots (pytest-textual-snapshot) and the same screens as
plain text (syrupy), which read well in a diff. After an intended change of
layout, look at the new screens and run pytest with --snapshot-update."""

from __future__ import annotations

import re

import pytest
from tui_support import INTERVIEW, clock, drive, make_study

from qcode.tui.app import CodingApp
from qcode.tui.session import Session
from qcode.tui.suggestions import Shown

SIZES = [(80, 24), (120, 40), (160, 45)]
FINDING_SIZES = [(80, 24), (160, 45)]


@pytest.fixture
def study(tmp_path):
    project = make_study(tmp_path / "study")
    for coder, marks in [("anna", [(3, "coordination"), (4, "coordination"), (8, "autonomy"),
                                   (12, "time-resources"), (13, "collaboration")]),
                         ("ben", [(3, "coordination"), (7, "autonomy/limits")])]:
        s = Session(project, coder, doc=INTERVIEW, clock=clock(), suggest=False)
        for index, code in marks:
            s.goto(index)
            s.apply(code)
    return project


def coding_app(study) -> CodingApp:
    session = Session(study, "anna", doc=INTERVIEW, compare="ben", clock=clock(),
                      suggest=False)
    session.goto(6)
    session.set_suggestions([
        Shown(INTERVIEW, 328, 365, "autonomy", 0.8, "matched decide ourselves: 'decide', "
              "'ourselves'", "suggest:rules.v1"),
        Shown(INTERVIEW, 502, 553, "time-resources", 0.5, "matched rush: 'rush'",
              "suggest:rules.v1"),
    ])
    return CodingApp(session, method="off")


KEYS = ["j", "l", "l"]  # to unit 8, with its suggestion, and grow the selection


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_main_screen_svg(study, snap_compare, size):
    assert snap_compare(coding_app(study), press=KEYS, terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_main_screen_text(study, snapshot, size):
    screen = drive(coding_app(study), KEYS, size=size)
    assert screen == snapshot
    lines = screen.splitlines()
    assert len(lines) == size[1] and max(len(line) for line in lines) <= size[0]
    assert lines[-1].startswith("interview · sentence 8/17 · anna vs ben · 5 codings")
    assert any("▶  8 Since the change we decide" in line for line in lines)
    assert any("▸ ◆ autonomy 0.80" in line for line in lines)


def test_help_and_search_screens_text(study, snapshot):
    assert drive(coding_app(study), ["question_mark"]) == snapshot(name="help")
    assert drive(coding_app(study), ["f", "a", "u"]) == snapshot(name="search")


def memo_app(study) -> CodingApp:
    """anna compares with ben; both wrote memos on unit 8 of the interview."""
    ben = Session(study, "ben", doc=INTERVIEW, clock=clock(1000), suggest=False)
    ben.goto(7)
    ben.memo("Autonomy, or just nobody checking? Compare with the team leader's interview.")
    anna = Session(study, "anna", doc=INTERVIEW, clock=clock(2000), suggest=False)
    anna.goto(7)
    anna.memo("The word 'ourselves' carries the team, not the person.")
    return coding_app(study)


FINDING_SCREENS = {
    "memos": ["j", "l"],  # unit 8, with both memos in the side panel
    "find": ["slash", "type:visit"],  # the text search prompt, typed
    "found": ["slash", "type:visit", "enter", "semicolon"],  # the second match selected
    "jump": ["colon", "type:li"],  # the jump prompt, typed
}


@pytest.mark.parametrize("size", FINDING_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_memo_panel_svg(study, snap_compare, size):
    assert snap_compare(memo_app(study), press=FINDING_SCREENS["memos"], terminal_size=size)


@pytest.mark.parametrize("size", FINDING_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", list(FINDING_SCREENS))
def test_finding_screens_text(study, snapshot, size, name):
    keys = FINDING_SCREENS[name]
    screen = drive(memo_app(study), keys, size=size)
    assert screen == snapshot
    lines = screen.splitlines()
    assert len(lines) == size[1] and max(len(line) for line in lines) <= size[0]
    if name == "memos":  # at 80x24 the second memo is under the line that says so
        assert "✎ Memos on sentence 8" in screen and "ben on" in screen
        assert ("more lines: qcode memos" in screen) == (size == (80, 24))
        assert ("anna on" in screen) == (size != (80, 24))
    if name == "found":
        assert "'visit': match 3 of 3" in screen  # unit 7's "visits" was the first after it


LONG_MEMO = ("She says the team decides, then corrects herself: the coordinator decides and "
             "the team agrees. Ask in the second interview who writes the rota, who can "
             "change it during the day, and whether anyone asks the users. Compare with the "
             "field notes from the Tuesday meeting, where nobody mentioned the rota at all, "
             "and with the leader's account of the trust reform as giving time back.")


def test_a_memo_too_long_for_the_panel_says_how_much_is_left(study):
    """At 80x24 the memo panel has a few lines: a memo longer than that ends in a line
    that says how many more there are and where to read them, never cut off silently.
    At 160x45 the same memo fits whole."""
    anna = Session(study, "anna", doc=INTERVIEW, clock=clock(2000), suggest=False)
    anna.goto(7)
    anna.memo(LONG_MEMO)
    small = drive(coding_app(study), FINDING_SCREENS["memos"], size=(80, 24))
    assert "✎ Memos on sentence 8" in small
    side = " ".join(line.rpartition("│")[2].strip() for line in small.splitlines())
    assert re.search(rf"the … \d+ more lines: qcode memos --doc {INTERVIEW} ─", side), small
    large = drive(coding_app(study), FINDING_SCREENS["memos"], size=(160, 45))
    side = " ".join(line.rpartition("│")[2].strip() for line in large.splitlines())
    assert "more lines" not in large and "as giving time back." in side, large


def test_the_memo_panel_fits_again_when_the_terminal_grows(study):
    """Growing the terminal leaves the panel's own size alone until it is refitted:
    the cut-off line must not stay once the whole memo fits."""
    anna = Session(study, "anna", doc=INTERVIEW, clock=clock(2000), suggest=False)
    anna.goto(7)
    anna.memo(LONG_MEMO)

    async def grow(pilot):
        await pilot.resize_terminal(80, 60)  # taller only: the panel keeps its width
        await pilot.pause()

    grown = drive(coding_app(study), FINDING_SCREENS["memos"], size=(80, 24), then=grow)
    side = " ".join(line.rpartition("│")[2].strip() for line in grown.splitlines())
    assert "more lines" not in grown and "as giving time back." in side, grown
