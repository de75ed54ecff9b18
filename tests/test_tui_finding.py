"""Finding things while coding: the document's text, a unit, a turn, a speaker, the
next uncoded unit across documents, and the memos on each unit (issue: a long
transcript had no search of its text, no jump, and memos were invisible)."""

from __future__ import annotations

import io

import pytest
from tui_support import FIELDNOTE, INTERVIEW, clock, make_study

from qcode.errors import InputError
from qcode.tui import keymap, render
from qcode.tui.plain import Plain
from qcode.tui.session import Session

TEXT = (FIELDNOTE, INTERVIEW)


@pytest.fixture
def study(tmp_path):
    return make_study(tmp_path / "study")


def session(study, coder="anna", **kw):
    return Session(study, coder, clock=clock(), suggest=False, **kw)


def places(text: str, word: str) -> list[tuple[int, int]]:
    low, out, i = text.lower(), [], 0
    while (i := low.find(word, i)) >= 0:
        out.append((i, i + len(word)))
        i += 1
    return out


def test_slash_searches_the_text_and_selects_each_match_in_turn(study):
    s = session(study, doc=INTERVIEW)
    hits = places(s.doc.text, "visit")
    assert len(hits) >= 3
    assert s.find("VISIT") == f"'VISIT': match 1 of {len(hits)}"
    assert s.selection == hits[0] and s.unit[0] <= hits[0][0] < s.unit[1]
    assert s.find_again(1) == f"'VISIT': match 2 of {len(hits)}"
    assert s.selection == hits[1]
    assert s.find_again(-1) == f"'VISIT': match 1 of {len(hits)}"
    assert s.find_again(-1) == f"'VISIT': match {len(hits)} of {len(hits)} (from the bottom)"
    assert s.find_again(1) == f"'VISIT': match 1 of {len(hits)} (from the top)"
    s.apply("coordination")  # the match is the selection: a number key codes just it
    assert [(c.start, c.end) for c in s.mine] == [hits[0]]


def test_a_search_that_finds_nothing_says_so_and_stays(study):
    s = session(study, doc=INTERVIEW)
    s.goto(4)
    assert s.find("helicopter") == "no 'helicopter' in interview"
    assert s.index == 4
    with pytest.raises(InputError, match="Type something"):
        s.find("  ")
    fresh = session(study, "ben", doc=INTERVIEW)
    assert fresh.find_again(1).startswith("no text search yet")


def test_jump_to_a_unit_a_turn_or_a_speaker(study):
    s = session(study, doc=INTERVIEW)
    assert s.jump("8") == "" and s.index == 7
    turn3 = s.turns[2]
    assert s.jump("t3").startswith("turn 3") and s.unit == s.units[s.unit_of(turn3.start)]
    assert s.jump("turn 1").startswith("turn 1")
    s.goto(0)
    said = s.jump("liv")
    assert said == "turn 2 (Liv)" and s.turn_of(s.index).speaker == "Liv"
    assert s.jump("Li") == "turn 4 (Liv)"  # the next turn of that speaker
    s.edge(1)
    assert s.jump("interv").startswith("turn 1 (Interviewer)")  # round to the top


@pytest.mark.parametrize("target, message", [
    ("99", "No sentence 99: this document has 17; type 1 to 17."),
    ("0", "No sentence 0"),
    ("t40", "No turn 40: this document has"),
    ("Kari", "No unit number, turn or speaker 'Kari'; speakers here: Interviewer, Liv."),
])
def test_a_jump_nowhere_names_what_there_is(study, target, message):
    s = session(study, doc=INTERVIEW)
    s.goto(2)
    with pytest.raises(InputError) as err:
        s.jump(target)
    assert message in err.value.message
    assert s.index == 2


def test_next_uncoded_moves_on_into_the_next_document(study):
    s = session(study, doc=FIELDNOTE)
    for i in range(len(s.units)):
        s.goto(i)
        s.apply("coordination")
    s.goto(2)
    said = s.uncoded(1)
    assert said == f"opened {INTERVIEW}: its next uncoded unit"
    assert (s.doc.id, s.index) == (INTERVIEW, 0)
    assert s.uncoded(-1) == "no uncoded unit before this one in any document"
    assert s.doc.id == INTERVIEW
    s.document(-1)
    s.goto(4)
    s.undo()  # the fieldnote's last unit is uncoded again
    s.document(1)
    s.goto(0)
    assert s.uncoded(-1) == f"opened {FIELDNOTE}: its last uncoded unit"
    assert (s.doc.id, s.index) == (FIELDNOTE, 4)


def test_memos_are_marked_on_their_units_and_shown_in_the_panel(study):
    ben = session(study, "ben", doc=INTERVIEW)
    ben.goto(2)
    ben.memo("ben thinks the rota is the story")
    anna = session(study, doc=INTERVIEW)
    anna.goto(7)
    anna.memo("deciding\x1b[31m together")
    anna.goto(9)
    anna.apply("autonomy")
    anna.memo("a coding memo", "coding", anna.mine[-1])
    anna.memo("on the whole interview", "document")
    assert sorted(anna.memos_by_unit) == [7, 9]  # not ben's: no --compare
    assert [m.text for m in anna.memos_at(9)] == ["a coding memo"]
    panel = render.memo_panel(anna).plain
    assert "a coding memo" in panel and "anna on coding anna:" in panel
    anna.goto(7)
    panel = render.memo_panel(anna).plain
    assert "deciding␛[31m together" in panel  # a control character is shown, not sent
    anna.goto(0)
    assert render.memo_panel(anna) is None
    lay = render.layout(100, len(anna.units))
    lines = render.unit_block(anna, 7, lay, render.code_colours(anna.codebook), _console())
    assert any("✎ deciding" in line.plain for line in lines)
    compared = session(study, doc=INTERVIEW, compare="ben")
    assert sorted(compared.memos_by_unit) == [2, 7, 9]
    compared.goto(2)
    assert "ben thinks the rota" in render.memo_panel(compared).plain


def test_narrow_view_marks_a_memo_without_a_margin(study):
    s = session(study, doc=INTERVIEW)
    s.goto(3)
    s.memo("short")
    lines = render.unit_block(s, 3, render.layout(40, len(s.units)), {}, _console())
    assert lines[-1].plain.strip() == "✎ memo"


def _console():
    from rich.console import Console

    return Console(width=200, file=io.StringIO())


def test_plain_mode_has_the_same_finding_commands(study):
    s = session(study, doc=INTERVIEW)
    out, err = io.StringIO(), io.StringIO()
    plain = Plain(s, out, err)
    plain.run(io.StringIO("find rota\ngoto t4\ngoto Liv\ngoto 3\nfind\nfind prev\nquit\n"))
    text = out.getvalue()
    assert "'rota': match 1 of" in text and "turn 4 (Liv)" in text and "turn 6 (Liv)" in text
    assert err.getvalue() == ""


def test_the_keys_are_in_the_help_and_the_docs():
    keys = {k.shown: k for k in keymap.KEYS}
    assert keys["/"].action == "find_text" and keys["f"].action == "search"
    assert keys[":"].action == "jump" and keys[";"].action == "find_again(1)"
    assert dict(keymap.by_group())["Find"]
