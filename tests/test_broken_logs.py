"""A log whose hash chain is broken: every command that reads it says so in one line
naming the log and the line; appends to it are refused; --strict analyses refuse."""

from __future__ import annotations

import pytest
from audit_support import make_study

from qcode.cli import app


@pytest.fixture
def tampered(tmp_path, runner):
    study = make_study(tmp_path / "study")
    for doc, team in (("hc01", "north"), ("fn01", "south")):
        runner.invoke(app, ["attrs", "set", doc, f"team={team}", "-P", str(study.root)])
    for coder, quote in (("anna", "We start with the list."), ("anna", "The list is the list."),
                         ("ben", "We start with the list."), ("anna", "The leader is far away.")):
        result = runner.invoke(app, ["apply", "hc01", "coordination", "--quote", quote,
                                     "--coder", coder, "-P", str(study.root)])
        assert result.exit_code == 0, result.output
    log = study.audit_dir / "anna.log"
    lines = log.read_bytes().split(b"\n")
    lines[1] = lines[1].replace(b'"code":"coordination"', b'"code":"autonomy"')
    log.write_bytes(b"\n".join(lines))
    return study


NOTE = "audit/anna.log line 2: the hash chain is broken"


@pytest.mark.parametrize("args", [
    ["codings"], ["memos"], ["agree"], ["cooccur"], ["crosstab", "--by", "team"],
    ["audit", "blame", "hc01"], ["show", "hc01", "-c", "anna", "--no-pager"], ["orphans"],
    ["report", "--out", "r.html"], ["export", "study.qdpx"],
])
def test_a_reading_command_says_the_chain_is_broken_in_one_line(runner, tampered, args):
    result = runner.invoke(app, [*args, "-P", str(tampered.root)])
    assert result.exit_code == 0, result.output
    said = [line for line in result.stderr.splitlines() if NOTE in line]
    assert len(said) == 1, result.stderr


@pytest.mark.parametrize("args", [["codings"], ["agree"], ["cooccur"], ["memos"],
                                  ["crosstab", "--by", "team"], ["report", "--out", "r.html"],
                                  ["export", "study.qdpx"]])
def test_strict_analyses_refuse(runner, tampered, args):
    result = runner.invoke(app, [*args, "--strict", "-P", str(tampered.root)])
    assert result.exit_code == 2, result.output
    assert NOTE in result.stderr and "--strict" in result.stderr and result.stdout == ""


def test_an_append_to_a_broken_log_is_refused_and_writes_nothing(runner, tampered):
    log = tampered.audit_dir / "anna.log"
    before = log.read_bytes()
    result = runner.invoke(app, ["apply", "hc01", "autonomy", "--quote", "The list is the "
                                 "list.", "--coder", "anna", "-P", str(tampered.root)])
    assert result.exit_code == 2, result.output
    assert "audit/anna.log line 2: the hash chain is broken" in result.stderr
    assert log.read_bytes() == before
    other = runner.invoke(app, ["apply", "hc01", "autonomy", "--quote", "The list is the "
                                "list.", "--coder", "ben", "-P", str(tampered.root)])
    assert other.exit_code == 0, other.output  # another coder's sound log takes appends


def test_a_line_that_is_not_json_is_treated_the_same(runner, tampered):
    log = tampered.audit_dir / "ben.log"
    log.write_bytes(log.read_bytes() + b"{not json\n")
    result = runner.invoke(app, ["codings", "-P", str(tampered.root)])
    assert result.exit_code == 0, result.output
    assert "audit/ben.log line 2: the hash chain is broken" in result.stderr
    refused = runner.invoke(app, ["codings", "--strict", "-P", str(tampered.root)])
    assert refused.exit_code == 2
    appended = runner.invoke(app, ["apply", "hc01", "autonomy", "--quote", "The list is the "
                                   "list.", "--coder", "ben", "-P", str(tampered.root)])
    assert appended.exit_code == 2 and "audit/ben.log line 2" in appended.stderr


def test_log_health_names_each_broken_log_and_line(tampered):
    from qcode.audit.health import log_health

    found = log_health(tampered.audit_dir, tampered.id)
    assert [(b.log, b.line) for b in found] == [("anna", 2)]
    assert log_health(tampered.audit_dir, tampered.id) == found  # cached, same answer


def test_a_later_command_does_not_trust_what_an_earlier_one_found_whole(tmp_path, runner):
    """Each append keeps how far the log was found whole (.qcode/sound.json), so the
    next command hashes that part instead of checking it line by line; a same-length
    edit inside it, made between two commands, is still refused and still reported
    (real processes)."""
    import json
    import subprocess
    import sys

    study = make_study(tmp_path / "study")

    def apply(quote: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "qcode", "apply", "hc01", "coordination",
                               "--quote", quote, "--coder", "anna", "-P", str(study.root)],
                              capture_output=True, text=True)

    assert apply("We start with the list.").returncode == 0
    assert apply("The list is the list.").returncode == 0
    log = study.audit_dir / "anna.log"
    saved = json.loads((study.root / ".qcode" / "sound.json").read_text())["anna"]
    assert saved["size"] == log.stat().st_size and saved["seq"] == 2
    lines = log.read_bytes().split(b"\n")
    assert b'"code":"coordination"' in lines[0]
    lines[0] = lines[0].replace(b'"code":"coordination"', b'"code":"coordinatioX"')
    log.write_bytes(b"\n".join(lines))
    before = log.read_bytes()
    refused = apply("The leader is far away.")
    assert refused.returncode == 2
    assert "audit/anna.log line 1: the hash chain is broken" in refused.stderr
    assert log.read_bytes() == before
    # nor does a reading command, which trusts what an append found whole only while
    # the log is byte for byte what it found
    listed = subprocess.run([sys.executable, "-m", "qcode", "codings", "-P", str(study.root)],
                            capture_output=True, text=True)
    assert "audit/anna.log line 1: the hash chain is broken" in listed.stderr


def test_caches_of_an_earlier_hash_are_not_trusted(tmp_path):
    """The caches in .qcode/ record a log's bytes by their BLAKE3 digest. Entries an
    earlier qcode wrote under SHA-256 (sound.json, health.json) are not read as if they
    were BLAKE3 digests: a log edited after them is still reported, and an append to it
    is still refused (real processes, so that nothing this process found counts)."""
    import hashlib
    import json
    import subprocess
    import sys

    study = make_study(tmp_path / "study")

    def qcode(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "qcode", *args, "-P", str(study.root)],
                              capture_output=True, text=True)

    for quote in ("We start with the list.", "The list is the list."):
        assert qcode("apply", "hc01", "coordination", "--quote", quote,
                     "--coder", "anna").returncode == 0
    log, cache = study.audit_dir / "anna.log", study.root / ".qcode"
    last = json.loads(log.read_bytes().splitlines()[-1])
    lines = log.read_bytes().split(b"\n")
    lines[0] = lines[0].replace(b'"code":"coordination"', b'"code":"coordinatioX"')
    log.write_bytes(b"\n".join(lines))
    edited = log.read_bytes()
    # what an earlier qcode would have kept had it found these very bytes whole
    sha = hashlib.sha256(edited).hexdigest()
    sound = {"size": len(edited), "sha256": sha, "prev": last["hash"], "seq": last["seq"]}
    (cache / "sound.json").write_text(json.dumps({"anna": sound}))
    (cache / "health.json").write_text(json.dumps({f"{study.id}:anna:{sha}": None}))
    assert "audit/anna.log line 1: the hash chain is broken" in qcode("codings").stderr
    (cache / "sound.json").write_text(json.dumps({"anna": sound}))
    refused = qcode("apply", "hc01", "coordination", "--quote", "The leader is far away.",
                    "--coder", "anna")
    assert refused.returncode == 2, refused.stderr
    assert "audit/anna.log line 1: the hash chain is broken" in refused.stderr
    assert log.read_bytes() == edited
