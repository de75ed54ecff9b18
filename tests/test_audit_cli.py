"""``qcode audit``: verify (exit 0/1/2), seal, verify --git, show, blame, stats."""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest
from audit_support import git, lines_of, make_study, write_lines

from qcode import coding
from qcode.audit import verify_project
from qcode.audit.line import parse_object
from qcode.cli import app

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


@pytest.fixture
def study(tmp_path):
    project = make_study(tmp_path / "study", coders=("anna", "ben", "sigrid"))
    coding.apply(project, "hc01", "coordination", span="52:75", coder="anna", memo="the list")
    coding.apply(project, "hc01", "autonomy", quote="we make it ourselves", coder="anna")
    coding.apply(project, "hc01", "coordination", span="52:131", coder="ben")
    coding.apply(project, "fn01", "time-resources", span="29:58", coder="ben")
    coding.remove(project, "fn01", "time-resources", span="29:58", coder="ben")
    coding.undo(project, coder="anna")
    return project


def audit(runner, study, *args):
    return runner.invoke(app, ["audit", *map(str, args), "--project", str(study.root)])


def test_verify_intact_logs_exits_0(runner, study):
    result = audit(runner, study, "verify", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(r["log"], r["lines"], r["status"]) for r in rows] == [
        ("anna.log", 3, "ok"), ("ben.log", 3, "ok")]
    assert "2 log(s) intact" in result.stderr


def test_verify_names_the_tampered_line_and_exits_1(runner, study):
    path = study.log_path("ben")
    lines = lines_of(path)
    write_lines(path, [lines[0], lines[1].replace(b"time-resources", b"leadership"), lines[2]])
    result = audit(runner, study, "verify")
    assert result.exit_code == 1, result.output
    assert "Tampering: audit/ben.log line 2: edited" in result.stderr
    assert "edited" in result.stdout
    only_anna = audit(runner, study, "verify", "--coder", "anna")
    assert only_anna.exit_code == 0, only_anna.output


def test_verify_bad_usage_exits_2(runner, study):
    result = audit(runner, study, "verify", "--coder", "zed")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: No log audit/zed.log")


def test_seal_then_truncation_is_caught(runner, study):
    result = runner.invoke(app, ["audit", "seal", "--coder", "sigrid", "--project",
                                 str(study.root)])
    assert result.exit_code == 0, result.output
    assert "sigrid:1 sealed anna@3, ben@3." in result.stderr
    path = study.log_path("anna")
    write_lines(path, lines_of(path)[:2])
    verified = audit(runner, study, "verify")
    assert verified.exit_code == 1
    assert "audit/anna.log: truncated after line 2; sigrid's seal" in verified.stderr


def init_repo(root):
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "test@example.org")
    git(root, "config", "user.name", "Test")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "start")


def test_verify_git_catches_a_rechained_rewrite(runner, study):
    init_repo(study.root)
    coding.apply(study, "hc01", "leadership", unit="5", coder="anna")
    git(study.root, "commit", "-qam", "more")
    assert audit(runner, study, "verify", "--git").exit_code == 0
    coding.apply(study, "hc01", "leadership", unit="6", coder="anna")  # uncommitted: fine
    assert audit(runner, study, "verify", "--git").exit_code == 0
    events = [parse_object(x) for x in lines_of(study.log_path("anna"))]
    events[1]["code"] = "collaboration"
    study.log_path("anna").unlink()
    from qcode.audit import append_events

    append_events(study, "anna", [{k: v for k, v in e.items() if k not in ("seq", "hash")}
                                  for e in events])
    assert verify_project(study).ok  # the chain alone is fooled
    result = audit(runner, study, "verify", "--git")
    assert result.exit_code == 1, result.output
    # re-chained lines get fresh salts for their quotes, so the first line already differs
    assert "Tampering: audit/anna.log line 1: differs from the version committed" in result.stderr


def test_verify_git_outside_a_repository_is_bad_usage(runner, study, tmp_path):
    result = audit(runner, study, "verify", "--git")
    if result.exit_code == 0:  # tmp_path may sit inside some repository
        pytest.skip("the temporary folder is inside a git repository")
    assert result.exit_code == 2 and "Error: git" in result.stderr


def test_show_renders_a_timeline_and_exports(runner, study):
    table = audit(runner, study, "show", "--coder", "anna")
    assert table.exit_code == 0, table.output
    assert "anna:1" in table.stdout and "We start with the list." in table.stdout
    assert "memo: the list" in table.stdout
    as_csv = audit(runner, study, "show", "--format", "csv", "--action", "remove")
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [(r["id"], r["ref"]) for r in rows] == [("ben:3", "ben:2")]
    as_json = json.loads(audit(runner, study, "show", "--format", "json", "--doc", "fn01",
                               "--source", "manual").stdout)
    assert [r["id"] for r in as_json] == ["ben:2", "ben:3"]
    since = json.loads(audit(runner, study, "show", "--format", "json", "--since",
                             "2999-01-01").stdout)
    assert since == []
    until = json.loads(audit(runner, study, "show", "--format", "json", "--until",
                             "2999-01-01").stdout)
    assert len(until) == 6
    bad = audit(runner, study, "show", "--since", "yesterday")
    assert bad.exit_code == 2 and "--since 'yesterday'" in bad.stderr


def test_blame_says_who_did_what_and_what_became_of_it(runner, study):
    result = audit(runner, study, "blame", "hc01", "--span", "60:70", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(r["id"], r["action"], r["code"], r["how"], r["status"]) for r in rows] == [
        ("anna:1", "apply", "coordination", "manual", "live"),
        ("ben:1", "apply", "coordination", "manual", "live")]
    everything = json.loads(audit(runner, study, "blame", "hc01", "--format", "json").stdout)
    assert ("anna:2", "undone by anna:3") in {(r["id"], r["status"]) for r in everything}
    fn01 = json.loads(audit(runner, study, "blame", "fn01", "--format", "json").stdout)
    assert [(r["id"], r["status"]) for r in fn01] == [("ben:2", "removed by ben:3"),
                                                     ("ben:3", "")]


def test_a_name_that_names_nothing_is_refused_not_read_as_no_events(runner, study):
    logs = {p.name: p.read_bytes() for p in study.audit_dir.iterdir()}
    for option, typo, hint in (("--code", "cordination", "did you mean 'coordination'?"),
                               ("--coder", "anan", "did you mean 'anna'?"),
                               ("--doc", "hc1", "did you mean 'hc01'?")):
        result = audit(runner, study, "show", option, typo)
        assert result.exit_code == 2, result.output
        assert f"{option} {typo!r}: no such" in result.stderr
        assert result.stderr.rstrip().endswith(hint)
        assert "Traceback" not in result.output and len(result.stderr.strip().splitlines()) == 1
    # known but unused: a code of the codebook nobody applied, a coder with no events
    assert json.loads(audit(runner, study, "show", "--format", "json", "--code",
                            "leadership").stdout) == []
    assert json.loads(audit(runner, study, "show", "--format", "json", "--coder",
                            "sigrid").stdout) == []
    blame = audit(runner, study, "blame", "hc1")
    assert blame.exit_code == 2 and "No document 'hc1'" in blame.stderr
    assert "did you mean 'hc01'?" in blame.stderr
    assert {p.name: p.read_bytes() for p in study.audit_dir.iterdir()} == logs


def test_a_retired_code_is_still_found_in_the_trail(runner, study):
    path = study.codebook_path
    path.write_text(path.read_text(encoding="utf-8").replace("id: autonomy", "id: self-rule"),
                    encoding="utf-8")
    rows = json.loads(audit(runner, study, "show", "--format", "json", "--code", "autonomy").stdout)
    assert [(r["id"], r["action"]) for r in rows] == [("anna:2", "apply"), ("anna:3", "void")]


def test_stats(runner, study):
    tables = json.loads(audit(runner, study, "stats", "--format", "json").stdout)
    coders = {r["coder"]: r for r in tables["coders"]}
    assert (coders["anna"]["events"], coders["anna"]["codings"], coders["anna"]["voids"]) == (
        3, 1, 1)
    assert coders["ben"]["removed"] == 1 and coders["ben"]["from_suggestions"] == 0.0
    assert [r["code"] for r in tables["codes"]][:2] == ["coordination", "autonomy"]
    assert tables["codes"][0] == {"code": "coordination", "anna": 1, "ben": 1, "total": 2}
    days = audit(runner, study, "stats", "--by", "day", "--format", "csv")
    assert days.stdout.startswith("coder,day,events,apply,remove,memo,void,other\n")
    assert audit(runner, study, "stats").exit_code == 0
