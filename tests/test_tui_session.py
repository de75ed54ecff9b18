"""The coding session without a screen: moving, selecting, deciding, resuming."""

from __future__ import annotations

import json
import sys

import pytest
from tui_support import FIELDNOTE, INTERVIEW, brief, briefs, clock, events, make_study

from qcode.errors import ProjectError, QcodeError, SpanError, UnknownCodeError
from qcode.tui import fuzzy, keymap, selection
from qcode.tui.session import Session
from qcode.tui.suggestions import Shown

# Sentence units of tests/fixtures/tui/interview.txt (hand-checked offsets).
S4 = (135, 175)    # "We start at seven with the driving list."
S5 = (176, 238)    # "Somebody always has to rewrite the rota because a visit moved."
S8 = (328, 365)    # "Since the change we decide ourselves."
S13 = (502, 553)   # "Then every visit is a rush and I count each minute."


@pytest.fixture
def study(tmp_path):
    return make_study(tmp_path / "study")


def session(study, coder="anna", **kw):
    return Session(study, coder, clock=clock(), suggest=False, **kw)


def test_opens_first_document_at_first_unit_without_spacy(study, monkeypatch):
    for name in [m for m in sys.modules if m == "spacy" or m.startswith("spacy.")]:
        monkeypatch.delitem(sys.modules, name)  # ingest imported it; the view must not need
        # it again (put back afterwards: pipelines cached by other tests hold its classes)
    s = session(study)
    assert "spacy" not in sys.modules
    assert (s.doc.id, s.kind, s.index, len(s.units)) == (FIELDNOTE, "sentence", 0, 5)
    assert s.selection == s.unit == (0, 26)


def test_moves_by_unit_turn_edge_and_document(study):
    s = session(study, doc=INTERVIEW)
    assert s.move(3) == "" and s.unit == S4
    assert s.move(-10) == "" and s.index == 0
    assert s.move(-1) == "first unit"
    s.edge(1)
    assert s.index == 16 and s.move(1) == "last unit"
    s.goto(4)  # unit 5, the middle of Liv's first turn
    s.turn(-1)
    assert s.unit == S4  # back to the start of this turn
    s.turn(-1)
    assert s.index == 1  # the interviewer's first turn
    s.turn(1)
    s.turn(1)
    assert s.index == 6 and s.turn_of(6).speaker == "Interviewer"
    assert s.document(1) == "no next document"
    assert s.document(-1) == f"opened {FIELDNOTE}" and s.doc.id == FIELDNOTE


def test_turn_units_carry_speakers(study):
    s = session(study, doc=INTERVIEW, kind="turn")
    assert (s.kind, len(s.units)) == ("turn", 8)
    assert s.starts_turn(0) and s.turn_of(1).speaker == "Liv"


def test_apply_writes_one_audit_line_with_span_quote_and_code(study):
    s = session(study, doc=INTERVIEW)
    s.goto(3)
    said = s.apply("coordination")
    assert said == "applied coordination to 135:175 (anna:1)"
    [event] = events(study, "anna")
    assert brief(event) == ("apply", INTERVIEW, "135:175", "coordination", "manual", None, None)
    assert event.quote == "We start at seven with the driving list." and event.codebook == 3
    assert s.mine_by_unit[3] == ("coordination",)
    assert s.apply("coordination").endswith("nothing written for it.")
    assert len(events(study, "anna")) == 1


def test_codes_by_number_label_prefix_and_typo(study):
    s = session(study)
    assert s.code_by("1").id == "coordination"
    assert s.code_by("Time/resources").id == "time-resources"
    assert s.code_by("autonomy/limits").id == "autonomy/limits"
    assert s.code_by("time").id == "time-resources"
    with pytest.raises(UnknownCodeError, match="did you mean 'coordination'"):
        s.code_by("cordinaton")
    with pytest.raises(UnknownCodeError):
        s.code_by("old-code")  # retired codes are not offered
    assert [c.id for c in s.codes] == ["coordination", "collaboration", "autonomy",
                                       "autonomy/limits", "time-resources"]


def test_fuzzy_rank_puts_the_intended_code_first(study):
    codes = session(study).codes
    for typed, wanted in [("coord", "coordination"), ("collab", "collaboration"),
                          ("auto", "autonomy"), ("limits", "autonomy/limits"),
                          ("time", "time-resources"), ("resour", "time-resources"),
                          ("cordination", "coordination"), ("colaboration", "collaboration")]:
        assert fuzzy.rank(typed, codes)[0].id == wanted, typed
    assert [c.id for c in fuzzy.rank("", codes)] == [c.id for c in codes]
    assert fuzzy.rank("zzzz", codes) == []


def test_selection_grows_and_shrinks_by_word_and_sentence(study):
    s = session(study, doc=INTERVIEW)
    s.goto(3)
    text = s.doc.text
    s.grow("end", "word", -1)
    assert text[slice(*s.selection)] == "We start at seven with the driving"
    s.grow("end", "word", 1)
    s.grow("end", "word", 1)
    assert s.selection == (S4[0], S5[0] + len("Somebody"))
    s.grow("start", "word", -1)
    assert text[slice(*s.selection)].startswith("start at seven")
    s.grow("end", "sentence", 1)
    assert s.selection[1] == S5[1]
    s.grow("end", "sentence", -1)
    assert s.selection[1] == S4[1]
    s.grow("start", "sentence", 1)
    assert s.selection == S4
    s.grow("start", "sentence", 1)  # the previous sentence is in another turn: labels skipped
    assert s.selection[0] == 92
    s.reset_selection()
    assert s.selection == S4
    for _ in range(10):
        s.grow("end", "word", -1)
    assert text[slice(*s.selection)] == "We"


def test_word_steps_skip_speaker_labels(study):
    s = session(study, doc=INTERVIEW)
    s.goto(5)  # "Then we fight over the car key." ends Liv's turn
    s.grow("end", "word", 1)
    assert s.doc.text[slice(*s.selection)].endswith("Interviewer: Who")


def test_selection_functions_never_leave_an_empty_span():
    text = "one two  three"
    assert selection.adjust(text, [], (0, 3), "end", "word", -1) == (0, 3)
    assert selection.adjust(text, [], (0, 3), "start", "word", -1) == (0, 3)
    assert selection.adjust(text, [], (4, 7), "start", "word", 1) == (0, 7)
    assert selection.adjust(text, [], (4, 7), "end", "word", 1) == (4, 14)
    assert selection.adjust(text, [(0, 7), (9, 14)], (9, 14), "start", "sentence", 1) == (0, 14)


def test_applying_a_selection_and_removing_it(study):
    s = session(study, doc=INTERVIEW)
    s.goto(3)
    s.grow("end", "sentence", 1)
    s.apply("coordination")
    s.reset_selection()
    s.apply("collaboration")
    assert [c.code for c in s.removable()] == ["coordination", "collaboration"]
    assert s.remove(s.removable()[1]) == "removed collaboration on 135:175 (anna:2)"
    assert briefs(study, "anna") == [
        ("apply", INTERVIEW, "135:238", "coordination", "manual", None, None),
        ("apply", INTERVIEW, "135:175", "collaboration", "manual", None, None),
        ("remove", INTERVIEW, "135:175", "collaboration", "manual", "anna:2", None),
    ]
    assert s.mine_by_unit[3] == s.mine_by_unit[4] == ("coordination",)


def test_memos_on_unit_document_and_coding(study):
    s = session(study, doc=INTERVIEW)
    s.goto(7)
    s.apply("autonomy")
    s.memo("they plan their own day", "unit")
    s.memo("first interview of the week", "document")
    s.memo("clear case", "coding", s.removable()[0])
    with pytest.raises(SpanError, match="empty"):
        s.memo("   ", "unit")
    assert briefs(study, "anna")[1:] == [
        ("memo", INTERVIEW, "328:365", None, None, None, "they plan their own day"),
        ("memo", INTERVIEW, None, None, None, None, "first interview of the week"),
        ("memo", INTERVIEW, "328:365", "autonomy", None, "anna:1", "clear case"),
    ]


def test_undo_voids_the_last_decision(study):
    s = session(study, doc=INTERVIEW)
    s.goto(3)
    s.apply("coordination")
    s.goto(12)
    s.apply("time-resources")
    assert s.undo() == "voided anna:2 (apply time-resources interview 502:553)"
    assert s.mine_by_unit[12] == () and s.mine_by_unit[3] == ("coordination",)
    assert brief(events(study, "anna")[-1]) == ("void", INTERVIEW, "502:553", "time-resources",
                                                 None, "anna:2", None)
    s.undo()
    with pytest.raises(QcodeError, match="Nothing to undo"):
        s.undo()


def test_resumes_where_the_coder_left_off(study):
    s = session(study, doc=INTERVIEW)
    s.goto(12)
    again = session(study)
    assert (again.doc.id, again.index) == (INTERVIEW, 12)
    assert session(study, doc=FIELDNOTE).index == 0
    assert session(study, coder="ben").doc.id == FIELDNOTE  # each coder has her own place
    other_kind = session(study, doc=INTERVIEW, kind="turn")
    assert other_kind.index == 0  # a position is per unit kind


def test_a_broken_position_file_only_loses_the_position(study):
    session(study, doc=INTERVIEW).goto(5)
    path = study.cache_dir / "tui" / "positions.json"
    assert json.loads(path.read_text())["anna"]["units"][INTERVIEW] == {"kind": "sentence",
                                                                        "unit": 6}
    path.write_text("{not json")
    s = session(study)
    assert (s.doc.id, s.index) == (FIELDNOTE, 0)
    path.unlink()
    (study.cache_dir / "tui").rmdir()
    assert session(study).index == 0


def test_next_uncoded_unit_and_disagreements(study):
    anna = session(study, doc=INTERVIEW)
    for i, code in [(0, "coordination"), (1, "coordination"), (3, "coordination")]:
        anna.goto(i)
        anna.apply(code)
    ben = session(study, coder="ben", doc=INTERVIEW)
    for i, code in [(0, "coordination"), (3, "autonomy")]:
        ben.goto(i)
        ben.apply(code)
    s = session(study, doc=INTERVIEW, compare="ben")
    s.goto(0)
    assert s.uncoded(1) == "" and s.index == 2
    assert s.uncoded(1) == "" and s.index == 4
    assert s.uncoded(-1) == "" and s.index == 2
    s.goto(0)
    assert s.disagreement(1) == "" and s.index == 1
    assert s.disagreement(1) == "" and s.index == 3
    assert s.disagreement(1) == "no disagreement with ben after this unit"
    assert session(study, doc=INTERVIEW).disagreement(1).startswith("no coder to compare")
    with pytest.raises(ProjectError, match="herself"):
        session(study, compare="anna")


def _shown(doc, span, code, score):
    return Shown(doc, span[0], span[1], code, score, f"matched {code}", "suggest:rules.v1")


def test_suggestion_navigation_within_and_across_units(study):
    s = session(study, doc=INTERVIEW)
    s.set_suggestions([_shown(INTERVIEW, S4, "coordination", 0.5),
                       _shown(INTERVIEW, S4, "time-resources", 0.9),
                       _shown(INTERVIEW, S13, "time-resources", 0.6),
                       _shown(FIELDNOTE, (43, 83), "coordination", 0.6)])
    assert len(s.suggestions) == 3
    assert s.suggestion(1) == "" and s.index == 3
    assert s.shown_suggestion().code == "time-resources"  # best score first
    assert s.suggestion(1) == "" and s.shown_suggestion().code == "coordination"
    assert s.suggestion(1) == "" and s.index == 12
    assert s.suggestion(1) == "no suggestion after this unit"
    assert s.suggestion(-1) == "" and (s.index, s.shown_suggestion().code) == (3, "coordination")
    s.apply("coordination")  # coding it by hand settles the suggestion
    assert [x.code for x in s.suggestions_here()] == ["time-resources"]


def test_unknown_document_and_empty_project(tmp_path, study):
    with pytest.raises(QcodeError, match="No document 'intervew'.*did you mean 'interview'"):
        session(study, doc="intervew")
    from qcode.project import init_project

    empty = init_project(tmp_path / "empty", codebook_text="version: 1\ncodes: []\n")
    with pytest.raises(ProjectError, match="no documents yet"):
        Session(empty, "anna")


def test_every_bound_key_has_an_action_on_the_app():
    from qcode.tui.app import CodingApp

    for key in keymap.bound():
        name = key.action.partition("(")[0]
        assert callable(getattr(CodingApp, f"action_{name}", None)), key
    shown = [k.shown for k in keymap.KEYS]
    assert len(shown) == len(set(shown))
    names = [n for k in keymap.KEYS for n in k.keys.split(",")]
    assert len(names) == len(set(names)), "a key is bound twice"
