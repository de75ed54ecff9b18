"""docs/audit-format.md is checked: its examples verify and replay as it says, and its
standalone verifier agrees with ``qcode audit verify`` on intact and tampered logs."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from audit_support import lines_of, write_lines, write_log

from qcode.audit import verify
from qcode.cli import app
from qcode.codings import replay_dir
from qcode.project import init_project

DOC = Path(__file__).resolve().parent.parent / "docs" / "audit-format.md"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_the_examples_verify_and_replay_as_described(tmp_path):
    text = DOC.read_text(encoding="utf-8")
    project_id = re.search(r"With project id `([0-9a-f]{32})`", text)[1]
    anna, sigrid = blocks("jsonl")
    audit = tmp_path / "audit"
    audit.mkdir()
    (audit / "anna.log").write_text(anna, encoding="utf-8")
    (audit / "sigrid.log").write_text(sigrid, encoding="utf-8")
    assert verify(audit, project_id).ok
    replayed = replay_dir(audit)
    assert [(c.id, c.code, c.memo) for c in replayed] == [
        ("anna:1", "coordination", "The list comes before the patients."),
        ("anna:3", "autonomy", None)]
    from qcode.audit import genesis

    assert f"the genesis of `anna.log` is\n`{genesis(project_id, 'anna')}`" in text


@pytest.fixture(scope="module")
def verifier(tmp_path_factory):
    code = blocks("python")[0]
    path = tmp_path_factory.mktemp("doc") / "verify_log.py"
    path.write_text(code, encoding="utf-8")
    return path


def run_verifier(verifier: Path, log: Path, project_id: str) -> tuple[int, int | None]:
    done = subprocess.run([sys.executable, str(verifier), str(log), project_id],
                          capture_output=True, text=True)
    match = re.match(r"line (\d+):", done.stdout)
    return done.returncode, int(match[1]) if match else None


def _tamper(lines: list[bytes], other: list[bytes], how: str) -> list[bytes]:
    if how == "intact":
        return lines
    if how == "edited":
        return [*lines[:9], lines[9].replace(b'"doc":"doc', b'"doc":"DOC'), *lines[10:]]
    if how == "deleted":
        return lines[:499] + lines[500:]
    if how == "inserted":
        forged = json.loads(lines[299])
        forged["memo"] = "forged"
        line = json.dumps(forged, ensure_ascii=False, separators=(",", ":")).encode()
        return [*lines[:299], line, *lines[299:]]
    if how == "reordered":
        return [*lines[:699], lines[700], lines[699], *lines[701:]]
    if how == "foreign":
        return [*lines[:41], other[3], *lines[41:]]
    if how == "spaced":
        return [*lines[:120], lines[120].replace(b'","', b'", "', 1), *lines[121:]]
    raise AssertionError(how)


@pytest.mark.parametrize("how", ["intact", "edited", "deleted", "inserted", "reordered",
                                 "foreign", "spaced"])
def test_the_documented_verifier_agrees_with_qcode_audit_verify(tmp_path, runner, verifier,
                                                                how):
    project = init_project(tmp_path / "study")
    anna = write_log(project.audit_dir, "anna", 1000, project_id=project.id)
    ben = write_log(project.audit_dir, "ben", 20, project_id=project.id, start=10**6)
    write_lines(anna, _tamper(lines_of(anna), lines_of(ben), how))
    with open(anna, "ab") as fh:
        fh.write(b'{"seq":1001,"ti')  # crash residue: neither counts it as a line
    status, line = run_verifier(verifier, anna, project.id)
    result = runner.invoke(app, ["audit", "verify", "--project", str(project.root)])
    assert result.exit_code == status, (how, result.output)
    found = re.search(r"Tampering: audit/anna\.log line (\d+)", result.stderr)
    assert (int(found[1]) if found else None) == line, (how, result.stderr)
    assert (line is None) == (how == "intact")
    assert run_verifier(verifier, ben, project.id) == (0, None)


def test_the_documented_verifier_reads_format_1_and_redacted_format_2(tmp_path, verifier):
    text = DOC.read_text(encoding="utf-8")
    project_id = re.search(r"With project id `([0-9a-f]{32})`", text)[1]
    anna = tmp_path / "anna.log"
    anna.write_text(blocks("jsonl")[0], encoding="utf-8")
    assert run_verifier(verifier, anna, project_id) == (0, None)
    project = init_project(tmp_path / "study")
    log = write_log(project.audit_dir, "anna", 30, project_id=project.id)
    lines = lines_of(log)
    obj = json.loads(lines[4])
    obj["text"] = None  # text erased, commitments kept: the chain still holds
    lines[4] = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()
    write_lines(log, lines)
    assert run_verifier(verifier, log, project.id) == (0, None)
    obj["quote"] = "c:" + "0" * 64  # a commitment changed: the chain breaks
    lines[4] = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()
    write_lines(log, lines)
    assert run_verifier(verifier, log, project.id) == (1, 5)


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen")
def test_the_documented_ssh_keygen_check(tmp_path, monkeypatch):
    from audit_support import make_study

    from qcode import coding
    from qcode.audit.keyops import init_key
    from qcode.audit.keys import allowed_signers
    from qcode.audit.log import read_log

    project = make_study(tmp_path / "study")
    init_key(project, "anna")
    coding.apply(project, "hc01", "coordination", span="52:75", coder="anna")
    script = tmp_path / "check_sig.py"
    script.write_text(blocks("python")[1], encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "allowed_signers").write_text(allowed_signers(project.audit_dir))
    log = str(project.log_path("anna"))
    assert [e.action for e in read_log(project.log_path("anna")).events] == ["apply", "sign"]
    good = subprocess.run([sys.executable, str(script), log, "2", project.id],
                          capture_output=True, text=True)
    assert good.returncode == 0, good.stderr
    assert 'Good "qcode" signature for anna' in good.stdout + good.stderr
    wrong = subprocess.run([sys.executable, str(script), log, "2", "f" * 32],
                           capture_output=True, text=True)
    assert wrong.returncode != 0
