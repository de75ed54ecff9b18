"""Erasure that keeps the chain: format 2 commitments, format-1 conversion, redact."""

from __future__ import annotations

import json
import shutil

import pytest
from audit_support import INTERVIEW, PROJECT_ID, git, lines_of, make_study

from qcode import coding
from qcode.audit import verify_project
from qcode.audit.keyops import init_key
from qcode.audit.line import parse_line, seal_line
from qcode.audit.log import append, read_log
from qcode.audit.verify import check_log
from qcode.cli import app
from qcode.redaction import redact

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

NAME = "Kari"


def every_byte_outside_git(root):
    """(path, bytes) of every file in the project folder outside .git/."""
    return [(p, p.read_bytes()) for p in root.rglob("*")
            if p.is_file() and ".git" not in p.relative_to(root).parts]


def holders(root, word):
    return sorted(str(p.relative_to(root)) for p, data in every_byte_outside_git(root)
                  if word.encode("utf-8") in data)


def test_format_2_keeps_text_beside_a_salted_commitment():
    fields = {"seq": 1, "time": "2025-03-01T09:00:00.000Z", "actor": "anna", "action": "accept",
              "quote": "We start with the list.", "fp": "3e8a1c55b0d2",
              "data": {"reason": f"keyword 'list' in a {NAME} turn"}}
    event, line = seal_line(fields, "0" * 64)
    obj = json.loads(line)
    assert list(obj)[-2:] == ["text", "hash"]
    assert obj["quote"].startswith("c:") and obj["fp"].startswith("c:")
    assert NAME not in line.split(',"text":')[0]  # the chained body holds no project text
    assert parse_line(line).quote == "We start with the list."
    assert parse_line(line).data["reason"] == fields["data"]["reason"]
    _, again = seal_line(fields, "0" * 64)
    assert json.loads(again)["quote"] != obj["quote"]  # salted: no guessing by hashing names


def test_an_old_format_log_still_verifies(tmp_path):
    path = tmp_path / "audit" / "anna.log"
    path.parent.mkdir()
    lines = []
    prev = None
    from qcode.audit.line import genesis

    prev = genesis(PROJECT_ID, "anna")
    for seq in range(1, 4):
        event, line = seal_line({"seq": seq, "time": "2025-03-01T09:00:00.000Z", "actor": "anna",
                                 "action": "apply", "doc": "hc01", "span": f"{seq}:{seq + 5}",
                                 "code": "coordination", "quote": f"{NAME} {seq}",
                                 "data": {"text": "a data key named text"}}, prev, version=1)
        lines.append(line)
        prev = event.hash
    path.write_text("".join(x + "\n" for x in lines), encoding="utf-8")
    check = check_log(path, PROJECT_ID)
    assert check.problem is None and check.lines == 3
    append(path, PROJECT_ID, [{"actor": "anna", "action": "memo", "memo": "new line, format 2"}])
    check = check_log(path, PROJECT_ID)
    assert check.problem is None and check.lines == 4
    assert [e.quote for e in read_log(path).events][:3] == [f"{NAME} 1", f"{NAME} 2", f"{NAME} 3"]


@pytest.fixture
def study(tmp_path):
    project = make_study(tmp_path / "study", coders=("anna", "sigrid"))
    git(project.root, "init", "-q", "-b", "main")
    git(project.root, "config", "user.email", "test@example.org")
    git(project.root, "config", "user.name", "Test")
    for coder in ("anna", "sigrid"):
        init_key(project, coder)
    git(project.root, "add", "-A")
    git(project.root, "commit", "-q", "-m", "start")
    return project


def test_redaction_erases_every_byte_and_keeps_chain_codings_and_signatures(study, runner):
    start = INTERVIEW.index(NAME)
    span = f"{start}:{start + len(NAME)}"
    coding.apply(study, "hc01", "coordination", quote="We start with the list.", coder="anna")
    coding.apply(study, "hc01", "autonomy", span=f"{start}:{start + 30}", coder="anna",
                 memo=f"{NAME} speaks for the team")
    from qcode.audit import seal

    seal(study, "sigrid")
    git(study.root, "add", "-A")
    git(study.root, "commit", "-q", "-m", "coded")
    before = {(c.id, c.start, c.end, c.code) for c in coding_list(study)}
    assert holders(study.root, NAME)
    result = runner.invoke(app, ["redact", "hc01", "--span", span, "--reason",
                                 "consent withdrawn", "--as", "sigrid",
                                 "--project", str(study.root)])
    assert result.exit_code == 0, result.output
    assert "Git still holds the erased words" in result.stderr
    assert holders(study.root, NAME) == []
    assert {(c.id, c.start, c.end, c.code) for c in coding_list(study)} == before
    report = verify_project(study, git=True)
    assert report.problems == ()
    assert any("audit/anna.log line 3: quote, fp, memo redacted by sigrid" in n
               and "consent withdrawn" in n for n in report.notes)


def coding_list(project):
    from qcode.codings import replay

    return replay(project).codings


def test_an_old_format_line_is_converted_and_recorded(study):
    """Format-1 lines (hash over the text) lose their text, keep their hash; the record
    in project.log names the rewritten bytes, so verify accepts exactly those."""
    path = study.log_path("anna")
    from qcode.audit.line import genesis

    prev, lines = genesis(study.id, "anna"), []
    for seq, quote in ((1, f"{NAME}: We start with the list."), (2, "It takes time")):
        event, line = seal_line({"seq": seq, "time": "2025-03-01T09:00:00.000Z", "actor": "anna",
                                 "action": "apply", "doc": "hc01", "span": "0:4",
                                 "code": "coordination", "quote": quote, "fp": "3e8a1c55b0d2"},
                                prev, version=1)
        lines.append(line)
        prev = event.hash
    path.write_text("".join(x + "\n" for x in lines), encoding="utf-8")
    from qcode.audit.keyops import sign_log

    sign_log(study, "anna")
    assert verify_project(study).problems == ()
    redact(study, "hc01", span=f"{INTERVIEW.index(NAME)}:{INTERVIEW.index(NAME) + 4}",
           reason="pseudonymisation", actor="sigrid")
    assert NAME.encode() not in path.read_bytes()
    report = verify_project(study)
    assert report.problems == (), report.problems
    assert any("audit/anna.log line 1: text (a format-1 line, converted with its hash kept) "
               "redacted by sigrid" in n for n in report.notes)
    # the same bytes edited any further are caught
    raw = lines_of(path)
    raw[0] = raw[0].replace(b'"coordination"', b'"autonomy"')
    path.write_bytes(b"".join(x + b"\n" for x in raw))
    assert [p.kind for p in verify_project(study).problems] == ["edited"]


def test_text_removed_without_a_record_is_named(study):
    coding.apply(study, "hc01", "coordination", quote="We start with the list.", coder="anna")
    path = study.log_path("anna")
    raw = lines_of(path)
    obj = json.loads(raw[0])
    obj["text"] = None
    raw[0] = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()
    path.write_bytes(b"".join(x + b"\n" for x in raw))
    found = verify_project(study).problems
    assert [(p.log, p.line, p.kind) for p in found] == [("anna", 1, "redacted")]
