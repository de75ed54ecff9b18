"""Signed heads, keys and self-proving seals: the attacks a plain chain cannot see.

Each attack test writes bytes the way an attacker with write access would (the
library's own append without signing, or plain file writes), then asks ``verify``.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
from audit_support import commit, git, lines_of, make_study, write_lines

from qcode import coding
from qcode.audit import verify_project
from qcode.audit.keyops import countersign, init_key, sign_log
from qcode.audit.line import KEYS
from qcode.audit.log import append, read_log
from qcode.cli import app
from qcode.errors import AuditError

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


@pytest.fixture
def study(tmp_path):
    """anna, emil and sigrid with committed keys; anna and emil have coded, signed."""
    project = make_study(tmp_path / "study", coders=("anna", "emil", "sigrid", "ben", "nora"))
    git(project.root, "init", "-q", "-b", "main")
    git(project.root, "config", "user.email", "test@example.org")
    git(project.root, "config", "user.name", "Test")
    for coder in ("anna", "emil", "sigrid"):
        init_key(project, coder)
    commit(project.root, "start, with keys")
    coding.apply(project, "hc01", "coordination", span="52:75", coder="anna")
    coding.apply(project, "hc01", "autonomy", quote="we make it ourselves", coder="anna")
    coding.apply(project, "fn01", "time-resources", span="29:58", coder="emil")
    return project


def problems(project, **kw):
    return verify_project(project, **kw).problems


def kinds(project, **kw):
    return sorted((p.log, p.kind) for p in problems(project, **kw))


def slip_in(project, name, actor=None, **fields):
    """What someone with write access but without the owner's key can do: append a
    correctly chained line."""
    event = {"actor": actor or name, "action": "apply", "doc": "hc01", "span": "0:11",
             "code": "leadership", "codebook": 3, "quote": "Interviewer", **fields}
    append(project.log_path(name), project.id, [event], signing=None)


def test_every_command_ends_with_its_coders_signature(study):
    events = read_log(study.log_path("anna")).events
    assert [e.action for e in events] == ["apply", "sign", "apply", "sign"]
    assert events[1].data["seq"] == 1 and events[1].data["hash"] == events[0].hash
    assert problems(study) == ()


def test_a_line_appended_to_another_coders_log_is_named(study, runner):
    coding.apply(study, "hc01", "leadership", unit="5", coder="sigrid")
    from qcode.audit import seal

    seal(study, "sigrid")
    commit(study.root)
    slip_in(study, "anna")
    found = problems(study, git=True)
    assert [(p.log, p.line, p.kind) for p in found] == [("anna", 5, "unsigned")]
    assert "audit/anna.log line(s) 5: no valid signature of anna covers them" in found[0].message
    result = runner.invoke(app, ["audit", "verify", "--project", str(study.root)])
    assert result.exit_code == 1
    assert "line(s) 5" in result.stderr


def test_an_append_is_refused_while_the_head_is_unsigned(study, runner):
    slip_in(study, "anna")
    before = study.log_path("anna").read_bytes()
    with pytest.raises(AuditError, match="not covered by a signature of anna"):
        coding.apply(study, "hc01", "leadership", unit="5", coder="anna")
    result = runner.invoke(app, ["apply", "hc01", "leadership", "--unit", "5", "--coder", "anna",
                                 "--project", str(study.root)])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: audit/anna.log: its last line (seq 5)")
    assert study.log_path("anna").read_bytes() == before
    # the owner voids what she did not write, and signs that
    result = runner.invoke(app, ["audit", "sign", "--void", "--coder", "anna", "--project",
                                 str(study.root)])
    assert result.exit_code == 0, result.output
    assert "voided anna:5" in result.stderr
    assert problems(study) == ()
    coding.apply(study, "hc01", "leadership", unit="5", coder="anna")
    assert problems(study) == ()


def test_a_crash_before_the_signature_leaves_a_tail_the_owner_can_sign(study):
    path = study.log_path("anna")
    write_lines(path, lines_of(path)[:-1])  # the signature line never reached the disk
    assert kinds(study) == [("anna", "unsigned")]
    sign_log(study, "anna")
    assert problems(study) == ()


def test_truncation_at_a_line_boundary_without_a_seal(study):
    path = study.log_path("anna")
    lines = lines_of(path)
    write_lines(path, lines[:3])  # cut between a command's lines and its signature
    assert kinds(study) == [("anna", "unsigned")]
    write_lines(path, lines[:2])  # cut back to an earlier signed head: still fully signed
    report = verify_project(study)
    assert report.ok
    assert any("audit/anna.log: fully signed through line 1, but nothing proves it complete"
               in n for n in report.notes)


def test_truncation_below_a_signed_sealed_head_names_the_seal(study):
    from qcode.audit import seal

    seal(study, "sigrid")
    sealed = read_log(study.log_path("sigrid")).events[0].data["logs"]["anna"]
    assert sealed["seq"] == 3 and "sig" in sealed
    path = study.log_path("anna")
    write_lines(path, lines_of(path)[:2])
    found = problems(study)
    assert [(p.log, p.kind) for p in found] == [("anna", "truncated")]
    assert "sigrid's seal (audit/sigrid.log line 1" in found[0].message


def test_a_rewrite_rechained_under_a_new_project_id_is_caught(study):
    """The attacker changes the id in qcode.yaml and re-chains every log from scratch,
    with or without the signature lines."""
    settings = study.settings_path.read_text(encoding="utf-8")
    new_id = "f" * 32
    study.settings_path.write_text(settings.replace(study.id, new_id), encoding="utf-8")
    from qcode.project import open_project

    forged = open_project(study.root)
    for keep_signs in (True, False):
        for name in ("anna", "emil"):
            path = forged.log_path(name)
            events = read_log(path).events
            path.unlink()
            batch = [{k: getattr(e, k) for k in KEYS[:-1] if k != "seq"} for e in events
                     if keep_signs or e.action != "sign"]
            append(path, forged.id, batch, signing=None)
        if keep_signs:
            found = kinds(forged)
            assert ("anna", "signature") in found and ("emil", "signature") in found
    # without the signature lines the logs are unsigned, and their owners have keys
    assert kinds(forged) == [("anna", "unsigned"), ("emil", "unsigned")]


def _forged_seal(project, sealer, target, seq, hash_hex, sig=None):
    head = {"seq": seq, "hash": hash_hex}
    if sig is not None:
        head["sig"] = sig
    with_sig = {"actor": sealer, "action": "seal", "data": {"logs": {target: head}}}
    coding_log = project.log_path(sealer)
    from qcode.audit.log import locked_log

    with locked_log(coding_log, project.id) as log:  # signed by the sealer: it is his seal
        log.append([with_sig])


def test_a_forged_seal_cannot_frame_another_coder(study):
    anna = read_log(study.log_path("anna")).events
    fake = "0" * 64
    own_sig = read_log(study.log_path("emil")).events[-1].data["sig"]  # emil's own signature
    _forged_seal(study, "emil", "anna", 3, fake, own_sig)
    found = problems(study)
    assert [(p.log, p.kind) for p in found] == [("emil", "false-seal")]
    assert "emil's seal is wrong, not anna's log" in found[0].message
    assert anna == read_log(study.log_path("anna")).events


def test_an_unsigned_seal_disagreeing_with_a_signed_line_is_the_false_one(study):
    _forged_seal(study, "emil", "anna", 3, "0" * 64)
    found = problems(study)
    assert [(p.log, p.kind) for p in found] == [("emil", "false-seal")]


def test_deleting_the_sealers_log_is_caught_by_a_later_signed_seal(study):
    from qcode.audit import seal

    seal(study, "sigrid")  # sigrid seals anna and emil
    seal(study, "anna")  # anna seals sigrid's log, seal included, with sigrid's signature
    study.log_path("sigrid").unlink()
    found = problems(study)
    assert [(p.log, p.kind) for p in found] == [("sigrid", "missing")]
    assert "anna's seal" in found[0].message


def test_a_signature_verifies_with_ssh_keygen(study, tmp_path):
    if shutil.which("ssh-keygen") is None:
        pytest.skip("needs ssh-keygen")
    from qcode.audit.signing import head_message
    from qcode.audit.sshsig import armor

    allowed = tmp_path / "allowed_signers"
    result = __import__("typer.testing").testing.CliRunner().invoke(
        app, ["keys", "allowed-signers", "-o", str(allowed), "--project", str(study.root)])
    assert result.exit_code == 0, result.output
    sign = read_log(study.log_path("anna")).events[1]
    import base64

    (tmp_path / "head").write_bytes(head_message(study.id, "anna", sign.data["seq"],
                                                 sign.data["hash"]))
    (tmp_path / "head.sig").write_text(armor(base64.b64decode(sign.data["sig"])))
    def check(identity, namespace):
        return subprocess.run(["ssh-keygen", "-Y", "verify", "-f", str(allowed), "-I", identity,
                               "-n", namespace, "-s", str(tmp_path / "head.sig")],
                              stdin=open(tmp_path / "head", "rb"), capture_output=True, text=True)
    good = check("anna", "qcode")
    assert good.returncode == 0, good.stderr
    assert 'Good "qcode" signature for anna' in good.stdout
    assert check("anna", "git").returncode != 0  # never a git signature
    assert check("emil", "qcode").returncode != 0


def test_an_uncommitted_key_counts_once_the_lead_countersigns_it(study, runner):
    settings = study.settings_path.read_text(encoding="utf-8")
    study.settings_path.write_text(settings + "audit:\n  lead: sigrid\n", encoding="utf-8")
    from qcode.project import open_project

    project = open_project(study.root)
    init_key(project, "nora")  # published, not committed
    coding.apply(project, "hc01", "leadership", unit="5", coder="nora")
    assert kinds(project) == [("nora", "signature"), ("nora", "unsigned")]
    with pytest.raises(AuditError, match="Only the lead"):
        countersign(project, "anna", "nora")
    countersign(project, "sigrid", "nora")
    assert problems(project) == ()
    notes = verify_project(project).notes
    assert any("audit/nora.log: lines 1-1 signed by nora" in n and "countersigned by the lead"
               in n for n in notes)


def test_a_key_published_by_someone_else_signs_nothing_until_committed(study, monkeypatch):
    """mallory publishes a key as anna's (uncommitted) and signs a slipped-in line."""
    from qcode.audit.keys import key_path, make_key

    slip_in(study, "anna")
    fake, _ = make_key("anna-fake")
    with open(key_path(study.audit_dir, "anna"), "a", encoding="utf-8") as fh:
        fh.write(fake.openssh + "\n")
    from qcode.audit.keys import private_key_path

    monkeypatch.setenv("QCODE_SIGNING_KEY", str(private_key_path("anna-fake")))
    sign_log(study, "anna")
    found = kinds(study)
    assert ("anna", "signature") in found and ("anna", "unsigned") in found


def test_policy_requires_signatures(study, runner):
    settings = study.settings_path.read_text(encoding="utf-8")
    study.settings_path.write_text(settings + "audit:\n  require_signatures: true\n",
                                   encoding="utf-8")
    from qcode.project import open_project

    project = open_project(study.root)
    result = runner.invoke(app, ["apply", "hc01", "leadership", "--unit", "5", "--coder", "ben",
                                 "--project", str(project.root)])
    assert result.exit_code == 2
    assert "requires signatures" in result.stderr
    assert not project.log_path("ben").exists()


def test_unsigned_logs_verify_as_before_and_say_so(tmp_path):
    project = make_study(tmp_path / "plain")
    coding.apply(project, "hc01", "coordination", span="52:75", coder="anna")
    report = verify_project(project)
    assert report.ok
    assert any(n.startswith("No log is signed (anna.log 1 lines)") for n in report.notes)
    assert [e.action for e in read_log(project.log_path("anna")).events] == ["apply"]


def test_commands_that_only_read_load_no_signing_code(study):
    """cryptography and paramiko load when something is signed or checked, not for a
    replay of signed logs."""
    import sys

    probe = ("import sys; from typer.testing import CliRunner; from qcode.cli import app; "
             f"r = CliRunner().invoke(app, ['codings', '--project', {str(study.root)!r}]); "
             "assert r.exit_code == 0, r.output; "
             "print(sorted(m for m in ('cryptography', 'paramiko') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_rotation_hands_over_from_the_old_key_to_the_new(study):
    from qcode.audit.keyops import rotate_key
    from qcode.audit.keys import private_key_path

    done = rotate_key(study, "anna")
    assert [e.action for e in done.events] == ["key"]
    coding.apply(study, "hc01", "leadership", unit="5", coder="anna")
    assert problems(study) == ()
    notes = verify_project(study).notes
    assert any("signed by anna" in n and "rotated in at audit/anna.log line 5" in n
               for n in notes)
    # the replaced key signs nothing after the rotation
    old = private_key_path("anna").with_name("anna.replaced-1")
    from qcode.audit.keys import Signer
    from qcode.audit.log import locked_log
    from qcode.audit.sshsig import load_private_key, public_of, sign_with

    private = load_private_key(old.read_bytes(), str(old))
    signer = Signer(public_of(private), "old", lambda m: sign_with(private, m))
    with locked_log(study.log_path("anna"), study.id, signing=None) as log:
        log.append([{"actor": "anna", "action": "memo", "memo": "with the old key"}],
                   signer=signer)
    assert ("anna", "signature") in kinds(study)


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen")
def test_the_lead_revokes_a_lost_key_and_gives_a_new_one(study, tmp_path):
    from qcode.audit.keyops import revoke
    from qcode.audit.keys import private_key_path
    from qcode.project import open_project

    settings = study.settings_path.read_text(encoding="utf-8")
    study.settings_path.write_text(settings + "audit:\n  lead: sigrid\n", encoding="utf-8")
    project = open_project(study.root)
    lost = private_key_path("anna")
    kept = lost.read_bytes()
    lost.unlink()  # anna's laptop is gone
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "new")],
                   check=True)
    with pytest.raises(AuditError, match="No private key for anna"):
        coding.apply(project, "hc01", "leadership", unit="5", coder="anna")
    revoke(project, "sigrid", "anna", "laptop stolen", tmp_path / "new.pub")
    import os

    os.environ["QCODE_SIGNING_KEY"] = str(tmp_path / "new")
    try:
        coding.apply(project, "hc01", "leadership", unit="5", coder="anna")
    finally:
        del os.environ["QCODE_SIGNING_KEY"]
    assert problems(project) == ()
    # the thief's copy of the old key signs nothing dated after the revocation
    lost.write_bytes(kept)
    from qcode.audit.keyops import sign_log

    slip_in(project, "anna")
    sign_log(project, "anna")  # finds the old key file again
    assert ("anna", "signature") in kinds(project)


@pytest.mark.skipif(any(shutil.which(p) is None for p in ("ssh-agent", "ssh-add", "ssh-keygen")),
                    reason="needs OpenSSH's ssh-agent, ssh-add and ssh-keygen (openssh-client)")
def test_a_key_held_only_by_ssh_agent_signs(study, tmp_path, monkeypatch):
    key = tmp_path / "agent_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    from qcode.audit.keys import key_path

    key_path(study.audit_dir, "ben").parent.mkdir(exist_ok=True)
    key_path(study.audit_dir, "ben").write_text((tmp_path / "agent_key.pub").read_text())
    commit(study.root, "ben's key")
    sock = tmp_path / "agent.sock"
    agent = subprocess.Popen(["ssh-agent", "-D", "-a", str(sock)], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if sock.exists():
                break
            __import__("time").sleep(0.05)
        monkeypatch.setenv("SSH_AUTH_SOCK", str(sock))
        subprocess.run(["ssh-add", "-q", str(key)], check=True, capture_output=True)
        key.unlink()  # only the agent holds it now
        coding.apply(study, "hc01", "leadership", unit="5", coder="ben")
        assert problems(study) == ()
        assert read_log(study.log_path("ben")).events[-1].action == "sign"
    finally:
        agent.terminate()
        agent.wait()


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen")
def test_a_passphrase_protected_key_without_an_agent_is_refused_clearly(study, tmp_path,
                                                                       monkeypatch):
    key = tmp_path / "locked"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "a passphrase", "-f", str(key)],
                   check=True)
    from qcode.audit.keys import key_path

    key_path(study.audit_dir, "ben").write_text((tmp_path / "locked.pub").read_text())
    monkeypatch.setenv("QCODE_SIGNING_KEY", str(key))
    with pytest.raises(AuditError, match="passphrase-protected: add it to ssh-agent"):
        coding.apply(study, "hc01", "leadership", unit="5", coder="ben")
    assert not study.log_path("ben").exists()


def test_unsigned_head_is_the_public_check_for_a_broken_log(study):
    from qcode.audit import unsigned_head

    assert unsigned_head(study, "anna") is None
    assert unsigned_head(study, "nobody") is None
    slip_in(study, "anna")
    assert "not covered by a signature of anna" in unsigned_head(study, "anna")


def test_in_project_log_a_signature_covers_only_the_signers_own_lines(study):
    from qcode.audit import append_events

    written = append_events(study, "project", [{"actor": "sigrid", "action": "docversion",
                                                "doc": "hc01"}])
    assert written.events[0].seq == 1
    assert [e.action for e in read_log(study.log_path("project")).events] == [
        "docversion", "sign"]
    slip_in(study, "project", actor="anna", action="docversion")  # anna, unsigned
    found = problems(study)
    assert [(p.log, p.line, p.kind) for p in found] == [("project", 3, "unsigned")]
    with pytest.raises(AuditError, match="not covered by a signature of anna"):
        append_events(study, "project", [{"actor": "sigrid", "action": "docversion",
                                          "doc": "fn01"}])
    # a signature by sigrid after anna's line does not cover it
    from qcode.audit.keys import find_signer
    from qcode.audit.log import locked_log

    with locked_log(study.log_path("project"), study.id, signing=None) as log:
        log.append([{"actor": "sigrid", "action": "docversion", "doc": "fn01"}],
                   signer=find_signer(study.audit_dir, "sigrid"))
    assert [(p.log, p.line, p.kind) for p in problems(study)] == [("project", 3, "unsigned")]
