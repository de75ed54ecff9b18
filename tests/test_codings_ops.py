"""The coding operations as library functions: apply, remove, memo, undo, CSV."""

from __future__ import annotations

import pytest
from audit_support import audit_bytes, make_study

from qcode import coding
from qcode.audit import verify_project
from qcode.codings import replay
from qcode.errors import InputError, ProjectError, SpanError, UnknownCodeError


@pytest.fixture
def study(tmp_path):
    return make_study(tmp_path / "study")


def test_apply_by_span_quote_and_unit(study):
    by_span = coding.apply(study, "hc01", "coordination", span="52:75", coder="anna")
    by_quote = coding.apply(study, "hc01", "autonomy", quote="we make it ourselves", coder="anna")
    by_unit = coding.apply(study, "hc01", "leadership", unit="5", coder="anna")
    by_turn = coding.apply(study, "hc01", "time-resources", unit="turn:2", coder="anna")
    e = by_span.events[0]
    assert (e.seq, e.actor, e.action, e.doc, e.span, e.code, e.codebook, e.source) == (
        1, "anna", "apply", "hc01", "52:75", "coordination", 3, "manual")
    assert e.quote == "We start with the list." and len(e.fp) == 12 and len(e.docv) == 12
    assert by_quote.events[0].span == "110:130"
    assert by_unit.events[0].span == "190:205"
    assert by_turn.events[0].span == "52:175"
    assert [c.id for c in replay(study)] == ["anna:1", "anna:4", "anna:2", "anna:3"]
    assert verify_project(study).ok


def test_apply_with_a_memo_and_a_label_instead_of_an_id(study):
    out = coding.apply(study, "fn01", "Time and resources", span="29:58", memo="early start",
                       coder="ben")
    (c,) = replay(study)
    assert (c.code, c.memo, c.coder) == ("time-resources", "early start", "ben")
    assert out.written == 1 and out.warnings == ()


def test_applying_what_the_coder_already_has_writes_nothing_and_says_so(study):
    coding.apply(study, "hc01", "coordination", span="52:75", coder="anna")
    before = audit_bytes(study)
    again = coding.apply(study, "hc01", "coordination", quote="We start with the list.",
                         coder="anna")
    assert again.events == () and "already has 'coordination'" in again.notes[0]
    assert audit_bytes(study) == before
    other = coding.apply(study, "hc01", "coordination", span="52:75", coder="ben")
    assert other.written == 1


@pytest.mark.parametrize("kwargs, error, text", [
    ({"code": "cordination", "span": "0:5"}, UnknownCodeError, "did you mean 'coordination'"),
    ({"code": "old-code", "span": "0:5"}, UnknownCodeError, "retired"),
    ({"span": "0:5000"}, SpanError, "outside document 'hc01'"),
    ({"span": "9:3"}, SpanError, "START:END"),
    ({"span": "x"}, SpanError, "START:END"),
    ({"quote": "the list"}, SpanError, "occurs 3 times"),
    ({"quote": "the lists we never make"}, SpanError, "closest passages"),
    ({"unit": "99"}, SpanError, "sentence units"),
    ({"unit": "turn:9"}, SpanError, "turn units"),
    ({}, SpanError, "exactly one of --span, --quote and --unit"),
    ({"span": "0:5", "quote": "Kari"}, SpanError, "got --span, --quote"),
])
def test_bad_input_is_refused_and_changes_nothing(study, kwargs, error, text):
    coding.apply(study, "hc01", "autonomy", span="52:75", coder="anna")
    before = audit_bytes(study)
    args = {"code": "coordination", **kwargs}
    code = args.pop("code")
    with pytest.raises(error, match=text):
        coding.apply(study, "hc01", code, coder="anna", **args)
    assert audit_bytes(study) == before


def test_an_ambiguous_quote_shows_where_it_occurs(study):
    with pytest.raises(SpanError) as info:
        coding.apply(study, "hc01", "autonomy", quote="the list", coder="anna")
    message = info.value.message
    assert "66:74" in message and "89:97" in message and "--span" in message and "\n" not in message


def test_unknown_document_and_missing_coder_are_refused(study, monkeypatch):
    with pytest.raises(InputError, match="No document 'hc1'"):
        coding.apply(study, "hc1", "autonomy", span="0:4", coder="anna")
    with pytest.raises(ProjectError, match="Who is coding"):
        coding.apply(study, "hc01", "autonomy", span="0:4")
    monkeypatch.setenv("QCODE_CODER", "ben")
    assert coding.apply(study, "hc01", "autonomy", span="0:4").coder == "ben"
    assert audit_bytes(study).keys() == {"ben.log"}


def test_a_coder_not_in_qcode_yaml_is_refused(study):
    with pytest.raises(ProjectError, match="did you mean 'anna'"):
        coding.apply(study, "hc01", "autonomy", span="0:4", coder="anan")
    assert audit_bytes(study) == {}


def test_remove_exact_overlapping_and_by_id(study):
    for span in ("52:75", "60:90", "140:175"):
        coding.apply(study, "hc01", "coordination", span=span, coder="anna")
    coding.apply(study, "hc01", "autonomy", span="52:75", coder="anna")
    coding.apply(study, "hc01", "coordination", span="52:75", coder="ben")
    exact = coding.remove(study, "hc01", "coordination", span="52:75", coder="anna")
    assert [(e.action, e.ref) for e in exact.events] == [("remove", "anna:1")]
    assert exact.events[0].quote == "We start with the list."
    wide = coding.remove(study, "hc01", "coordination", span="70:150", overlapping=True,
                         coder="anna")
    assert [e.ref for e in wide.events] == ["anna:2", "anna:3"]
    by_id = coding.remove_coding(study, "anna:4", coder="anna")
    assert by_id.events[0].ref == "anna:4"
    assert [c.id for c in replay(study)] == ["ben:1"]


def test_remove_refusals(study):
    coding.apply(study, "hc01", "coordination", span="52:75", coder="anna")
    before = audit_bytes(study)
    with pytest.raises(SpanError, match="codings of 'coordination' in 'hc01': 52:75"):
        coding.remove(study, "hc01", "coordination", span="52:70", coder="anna")
    with pytest.raises(UnknownCodeError, match="did you mean"):
        coding.remove(study, "hc01", "coordinaton", span="52:75", coder="anna")
    with pytest.raises(SpanError, match="is anna's"):
        coding.remove_coding(study, "anna:1", coder="ben")
    with pytest.raises(SpanError, match="No live coding 'anna:7'"):
        coding.remove_coding(study, "anna:7", coder="anna")
    assert audit_bytes(study) == before


def test_memos_on_a_document_a_code_and_a_coding(study):
    coding.apply(study, "hc01", "coordination", span="52:75", coder="anna")
    coding.memo(study, "About the list", doc="hc01", coder="anna")
    coding.memo(study, "Broad code", code="coordination", coder="ben")
    out = coding.memo(study, "Agree", coding="anna:1", coder="ben")
    assert (out.events[0].ref, out.events[0].span, out.events[0].doc) == ("anna:1", "52:75",
                                                                         "hc01")
    memos = replay(study).memos
    assert [(m.coder, m.target, m.text) for m in memos] == [
        ("anna", "document", "About the list"), ("ben", "code", "Broad code"),
        ("ben", "coding", "Agree")]
    before = audit_bytes(study)
    for kwargs, text in [({"doc": "hc01", "code": "autonomy"}, "exactly one thing"),
                         ({"coding": "anna:9"}, "No live coding"),
                         ({"code": "nope"}, "No code 'nope'"),
                         ({"doc": "zz"}, "No document")]:
        with pytest.raises((SpanError, UnknownCodeError, InputError), match=text):
            coding.memo(study, "x", coder="anna", **kwargs)
    with pytest.raises(SpanError, match="empty"):
        coding.memo(study, "  ", doc="hc01", coder="anna")
    assert audit_bytes(study) == before


def test_undo_walks_back_through_the_coders_own_decisions(study):
    coding.apply(study, "hc01", "coordination", span="52:75", coder="anna")
    coding.apply(study, "hc01", "autonomy", span="52:75", coder="anna")
    coding.remove(study, "hc01", "coordination", span="52:75", coder="anna")
    coding.apply(study, "hc01", "leadership", span="0:5", coder="ben")
    first = coding.undo(study, coder="anna")
    assert first.events[0].ref == "anna:3" and "remove" in first.notes[0]
    assert {c.code for c in replay(study).by_coder("anna")} == {"coordination", "autonomy"}
    coding.undo(study, coder="anna")
    coding.undo(study, coder="anna")
    assert replay(study).by_coder("anna") == ()
    assert [c.id for c in replay(study)] == ["ben:1"]
    with pytest.raises(Exception, match="Nothing to undo"):
        coding.undo(study, coder="anna")
    assert verify_project(study).ok


# ---------------------------------------------------------------- CSV


def write_csv(tmp_path, text):
    path = tmp_path / "decisions.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_csv_applies_removes_and_memos_in_one_append(study, tmp_path):
    path = write_csv(tmp_path, """doc,code,quote,unit,span,memo,action
hc01,,,,,Whole interview is about lists,memo
hc01,coordination,We start with the list.,,,,
hc01,autonomy,,turn:4,,Deciding together,apply
fn01,time-resources,,,29:58,,apply
hc01,coordination,We start with the list.,,,Clear case,memo
,autonomy,,,,Used broadly,memo
fn01,time-resources,,,29:58,,remove
hc01,coordination,,2,,,apply
""")
    out = coding.apply_csv(study, "anna", path)
    assert [e.action for e in out.events] == ["memo", "apply", "apply", "apply", "memo", "memo",
                                              "remove"]
    assert {e.time for e in out.events} == {out.events[0].time}
    assert all(e.source == "import:csv" for e in out.events)
    assert out.events[4].ref == "anna:2" and out.events[6].ref == "anna:4"
    assert "already has 'coordination'" in out.notes[0]
    replayed = replay(study)
    assert [(c.id, c.code, c.memo) for c in replayed] == [
        ("anna:2", "coordination", "Clear case"), ("anna:3", "autonomy", "Deciding together")]
    assert [m.target for m in replayed.memos] == ["document", "coding", "coding", "code"]


@pytest.mark.parametrize("row, text", [
    ("hc01,cordination,,,0:5,,", "did you mean 'coordination'"),
    ("hc01,autonomy,the list,,,,", "occurs 3 times"),
    ("hc01,autonomy,,,0:9999,,", "outside document"),
    ("hc99,autonomy,,,0:5,,", "No document 'hc99'"),
    ("hc01,autonomy,,3,0:5,,", "exactly one of quote, unit and span"),
    ("hc01,autonomy,,,,,", "exactly one of quote, unit and span"),
    ("hc01,autonomy,,,0:5,,delete", "action 'delete'"),
    ("hc01,autonomy,,,0:5,,remove", "no coding of 'autonomy' at 0:5"),
    ("hc01,,,,,,memo", "needs its text"),
    ("hc01,autonomy,,,,note,memo", "a memo row is on"),
])
def test_one_bad_row_writes_nothing_and_names_file_and_row(study, tmp_path, row, text):
    coding.apply(study, "hc01", "leadership", span="0:5", coder="anna")
    before = audit_bytes(study)
    path = write_csv(tmp_path, f"doc,code,quote,unit,span,memo,action\n"
                               f"hc01,coordination,,,52:75,,\n{row}\n")
    with pytest.raises(InputError) as info:
        coding.apply_csv(study, "anna", path)
    assert f"{path}:3: " in info.value.message and text in info.value.message
    assert "nothing was written" in info.value.message
    assert audit_bytes(study) == before


def test_every_bad_row_is_counted(study, tmp_path):
    path = write_csv(tmp_path, "doc,code,span\nhc01,nope,0:5\nhc01,autonomy,0:5\nzz,a,1:2\n")
    with pytest.raises(InputError, match=r"decisions.csv:2: .*\(and 1 more bad rows\)"):
        coding.apply_csv(study, "anna", path)


def test_csv_header_problems(study, tmp_path):
    with pytest.raises(InputError, match="unknown column"):
        coding.apply_csv(study, "anna", write_csv(tmp_path, "doc,code,spam\n"))
    with pytest.raises(InputError, match="no 'doc' column"):
        coding.apply_csv(study, "anna", write_csv(tmp_path, "code,span\n"))
    with pytest.raises(InputError, match="cannot read"):
        coding.apply_csv(study, "anna", tmp_path / "missing.csv")
    assert audit_bytes(study) == {}


def test_rows_spanning_several_lines_are_numbered_by_their_first_line(study, tmp_path):
    path = write_csv(tmp_path, 'doc,code,span,memo\nhc01,autonomy,0:5,"two\nlines"\n'
                               "hc01,nope,0:5,\n")
    with pytest.raises(InputError, match=r"decisions.csv:4: No code 'nope'"):
        coding.apply_csv(study, "anna", path)
