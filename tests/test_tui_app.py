"""Whole sessions in the full-screen view, driven by Pilot: keys in, audit lines out."""

from __future__ import annotations

import pytest
from tui_support import FIELDNOTE, INTERVIEW, briefs, clock, drive, events, make_study

from qcode.tui.app import CodingApp, screen_text
from qcode.tui.session import Session
from qcode.tui.widgets import Prompt


@pytest.fixture
def study(tmp_path):
    return make_study(tmp_path / "study")


def app_for(study, coder="anna", method="off", **kw):
    session = Session(study, coder, clock=clock(), suggest=method != "off", **kw)
    return CodingApp(session, method=method)


def test_a_coding_session_writes_exactly_its_decisions(study):
    app = app_for(study, doc=INTERVIEW)
    keys = ["j", "j", "j", "1",            # unit 4: coordination
            "L", "3",                       # grow to unit 5: autonomy on both sentences
            "j", "v", "h", "h", "4",        # unit 5 minus two words: autonomy/limits
            "n",                            # next unit without a coding: unit 6
            "x",                            # nothing to remove there
            "G", "full_stop",               # last unit: the last code again
            "k", "k", "x"]                  # unit 15 has no coding: nothing removed
    drive(app, keys)
    assert briefs(study, "anna") == [
        ("apply", INTERVIEW, "135:175", "coordination", "manual", None, None),
        ("apply", INTERVIEW, "135:238", "autonomy", "manual", None, None),
        ("apply", INTERVIEW, "176:225", "autonomy/limits", "manual", None, None),
        ("apply", INTERVIEW, "717:768", "autonomy/limits", "manual", None, None),
    ]
    assert app.session.index == 14
    assert "no coding of yours on the selection" in str(app.message)


def test_remove_asks_which_coding_when_several_overlap(study):
    app = app_for(study, doc=INTERVIEW)
    drive(app, ["j", "j", "j", "1", "2", "x", "2"])
    assert briefs(study, "anna")[-1] == ("remove", INTERVIEW, "135:175", "collaboration",
                                         "manual", "anna:2", None)
    assert app.session.mine_by_unit[3] == ("coordination",)


def test_undo_key_voids_the_last_decision(study):
    app = app_for(study, doc=INTERVIEW)
    drive(app, ["j", "1", "j", "2", "u"])
    assert [e.action for e in events(study, "anna")] == ["apply", "apply", "void"]
    assert events(study, "anna")[-1].ref == "anna:2"
    assert app.session.mine_by_unit[2] == () and app.session.mine_by_unit[1] == ("coordination",)
    assert str(app.message).startswith("voided anna:2")


def test_fuzzy_search_applies_the_intended_code(study):
    app = app_for(study, doc=INTERVIEW)
    drive(app, ["j", "f", "type:resour", "enter",
                "j", "f", "type:limi", "enter",
                "j", "f", "type:colab", "enter",
                "j", "f", "type:a", "down", "enter",
                "j", "f", "type:coord", "escape"])
    assert [(b[2], b[3]) for b in briefs(study, "anna")] == [
        ("66:91", "time-resources"), ("92:128", "autonomy/limits"),
        ("135:175", "collaboration"), ("176:238", "autonomy/limits"),
    ]  # "a" ranks autonomy, then its child: Down picks the second match


def test_codebook_tree_enter_applies_the_code_under_the_cursor(study):
    app = app_for(study, doc=INTERVIEW)

    async def look(pilot):
        tree = app.query_one("#codebook")
        assert tree.code == "autonomy"
        assert "decide ourselves" not in str(app.query_one("#rules").render())
        assert "The team deciding for itself" in str(app.query_one("#rules").render())

    drive(app, ["j", "tab", "down", "down", "enter", "tab", "j", "enter"], then=look)
    assert [(b[2], b[3]) for b in briefs(study, "anna")] == [("66:91", "autonomy"),
                                                             ("92:128", "autonomy")]


def test_memos_through_the_prompt(study):
    app = app_for(study, doc=INTERVIEW)
    drive(app, ["j", "m", "type:polite start", "enter",
                "M", "type:a calm interview", "enter",
                "1", "c", "type:obvious", "enter",
                "m", "type:never mind", "escape"])
    assert briefs(study, "anna") == [
        ("memo", INTERVIEW, "66:91", None, None, None, "polite start"),
        ("memo", INTERVIEW, None, None, None, None, "a calm interview"),
        ("apply", INTERVIEW, "66:91", "coordination", "manual", None, None),
        ("memo", INTERVIEW, "66:91", "coordination", None, "anna:3", "obvious"),
    ]


def test_reopening_resumes_at_the_last_position(study):
    drive(app_for(study, doc=INTERVIEW), ["j"] * 6 + ["q"])
    again = app_for(study)
    screen = drive(again)
    assert (again.session.doc.id, again.session.index) == (INTERVIEW, 6)
    assert f"{INTERVIEW} · sentence 7/17 · anna" in screen
    assert "▶  7 Who decides the order of the" in screen


def test_next_and_previous_document(study):
    app = app_for(study, doc=FIELDNOTE)
    screen = drive(app, ["greater_than_sign"])
    assert app.session.doc.id == INTERVIEW and "opened interview" in screen
    drive(app := app_for(study), ["less_than_sign", "less_than_sign"])
    assert app.session.doc.id == FIELDNOTE and "no previous document" in str(app.message)


def test_disagreements_with_compare(study):
    ben = Session(study, "ben", doc=INTERVIEW, clock=clock(), suggest=False)
    ben.goto(4)
    ben.apply("coordination")
    app = app_for(study, doc=INTERVIEW, compare="ben")
    screen = drive(app, ["d"])
    assert app.session.index == 4
    assert "≠ ben: coor" in screen and "anna vs ben" in screen
    drive(app := app_for(study, doc=INTERVIEW, compare="ben"), ["d", "d"])
    assert "no disagreement with ben after this unit" in str(app.message)


def test_help_overlay_lists_the_keys_and_closes(study):
    app = app_for(study)
    screen = drive(app, ["question_mark"])
    assert "next disagreement (with --compare)" in screen
    screen = drive(app_for(study), ["question_mark", "escape", "j"])
    assert "next disagreement" not in screen
    assert "▶ 2 The morning meeting" in screen


def test_suggestions_arrive_after_the_first_paint_and_are_decided(study):
    app = app_for(study, doc=INTERVIEW, method="rules")
    painted, shown = [], []

    async def decide(pilot):
        painted.append(app.first_paint)
        await pilot.press("s")
        assert app.session.index == 3 and app.session.shown_suggestion().code == "coordination"
        await pilot.pause()
        shown.append(screen_text(app))
        await pilot.press("a")
        await pilot.press("s")
        await pilot.press("r")

    drive(app, wait_workers=True, then=decide)
    assert painted[0] is not None
    accepted, rejected = events(study, "anna")
    assert (accepted.action, accepted.span, accepted.code, accepted.source) == (
        "accept", "135:175", "coordination", "suggest:rules.v2")
    assert "driving list" in accepted.data["reason"] and accepted.score is not None
    assert (rejected.action, rejected.span, rejected.code, rejected.source) == (
        "reject", "176:238", "coordination", "suggest:rules.v2")
    assert "▸ ◆ coordination" in shown[0] and "driving list" in shown[0]
    assert app.session.suggestions_here() == []


def test_shift_r_rejects_with_a_memo_saying_why(study):
    app = app_for(study, doc=INTERVIEW, method="rules")
    prompts = []

    async def decide(pilot):
        await pilot.press("s")
        await pilot.press("R")
        prompts.append(screen_text(app))
        for key in "not about planning":
            await pilot.press("space" if key == " " else key)
        await pilot.press("enter")

    drive(app, wait_workers=True, then=decide)
    assert "Reject coordination on 135:175: why?" in prompts[0]
    (rejected,) = events(study, "anna")
    assert (rejected.action, rejected.span, rejected.code, rejected.memo) == (
        "reject", "135:175", "coordination", "not about planning")
    assert "rejected coordination on 135:175" in str(app.message)


def test_no_colour_keeps_every_marker(study, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = app_for(study, doc=INTERVIEW)
    assert app.no_color
    screen = drive(app, ["j", "j", "j", "1"])
    assert "▶  4 We start at seven with the" in screen
    assert "■ coordinat" in screen


def test_migration_review_in_the_full_screen_view(study):
    from tui_support import split_coordination

    from qcode.tui.review import MigrationReview

    anna = Session(study, "anna", doc=INTERVIEW, clock=clock(), suggest=False)
    for index in (3, 12):
        anna.goto(index)
        anna.apply("coordination")
    split_coordination(study)
    app = CodingApp(MigrationReview(study, "anna", clock=clock()), method="off")
    first = []

    async def look(pilot):
        from qcode.tui.app import screen_text

        first.append(screen_text(app))
        await pilot.press("R")  # no reject here: says so, asks for no memo
        first.append((str(app.message), app.query_one(Prompt).mode))
        await pilot.press("s", "a", "a")

    screen = drive(app, then=look)
    assert "migration review 1/2 · interview · sentence 4/17" in first[0]
    assert "■ coordina…?" in first[0] and "▸ ◆ logistics" in first[0]
    assert "a take it" in first[0]
    message, mode = first[1]
    assert "takes one of its new codes" in message and mode != "reject"
    routes = [(e.ref, e.code) for e in events(study, "anna") if e.action == "route"]
    assert routes == [("anna:1", "handover"), ("anna:2", "logistics")]
    assert "migration review: done" in screen


def test_a_click_in_the_codebook_shows_rules_and_writes_nothing(study):
    app = app_for(study, doc=INTERVIEW)

    async def click(pilot):
        tree = app.query_one("#codebook")
        await pilot.click("#codebook", offset=(4, 4))  # the fifth line: time-resources
        assert tree.code == "time-resources"
        assert "Too few minutes" in str(app.query_one("#rules").render())

    drive(app, then=click)
    assert events(study, "anna") == []


def test_shortcuts_from_the_users_own_config(study, tmp_path):
    from qcode.errors import ProjectError
    from qcode.tui.shortcuts import load_shortcuts

    config = tmp_path / ".config" / "qcode" / "config.yaml"
    config.parent.mkdir(parents=True)
    config.write_text("coder: anna\nshortcuts:\n  e: coord\n  f2: Time/resources\n")
    session = Session(study, "anna", doc=INTERVIEW, clock=clock(), suggest=False)
    keys = load_shortcuts(session.codebook)
    assert keys == {"e": "coordination", "f2": "time-resources"}
    app = CodingApp(session, method="off", shortcuts=keys)
    screen = drive(app, ["j", "e", "j", "f2", "slash", "e", "escape", "question_mark"])
    assert [(b[2], b[3]) for b in briefs(study, "anna")] == [("66:91", "coordination"),
                                                             ("92:128", "time-resources")]
    assert "■ Coordination [e]" in drive(CodingApp(session, method="off", shortcuts=keys))
    assert "╭" in screen  # the help overlay is open: "e" went to the search line, not a code
    from qcode.tui.widgets import help_text

    assert "  f2         apply time-resources" in help_text(keys).plain
    for bad, message in [("  x: coordination\n", "'x' is already a key of the coding view"),
                         ("  o: coordinaton\n", "did you mean 'coordination'"),
                         ("  o: old-code\n", "No code 'old-code' among the active codes")]:
        config.write_text(f"shortcuts:\n{bad}")
        with pytest.raises(ProjectError, match=message) as caught:
            load_shortcuts(session.codebook)
        assert str(config) in str(caught.value)
