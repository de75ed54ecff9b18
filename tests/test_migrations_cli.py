"""The recode, codebook log and orphans commands through the CLI (CliRunner), and one
real run of the installed ``qcode``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from migrations_support import CODES_V2, log_bytes, make_project

from qcode.audit import verify_project
from qcode.cli import app
from qcode.codings import replay
from qcode.project import open_project


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("gen") / "study"
    make_project(root, per_coder=300, n_docs=6, sentences=60, seed=11)
    return root


@pytest.fixture
def study(generated, tmp_path, monkeypatch):
    root = tmp_path / "study"
    shutil.copytree(generated, root)
    monkeypatch.setenv("QCODE_CODER", "sigrid")
    (tmp_path / "v2.yaml").write_text(CODES_V2)
    return open_project(root)


def _run(runner, *args):
    return runner.invoke(app, [*args])


def test_dry_run_reports_per_coder_and_code_and_writes_nothing(study, runner, tmp_path):
    before = log_bytes(study)
    result = _run(runner, "recode", "run", "--to", str(tmp_path / "v2.yaml"), "--dry-run", "-f", "json",
                  "-P", str(study.root))
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {r["coder"] for r in rows} == {"anna", "ben", "cara"}
    trust = {r["coder"]: r["codings"] for r in rows if r["from"] == "trust"}
    codings = replay(study)
    assert trust == {c: len([x for x in codings if x.coder == c and x.code == "trust"])
                     for c in ("anna", "ben", "cara")}
    assert {r["outcome"] for r in rows} >= {"rename", "merge", "routed", "pending", "retired"}
    assert "Dry run: nothing was written." in result.stderr
    assert log_bytes(study) == before


def test_dry_run_detail_for_one_coder(study, runner, tmp_path):
    result = _run(runner, "recode", "run", "--to", str(tmp_path / "v2.yaml"), "--dry-run", "--detail",
                  "--coder", "ben", "-f", "csv", "-P", str(study.root))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "coding,coder,doc,span,from,to,outcome,score"
    assert len(lines) > 50 and all(",ben," in line for line in lines[1:])


def test_recode_review_log_and_undo(study, runner, tmp_path):
    original = replay(study).codings
    result = _run(runner, "recode", "run", "--to", str(tmp_path / "v2.yaml"), "--no-suggest",
                  "-P", str(study.root))
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.stderr and "as sigrid" in result.stderr
    assert verify_project(study).ok
    result = _run(runner, "recode", "review", "--coder", "cara", "-f", "json",
                  "-P", str(study.root))
    assert result.exit_code == 0, result.output
    waiting = json.loads(result.stdout)
    assert waiting and {w["coder"] for w in waiting} == {"cara"}
    first = waiting[0]["coding"]
    result = _run(runner, "recode", "review", "--coding", first, "--code", "lists",
                  "--as", "cara", "-P", str(study.root))
    assert result.exit_code == 0, result.output
    assert replay(study).get(first).code == "lists"
    result = _run(runner, "recode", "review", "--coding", first, "--code", "lists",
                  "-P", str(study.root))
    assert result.exit_code == 2 and "not waiting" in result.output
    result = _run(runner, "codebook", "log", "-f", "json", "-P", str(study.root))
    rows = json.loads(result.stdout)
    assert [r["step"] for r in rows] == ["", "2.1", "2.2", "2.3", "2.4"]
    assert rows[3]["routed"] > 0 and {r["actor"] for r in rows} == {"sigrid"}
    result = _run(runner, "recode", "undo", "2", "-P", str(study.root))
    assert result.exit_code == 0, result.output
    assert "codebook.yaml is version 1 again" in result.stderr
    assert replay(study).codings == original
    assert verify_project(study).ok


@pytest.mark.parametrize("args, message", [
    (["run"], "Missing option '--to'"),
    (["--review", "--undo", "2"], "Give one of `qcode recode run --to NEW.yaml`"),
    (["review", "--code", "lists"], "--code needs --coding"),
    (["undo", "7"], "No migration to version 7"),
    (["run", "--to", "missing.yaml"], "no such file"),
])
def test_bad_usage_is_one_line_and_exit_2(study, runner, args, message):
    before = log_bytes(study)
    result = _run(runner, "recode", *args, "-P", str(study.root))
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert log_bytes(study) == before


def test_unknown_codes_in_changes_are_file_line_errors(study, runner, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(CODES_V2.replace("into: [lists, calls]", "into: [lists, cals]"))
    before = log_bytes(study)
    result = _run(runner, "recode", "run", "--to", str(bad), "--dry-run", "-P", str(study.root))
    assert result.exit_code == 2
    assert f"{bad}:22:47:" in result.output and "unknown code 'cals'" in result.output
    assert log_bytes(study) == before


def test_installed_qcode_runs_a_dry_run(study, tmp_path):
    env = {**os.environ, "QCODE_CODER": "sigrid", "COLUMNS": "200"}
    exe = Path(sys.executable).with_name("qcode")
    result = subprocess.run([str(exe), "recode", "run", "--to", str(tmp_path / "v2.yaml"), "--dry-run",
                             "-f", "csv", "-P", str(study.root)], capture_output=True,
                            text=True, env=env, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("coder,from,to,outcome,codings\n")
    assert "Dry run: nothing was written." in result.stderr


def test_recode_queues_suggestions_for_the_new_codes(study, runner, tmp_path):
    from qcode.suggest import read_queue

    result = _run(runner, "recode", "run", "--to", str(tmp_path / "v2.yaml"), "--coder", "ben",
                  "-P", str(study.root))
    assert result.exit_code == 0, result.output
    queued = read_queue(study, "ben")
    assert queued and {s.code for s in queued} <= {"lists", "calls"}
    assert "Queued" in result.stderr and "for ben" in result.stderr
    assert read_queue(study, "anna") == []
