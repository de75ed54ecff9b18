"""docs/audit-format.md is checked: its examples verify and replay as it says, and its
standalone verifier agrees with ``qcode audit verify`` on intact and tampered logs."""

from __future__ import annotations

import json
import re
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
    (code,) = blocks("python")
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
