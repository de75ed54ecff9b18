"""The ``changes`` of a codebook: every step kind parsed, every mistake one line with
file:line:column, and codes checked against the codebook and later steps."""

from __future__ import annotations

import pytest

from qcode.codebook import load_codebook, parse_codebook
from qcode.codebook.mapping import walk
from qcode.codebook.steps import Step, is_after, step_data, step_from_data
from qcode.errors import CodebookError

HEAD = """version: 3
codes:
  - {id: autonomy, label: Autonomy, definition: d}
  - {id: lists, label: Lists, definition: d}
  - {id: calls, label: Calls, definition: d}
  - {id: professionalism, label: Professionalism, definition: d}
  - {id: staff, label: Staff, definition: d, retired: true}
  - {id: tasks, label: Tasks, definition: d}
changes:
"""

GOOD = HEAD + """  - version: 2
    rename: {from: trust, to: confidence}
    reason: r1
  - version: 3
    rename: {from: confidence, to: autonomy}
    reason: r2
  - version: 3
    merge: {from: [competency, professionalism], into: professionalism}
    reason: r3
  - version: 3
    split: {from: coordination, into: [lists, calls]}
    reason: r4
  - version: 3
    retire: staff
    reason: r5
  - version: 3
    move: {code: tasks, parent: autonomy}
    reason: r6
  - version: 3
    redefine: calls
    reason: r7
"""


def _errors(text: str) -> list[str]:
    _, problems = parse_codebook(text, "cb.yaml")
    return [str(p) for p in problems if p.severity == "error"]


def test_every_kind_of_step_parses_in_order_with_its_line():
    codebook, problems = parse_codebook(GOOD, "cb.yaml")
    assert [p for p in problems if p.severity == "error"] == []
    steps = codebook.steps
    assert [s.kind for s in steps] == ["rename", "rename", "merge", "split", "retire", "move",
                                       "redefine"]
    assert [s.id for s in steps] == ["2.1", "3.1", "3.2", "3.3", "3.4", "3.5", "3.6"]
    assert steps[0].line == 11 and steps[0].where == "cb.yaml:11"
    assert steps[3].by == "rules" and steps[3].targets == ("lists", "calls")
    assert steps[5].parent == "autonomy"
    assert steps[2].describe() == "merge competency, professionalism -> professionalism"
    assert codebook.changes[0] == {"version": 2, "rename": {"from": "trust", "to": "confidence"},
                                   "reason": "r1"}


def test_step_data_round_trips():
    codebook, _ = parse_codebook(GOOD, "cb.yaml")
    for step in codebook.steps:
        back = step_from_data(step_data(step))
        assert (back.kind, back.sources, back.targets, back.by, back.parent, back.id) == \
            (step.kind, step.sources, step.targets, step.by, step.parent, step.id)


@pytest.mark.parametrize(("step", "where", "message"), [
    ("    rename: {from: trust, to: autonmy}\n", "11:", "unknown code 'autonmy'"),
    ("    merge: {from: [a, b], into: profesionalism}\n", "11:", "did you mean 'professionalism'"),
    ("    split: {from: a, into: [lists, cals]}\n", "11:", "unknown code 'cals'"),
    ("    retire: stafff\n", "11:", "unknown code 'stafff'"),
    ("    move: {code: tasks, parent: nowhere}\n", "11:", "unknown code 'nowhere'"),
    ("    redefine: leadership\n", "11:", "unknown code 'leadership'"),
    ("    rename: {from: a, to: a}\n", "11:", "to itself"),
    ("    split: {from: a, into: [lists]}\n", "11:", "two or more codes"),
    ("    split: {from: a, into: [lists, calls], by: vote}\n", "11:", "rules or review"),
    ("    merge: {from: [autonomy], into: autonomy}\n", "11:", "needs another code"),
    ("    rename: {from: a}\n", "11:", "needs to"),
    ("    renmae: {from: a, to: b}\n", "11:", "did you mean 'rename'"),
    ("    rename: {from: a, to: B!}\n", "11:", "must be a code id"),
], ids=lambda v: v if len(v) < 20 else None)
def test_bad_steps_are_errors_at_their_line(step, where, message):
    text = HEAD + "  - version: 3\n" + step + "    reason: r\n"
    errors = _errors(text)
    assert errors, text
    assert any(e.startswith(f"cb.yaml:{where}") and message in e for e in errors), errors


def test_version_and_reason_are_required_and_ordered():
    text = HEAD + ("  - version: 3\n    retire: staff\n    reason: r\n"
                   "  - version: 2\n    redefine: tasks\n    reason: r\n"
                   "  - retire: staff\n    reason: r\n"
                   "  - version: 4\n    redefine: tasks\n"
                   "  - version: 3\n    rename: {from: x, to: tasks}\n    reason: r\n")
    errors = _errors(text)
    assert any(e.startswith("cb.yaml:13:") and "list the changes oldest first" in e for e in errors)
    assert any(e.startswith("cb.yaml:16:") and "needs 'version'" in e for e in errors)
    assert any(e.startswith("cb.yaml:18:") and "needs a 'reason'" in e for e in errors)
    assert any(e.startswith("cb.yaml:18:") and "raise 'version'" in e for e in errors)
    assert any(e.startswith("cb.yaml:20:") and "must follow one another" in e for e in errors)


def test_a_code_renamed_away_cannot_be_used_by_an_earlier_step():
    text = HEAD + ("  - version: 2\n    redefine: confidence\n    reason: r\n"
                   "  - version: 3\n    rename: {from: confidence, to: autonomy}\n    reason: r\n")
    assert _errors(text) == []
    text = HEAD + ("  - version: 2\n    redefine: autonomy\n    reason: r\n"
                   "  - version: 3\n    rename: {from: confidence, to: autonomy}\n    reason: r\n")
    assert any("unknown code 'autonomy'" in e and e.startswith("cb.yaml:11:") for e in _errors(text))


def test_retiring_a_code_not_marked_retired_is_a_warning(tmp_path):
    text = HEAD + "  - version: 3\n    retire: tasks\n    reason: r\n"
    _, problems = parse_codebook(text, "cb.yaml")
    assert [p.severity for p in problems] == ["warning"]
    assert "not marked 'retired: true'" in problems[0].message


def test_load_codebook_refuses_unknown_codes_in_changes(tmp_path):
    path = tmp_path / "cb.yaml"
    path.write_text(HEAD + "  - version: 3\n    retire: stafff\n    reason: r\n")
    with pytest.raises(CodebookError, match=r"cb\.yaml:11:\d+: error: unknown code 'stafff'"):
        load_codebook(path)


def test_codebook_check_cli_reports_steps_with_file_and_line(runner, tmp_path):
    from qcode.cli import app

    path = tmp_path / "cb.yaml"
    path.write_text(HEAD + "  - version: 3\n    merge: {from: [a], into: profesionalism}\n"
                    "    reason: r\n")
    result = runner.invoke(app, ["codebook", "check", str(path)])
    assert result.exit_code == 2, result.output
    assert f"{path}:11:24:" in result.output and "unknown code 'profesionalism'" in result.output


def test_versions_compare_as_numbers_or_by_their_order():
    assert is_after(3, 2, []) and not is_after(2, 2, []) and not is_after(1, 2, [])
    assert is_after("beta", "alpha", ["alpha", "beta"]) and not is_after("alpha", "beta",
                                                                          ["alpha", "beta"])
    assert is_after(2, None, [])  # a coding of unknown version goes through every step
    assert not is_after("x", "y", [])  # unknown order: no step applies


def test_walk_follows_renames_merges_and_stops_at_an_undecided_split():
    steps = [Step(2, "rename", ("a",), ("b",)), Step(2, "merge", ("b", "c"), ("d",), n=2),
             Step(3, "split", ("d",), ("e", "f")), Step(3, "rename", ("d",), ("g",), n=2)]
    pairs = tuple((s, False) for s in steps)
    pending = walk("a", "anna:1", pairs, {})
    assert pending.code == "d" and pending.flags == ("pending:3.1",)
    routed = walk("a", "anna:1", pairs, {("anna:1", "3.1"): "f"})
    assert routed.code == "f" and routed.flags == () and routed.touched == ("2.1", "2.2", "3.1")
    assert walk("z", "anna:1", pairs, {}).code == "z"
