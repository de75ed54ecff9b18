"""Coding commands through CliRunner (and once through the installed ``qcode``)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from audit_support import audit_bytes, make_study

from qcode.cli import app


@pytest.fixture
def study(tmp_path):
    return make_study(tmp_path / "study")


def run(runner, study, *args, coder="anna"):
    extra = ["--project", str(study.root)]
    if coder:
        extra += ["--coder", coder]
    return runner.invoke(app, [*map(str, args), *extra])


def ok(result):
    assert result.exit_code == 0, result.output
    return result


def refused(result, *names):
    """Exit 2 and exactly one 'Error: ...' line naming ``names``."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for name in names:
        assert name in lines[0], (name, lines[0])
    return lines[0]


def test_apply_then_list_codings(runner, study):
    out = ok(run(runner, study, "apply", "hc01", "coordination", "--quote",
                 "We start with the list."))
    assert out.stdout == "" and 'anna:1 coordination on hc01 52:75: "We start' in out.stderr
    ok(run(runner, study, "apply", "hc01", "autonomy", "--unit", "turn:4", "--memo", "together"))
    ok(run(runner, study, "apply", "fn01", "coordination", "--span", "29:58", coder="ben"))
    listing = ok(run(runner, study, "codings", "--format", "csv", coder=None))
    rows = list(csv.DictReader(io.StringIO(listing.stdout)))
    assert [(r["id"], r["doc"], r["start"], r["end"], r["code"]) for r in rows] == [
        ("ben:1", "fn01", "29", "58", "coordination"),
        ("anna:1", "hc01", "52", "75", "coordination"),
        ("anna:2", "hc01", "213", "309", "autonomy")]
    assert rows[1]["text"] == "We start with the list." and rows[2]["memo"] == "together"
    only = ok(runner.invoke(app, ["codings", "--project", str(study.root), "--coder", "anna",
                                  "--code", "autonomy", "--format", "json"]))
    assert [r["id"] for r in json.loads(only.stdout)] == ["anna:2"]
    table = ok(run(runner, study, "codings", "--doc", "fn01", coder=None))
    assert "ben:1" in table.stdout and "anna:1" not in table.stdout


def test_a_duplicate_apply_says_so_and_writes_nothing(runner, study):
    ok(run(runner, study, "apply", "hc01", "coordination", "--span", "52:75"))
    before = audit_bytes(study)
    again = ok(run(runner, study, "apply", "hc01", "coordination", "--span", "52:75"))
    assert "already has 'coordination'" in again.stderr
    assert audit_bytes(study) == before


def test_an_unknown_coder_name_is_refused(runner, study):
    line = refused(run(runner, study, "apply", "hc01", "autonomy", "--span", "0:5",
                       coder="anan"), "'anan'", "qcode coders add anan")
    assert line.endswith("did you mean 'anna'?")


@pytest.mark.parametrize("args, names", [
    (["apply", "hc01", "cordination", "--span", "0:5"], ["cordination", "did you mean"]),
    (["apply", "hc01", "autonomy", "--span", "0:9999"], ["0:9999", "outside"]),
    (["apply", "hc01", "autonomy", "--span", "5:2"], ["5:2"]),
    (["apply", "hc01", "autonomy", "--quote", "the list"], ["occurs 3 times", "--span"]),
    (["apply", "hc01", "autonomy", "--quote", "nothing like it"], ["not in 'hc01'"]),
    (["apply", "hc09", "autonomy", "--span", "0:5"], ["hc09"]),
    (["apply", "hc01", "autonomy"], ["exactly one of"]),
    (["apply", "hc01"], ["Missing CODE"]),
    (["remove", "hc01", "autonomy", "--span", "0:5"], ["no coding of 'autonomy'"]),
    (["remove", "--coding", "ben:1"], ["ben:1"]),
    (["memo", "only text"], ["Usage: qcode memo"]),
    (["memo", "--code", "nope", "text"], ["nope"]),
    (["undo"], ["Nothing to undo"]),
    (["codings", "--coder", "anan"], ["No coder 'anan'", "did you mean 'anna'?"]),
    (["codings", "--code", "cordination"], ["cordination", "did you mean"]),
    (["codings", "--doc", "hc1"], ["No document 'hc1'"]),
])
def test_bad_input_is_one_line_exit_2_and_leaves_every_log_unchanged(runner, study, args,
                                                                     names):
    ok(run(runner, study, "apply", "fn01", "coordination", "--span", "29:58", coder="ben"))
    before = audit_bytes(study)
    refused(run(runner, study, *args), *names)
    assert audit_bytes(study) == before


def test_no_coder_is_refused(runner, study):
    before = audit_bytes(study)
    refused(run(runner, study, "apply", "hc01", "autonomy", "--span", "0:5", coder=None),
            "Who is coding", "QCODE_CODER")
    assert audit_bytes(study) == before


def test_remove_memo_memos_undo(runner, study):
    ok(run(runner, study, "apply", "hc01", "coordination", "--span", "52:75"))
    ok(run(runner, study, "apply", "hc01", "coordination", "--span", "60:100"))
    ok(run(runner, study, "memo", "hc01", "The list again"))
    ok(run(runner, study, "memo", "--code", "coordination", "Too broad?", coder="ben"))
    ok(run(runner, study, "memo", "--coding", "anna:1", "Agree", coder="ben"))
    removed = ok(run(runner, study, "remove", "hc01", "coordination", "--span", "55:65",
                     "--overlapping"))
    assert "removed anna:1" in removed.stderr and "anna:2" in removed.stderr
    undone = ok(run(runner, study, "undo"))  # the last event: the removal of anna:2
    assert "voided anna:5" in undone.stderr
    listing = json.loads(ok(run(runner, study, "codings", "--format", "json", coder=None)).stdout)
    assert [r["id"] for r in listing] == ["anna:2"]
    ok(run(runner, study, "remove", "--coding", "anna:2"))
    listing = json.loads(ok(run(runner, study, "codings", "--format", "json", coder=None)).stdout)
    assert listing == []
    memos = ok(runner.invoke(app, ["memos", "--project", str(study.root), "--format", "json"]))
    assert [(m["coder"], m["target"], m["text"]) for m in json.loads(memos.stdout)] == [
        ("anna", "document", "The list again"), ("ben", "code", "Too broad?"),
        ("ben", "coding", "Agree")]
    markdown = ok(runner.invoke(app, ["memos", "--project", str(study.root), "--coder", "ben",
                                      "--format", "markdown"]))
    assert markdown.stdout.startswith("| id | coder |") and "The list again" not in markdown.stdout


def test_apply_from_a_csv(runner, study, tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("doc,code,quote,span\nhc01,coordination,We start with the list.,\n"
                    "fn01,leadership,,0:12\n", encoding="utf-8")
    out = ok(run(runner, study, "apply", "--from", path))
    assert "wrote 2 events" in out.stderr
    assert "`qcode undo --steps 2 --coder anna` takes them back." in out.stderr
    refused(run(runner, study, "apply", "hc01", "--from", path), "--from FILE takes no DOC")
    path.write_text("doc,code,span\nhc01,nope,0:3\n", encoding="utf-8")
    before = audit_bytes(study)
    refused(run(runner, study, "apply", "--from", path), "rows.csv:2", "nope")
    assert audit_bytes(study) == before


def test_undo_steps_takes_back_a_whole_import_in_one_write(runner, study, tmp_path):
    ok(run(runner, study, "apply", "hc01", "autonomy", "--span", "0:5"))
    path = tmp_path / "rows.csv"
    path.write_text("doc,code,span\nhc01,coordination,52:75\nfn01,leadership,0:12\n"
                    "fn01,coordination,29:58\n", encoding="utf-8")
    ok(run(runner, study, "apply", "--from", path))
    before = audit_bytes(study)
    refused(run(runner, study, "undo", "--steps", "5"), "4 decision(s) to undo, not 5",
            "--steps 4")
    assert audit_bytes(study) == before
    refused(run(runner, study, "undo", "--steps", "0"), "--steps")
    assert audit_bytes(study) == before
    undone = ok(run(runner, study, "undo", "--steps", "3"))
    assert [line.split(" (")[0] for line in undone.stderr.splitlines()] == [
        "anna: voided anna:4", "anna: voided anna:3", "anna: voided anna:2"]
    listing = json.loads(ok(run(runner, study, "codings", "--format", "json", coder=None)).stdout)
    assert [(r["id"], r["code"]) for r in listing] == [("anna:1", "autonomy")]
    voids = [json.loads(line) for line in
             (study.audit_dir / "anna.log").read_text(encoding="utf-8").splitlines()[-3:]]
    assert {v["time"] for v in voids} == {voids[0]["time"]}  # one append
    assert [v["ref"] for v in voids] == ["anna:4", "anna:3", "anna:2"]


def test_the_installed_qcode_applies_and_lists(study):
    qcode = Path(sys.executable).with_name("qcode")
    env_args = ["--project", str(study.root)]
    done = subprocess.run([str(qcode), "apply", "hc01", "autonomy", "--unit", "3",
                           "--coder", "anna", *env_args], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    listed = subprocess.run([str(qcode), "codings", "--format", "json", *env_args],
                            capture_output=True, text=True)
    assert [r["id"] for r in json.loads(listed.stdout)] == ["anna:1"]
