"""Every --format csv neutralises text cells a spreadsheet would run as a formula
(leading =, +, -, @, tab or CR get a leading quote); numbers stay numbers."""

from __future__ import annotations

import csv
import io

import pytest
from audit_support import make_study

from qcode.cli import app
from qcode.reports import csv_safe, to_csv


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\")", "+1+cmd|' /C calc'!A0",
                                  "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1"])
def test_formula_text_gets_a_leading_quote(text):
    assert csv_safe(text) == "'" + text


@pytest.mark.parametrize("text", ["-0.25", "+3", "-12", "1e-3", "plain", "", "a=b"])
def test_numbers_and_plain_text_are_unchanged(text):
    assert csv_safe(text) == text


def test_numeric_columns_stay_numbers():
    out = to_csv([{"code": "=cmd", "d": -0.25, "n": -3}], ["code", "d", "n"])
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[1] == ["'=cmd", "-0.25", "-3"]


def test_a_memo_with_a_formula_is_neutralised_in_every_csv(runner, tmp_path):
    study = make_study(tmp_path / "study")
    for args in (["apply", "hc01", "coordination", "--quote", "We start with the list.",
                  "--memo", "=HYPERLINK(\"http://evil.example\",\"x\")"],
                 ["attrs", "set", "hc01", "team=@SUM(1+1)"]):
        assert runner.invoke(app, [*args, "--coder", "anna", "-P", str(study.root)]
                             if args[0] == "apply" else [*args, "-P", str(study.root)]
                             ).exit_code == 0
    for args, column in ((["codings"], "memo"), (["memos"], "text"), (["docs"], "team"),
                         (["audit", "show"], "memo")):
        out = runner.invoke(app, [*args, "--format", "csv", "-P", str(study.root)])
        assert out.exit_code == 0, out.output
        cells = [r[column] for r in csv.DictReader(io.StringIO(out.stdout)) if r.get(column)]
        assert cells and all(c.startswith("'") for c in cells), (args, cells)


def test_a_carriage_return_in_a_cell_does_not_split_the_row():
    out = to_csv([{"a": "one\rtwo", "n": 2}, {"a": "x", "n": 3}], ["a", "n"])
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert rows == [["a", "n"], ["one\rtwo", "2"], ["x", "3"]]
