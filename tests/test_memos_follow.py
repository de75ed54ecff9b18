"""Memos on a coding follow it through migrations and re-anchoring, as the coding does."""

from __future__ import annotations

import json

from audit_support import CODEBOOK, INTERVIEW, make_study

from qcode.cli import app

V4 = CODEBOOK.replace("version: 3", "version: 4").replace(
    "  - id: coordination\n    label: Coordination\n",
    "  - id: coordination-work\n    label: Coordination work\n") + """changes:
  - version: 4
    rename: {from: coordination, to: coordination-work}
    reason: The team calls it coordination work.
"""


def memos(runner, study, *args):
    out = runner.invoke(app, ["memos", "--format", "json", *args, "-P", str(study.root)])
    assert out.exit_code == 0, out.output
    return json.loads(out.stdout)


def test_a_memo_follows_its_coding_through_a_rename(runner, tmp_path):
    study = make_study(tmp_path / "study")
    applied = runner.invoke(app, ["apply", "hc01", "coordination", "--quote", "We start with "
                                  "the list.", "--memo", "why the list", "--coder", "anna",
                                  "-P", str(study.root)])
    assert applied.exit_code == 0, applied.output
    (tmp_path / "v4.yaml").write_text(V4, encoding="utf-8")
    recoded = runner.invoke(app, ["recode", "--to", str(tmp_path / "v4.yaml"), "--no-suggest",
                                  "--as", "anna", "-P", str(study.root)])
    assert recoded.exit_code == 0, recoded.output
    found = memos(runner, study, "--code", "coordination-work")
    assert [m["text"] for m in found] == ["why the list"]


def test_a_memo_follows_its_coding_when_the_text_moves(runner, tmp_path):
    study = make_study(tmp_path / "study")
    quote = "The leader is far away."
    applied = runner.invoke(app, ["apply", "hc01", "leadership", "--quote", quote, "--memo",
                                  "distance", "--coder", "anna", "-P", str(study.root)])
    assert applied.exit_code == 0, applied.output
    before = memos(runner, study)[0]["span"]
    edited = tmp_path / "hc01.txt"
    edited.write_text("Interviewer: A new first question?\n\n" + INTERVIEW, encoding="utf-8")
    assert runner.invoke(app, ["ingest", str(edited), "--id", "hc01", "--as", "anna",
                               "-P", str(study.root)]).exit_code == 0
    codings = runner.invoke(app, ["codings", "--format", "json", "-P", str(study.root)])
    coding = json.loads(codings.stdout)[0]
    after = memos(runner, study)[0]
    assert after["span"] != before and after["span"] == f"{coding['start']}:{coding['end']}"
