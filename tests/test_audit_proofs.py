"""What verify may call proven: forged redaction records, completeness wording, deleted
keys, and erasure that also reaches zipped exports and redacted memos.

Each attack writes bytes as someone with write access would (plain file writes, or
the library's own append without signing), then asks ``verify`` as a user would.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import zipfile

import pytest
from audit_support import CODEBOOK, INTERVIEW, commit, git, lines_of, make_study, write_lines

from qcode import coding
from qcode.audit import seal, verify_project
from qcode.audit.health import log_health
from qcode.audit.keyops import init_key, sign_log
from qcode.audit.line import KEYS, genesis, seal_line
from qcode.audit.log import append, read_log
from qcode.cli import app
from qcode.redaction import redact

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

NAME = "Kari"
NAME_SPAN = f"{INTERVIEW.index(NAME)}:{INTERVIEW.index(NAME) + len(NAME)}"


def in_git(project):
    git(project.root, "init", "-q", "-b", "main")
    git(project.root, "config", "user.email", "test@example.org")
    git(project.root, "config", "user.name", "Test")
    return project


@pytest.fixture
def study(tmp_path):
    """anna, emil and sigrid with committed keys; anna and emil have coded, signed."""
    project = in_git(make_study(tmp_path / "study", coders=("anna", "emil", "sigrid")))
    for coder in ("anna", "emil", "sigrid"):
        init_key(project, coder)
    commit(project.root, "start, with keys")
    coding.apply(project, "hc01", "coordination", span="52:75", coder="anna")
    coding.apply(project, "fn01", "time-resources", span="29:58", coder="emil")
    return project


def old_format_log(project, name="anna"):
    """A log as qcode wrote it before format 2: the hash covers each quote itself."""
    prev, lines = genesis(project.id, name), []
    for seq, (span, code, quote) in enumerate((("52:56", "coordination", f"{NAME}: We"),
                                               ("57:80", "autonomy", "start with the list")),
                                              start=1):
        event, line = seal_line({"seq": seq, "time": "2025-03-01T09:00:00.000Z", "actor": name,
                                 "action": "apply", "doc": "hc01", "span": span, "code": code,
                                 "quote": quote, "fp": "3e8a1c55b0d2"}, prev, version=1)
        lines.append(line.encode())
        prev = event.hash
    write_lines(project.log_path(name), lines)


def forge_conversion(project, line_number, actor="mallory", **changes):
    """Rewrite a format-1 line of anna's log as a redaction would (text fields null, the
    old hash kept) but with ``changes`` too, and append to project.log a correctly chained
    ``redact`` record naming the new bytes."""
    path = project.log_path("anna")
    lines = lines_of(path)
    obj = json.loads(lines[line_number - 1])
    obj.update({"quote": None, "fp": None, **changes})
    lines[line_number - 1] = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()
    write_lines(path, lines)
    digest = hashlib.sha256(lines[line_number - 1]).hexdigest()
    record = {"actor": actor, "action": "redact", "doc": "hc01", "span": obj["span"],
              "data": {"lines": {"anna": [line_number]},
                       "converted": {"anna": {str(line_number): digest}},
                       "reason": "pseudonymisation"}}
    append(project.log_path("project"), project.id, [record], signing=None)


# ------------------------------------------------------------ forged redaction records


def test_an_unsigned_redaction_record_cannot_rewrite_a_signed_format_1_line(study):
    old_format_log(study)
    sign_log(study, "anna")
    assert verify_project(study).problems == ()
    forge_conversion(study, 1, code="leadership")  # anna's decision changed, "redacted"
    found = verify_project(study).problems
    assert [(p.log, p.line, p.kind) for p in found] == [("anna", 1, "redacted")]
    assert "no valid signature of mallory covers" in found[0].message


def test_a_signed_redaction_by_the_lead_still_counts(study):
    old_format_log(study)
    sign_log(study, "anna")
    redact(study, "hc01", span=NAME_SPAN, reason="pseudonymisation", actor="sigrid")
    report = verify_project(study, git=True)
    assert report.problems == ()
    assert any("audit/anna.log line 1: text (a format-1 line" in n for n in report.notes)


def test_git_accepts_a_converted_line_only_where_nothing_but_text_changed(tmp_path):
    """In a project without keys, git history is what shows what a converted line was."""
    project = in_git(make_study(tmp_path / "plain", coders=("anna", "sigrid")))
    old_format_log(project)
    commit(project.root, "coded before format 2")
    forge_conversion(project, 2, actor="sigrid", code="leadership")
    assert verify_project(project).problems == ()  # a plain chain cannot tell
    found = verify_project(project, git=True).problems
    assert [(p.log, p.line, p.kind) for p in found] == [("anna", 2, "history")]


def test_git_accepts_a_real_conversion_of_a_committed_line(tmp_path):
    project = in_git(make_study(tmp_path / "plain", coders=("anna", "sigrid")))
    old_format_log(project)
    commit(project.root, "coded before format 2")
    redact(project, "hc01", span=NAME_SPAN, reason="consent withdrawn", actor="sigrid")
    assert verify_project(project, git=True).problems == ()


def test_a_converted_format_1_line_is_not_a_broken_log(study):
    """Analyses and appends ask log_health; a recorded conversion is not a break."""
    old_format_log(study)
    sign_log(study, "anna")
    redact(study, "hc01", span=NAME_SPAN, reason="pseudonymisation", actor="sigrid")
    assert log_health(study.audit_dir, study.id) == ()
    coding.apply(study, "hc01", "leadership", unit="3", coder="anna")
    assert verify_project(study).problems == ()


# ------------------------------------------------------------ completeness wording


def test_a_log_only_shown_fully_signed_is_not_called_intact(study, runner):
    result = runner.invoke(app, ["audit", "verify", "--project", str(study.root)])
    assert result.exit_code == 0, result.output
    last = result.stderr.strip().splitlines()[-1]
    assert "intact" not in last
    assert "anna.log, emil.log: fully signed, but nothing proves them complete" in last
    seal(study, "sigrid")
    result = runner.invoke(app, ["audit", "verify", "--project", str(study.root)])
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("2 log(s) intact; sigrid.log: fully signed, but nothing proves it")


def test_the_report_does_not_call_a_log_only_shown_fully_signed_intact(study):
    from qcode.report import ReportOptions, build_report, render_html, render_markdown

    built = build_report(study, ReportOptions(replicates=50))
    page, md = render_html(built), render_markdown(built)
    assert "Audit trail intact" not in page and "Audit trail: intact" not in md
    for text in (page, md):
        assert "audit/anna.log, audit/emil.log: fully signed, but nothing proves them complete" in text
    seal(study, "sigrid")
    page = render_html(build_report(study, ReportOptions(replicates=50)))
    assert "audit/sigrid.log: fully signed, but nothing proves it complete" in page


def test_git_shows_a_log_complete_only_as_far_as_it_was_committed(study):
    commit(study.root)
    assert verify_project(study, git=True).unproven == ()
    coding.apply(study, "hc01", "autonomy", quote="we make it ourselves", coder="anna")
    report = verify_project(study, git=True)
    assert report.unproven == ("anna",)
    assert any("audit/anna.log: fully signed through line 3, but nothing proves it complete "
               "(shown complete through line 2 by its committed version in git)" in n
               for n in report.notes)


def test_a_truncated_log_is_not_called_complete_by_the_seal_it_fails(study):
    coding.apply(study, "hc01", "autonomy", quote="we make it ourselves", coder="anna")
    seal(study, "sigrid")
    path = study.log_path("anna")
    write_lines(path, lines_of(path)[:2])
    report = verify_project(study)
    assert [(p.log, p.kind) for p in report.problems] == [("anna", "truncated")]
    assert not any(n.startswith("audit/anna.log: complete through") for n in report.notes)


# ------------------------------------------------------------ deleted keys


def test_deleting_the_published_keys_does_not_make_signed_logs_unsigned(study):
    """The attacker deletes audit/keys/ and re-chains anna's log without its signature
    lines: git still holds the keys, so her lines still need a signature."""
    commit(study.root)
    shutil.rmtree(study.audit_dir / "keys")
    path = study.log_path("anna")
    events = [e for e in read_log(path).events if e.action != "sign"]
    path.unlink()
    append(path, study.id, [{k: getattr(e, k) for k in KEYS if k not in ("seq", "time")}
                            for e in events], signing=None)
    report = verify_project(study)
    assert ("anna", "unsigned") in [(p.log, p.kind) for p in report.problems]
    assert any("audit/keys/anna.pub is gone, but git has it" in n for n in report.notes)


# ------------------------------------------------------------ erasure everywhere


def test_a_zipped_export_in_the_project_folder_loses_the_words_too(study):
    coding.apply(study, "hc01", "autonomy", span=NAME_SPAN, coder="anna")
    export = study.root / "exchange.qdpx"
    with zipfile.ZipFile(export, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.qde", f"<Project><Source>{INTERVIEW}</Source></Project>")
        zf.writestr("sources/hc01.txt", INTERVIEW)
    assert NAME.encode() not in export.read_bytes()  # compressed: a byte search misses it
    done = redact(study, "hc01", span=NAME_SPAN, reason="consent withdrawn", actor="sigrid")
    assert "exchange.qdpx" in done.files
    with zipfile.ZipFile(io.BytesIO(export.read_bytes())) as zf:
        assert zf.testzip() is None
        assert all(NAME.encode() not in zf.read(n) for n in zf.namelist())
        assert b"We start with the list" in zf.read("sources/hc01.txt")


def test_a_redacted_memo_reads_as_redacted_without_a_warning(study):
    from qcode.codings import REDACTED_MEMO, replay

    coding.memo(study, f"{NAME} speaks for the team", doc="hc01", coder="anna")
    redact(study, "hc01", span=NAME_SPAN, reason="consent withdrawn", actor="sigrid")
    replayed = replay(study)
    assert not [w for w in replayed.warnings if "memo" in w]
    assert [m.text for m in replayed.memos] == [REDACTED_MEMO]


# ------------------------------------------------------------ policy


def test_migration_lines_are_signed_by_who_ran_the_migration(study, runner, tmp_path):
    new = tmp_path / "codebook-v4.yaml"
    new.write_text(CODEBOOK.replace("version: 3\n", "version: 4\nchanges:\n  - {version: 4, "
                                    "reason: clearer name, rename: {from: leadership, to: "
                                    "management}}\n", 1)
                   .replace("  - id: leadership\n    label: Leadership\n",
                            "  - id: management\n    label: Management\n"), encoding="utf-8")
    result = runner.invoke(app, ["recode", "run", "--to", str(new), "--as", "sigrid",
                                 "--project", str(study.root)])
    assert result.exit_code == 0, result.output
    events = read_log(study.log_path("project")).events
    assert [e.action for e in events][-1] == "sign" and events[-1].actor == "sigrid"
    assert {e.actor for e in events} == {"sigrid"} and "migrate" in {e.action for e in events}
    report = verify_project(study)
    assert report.problems == ()
    assert any(n.startswith(f"audit/project.log: lines 1-{len(events) - 1} signed by sigrid")
               for n in report.notes)


def test_redacting_without_a_key_in_a_project_with_keys_is_refused(study, runner):
    coding.apply(study, "hc01", "autonomy", span=NAME_SPAN, coder="anna")
    before = {p: p.read_bytes() for p in study.root.rglob("*")
              if p.is_file() and ".git" not in p.parts}
    result = runner.invoke(app, ["redact", "hc01", "--span", NAME_SPAN, "--reason", "consent",
                                 "--as", "nora", "--project", str(study.root)])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: nora has no key in audit/keys/")
    assert "Traceback" not in result.output
    after = {p: p.read_bytes() for p in study.root.rglob("*")
             if p.is_file() and ".git" not in p.parts}
    assert after == before


def test_a_withdrawn_document_can_still_be_redacted_from_the_logs(study, runner):
    """`docs withdraw` removes the text and names `qcode redact` for the quotes; redact
    then takes the words from the logs' own quotes, since the file is gone."""
    quote = "Nobody makes the list for us now"
    coding.apply(study, "hc01", "autonomy", quote=quote, coder="anna")
    coding.memo(study, f"Compare: {quote}.", doc="fn01", coder="emil")
    result = runner.invoke(app, ["docs", "withdraw", "hc01", "--reason", "consent withdrawn",
                                 "--as", "sigrid", "--project", str(study.root)])
    assert result.exit_code == 0, result.output
    assert "`qcode redact hc01 --reason ...` erases those quotes" in result.stderr
    result = runner.invoke(app, ["redact", "hc01", "--span", "0:4", "--reason", "consent",
                                 "--as", "sigrid", "--project", str(study.root)])
    assert result.exit_code == 2 and "redact it whole (without --span)" in result.stderr
    result = runner.invoke(app, ["redact", "hc01", "--reason", "consent withdrawn", "--as",
                                 "sigrid", "--project", str(study.root)])
    assert result.exit_code == 0, result.output
    for path in study.root.rglob("*"):
        if path.is_file() and ".git" not in path.relative_to(study.root).parts:
            assert quote.encode() not in path.read_bytes(), path
            assert b"We start with the list" not in path.read_bytes(), path
    assert verify_project(study).problems == ()


def test_the_terminal_view_signs_after_each_decision(tmp_path):
    """`qcode code --plain` (a real subprocess): every decision is followed by anna's
    signature, so a crash mid-session leaves nothing unsigned."""
    import os
    import sys
    from pathlib import Path

    from tui_support import INTERVIEW as DOC
    from tui_support import make_study as make_tui_study

    project = in_git(make_tui_study(tmp_path / "tui", coders=("anna", "ben")))
    init_key(project, "anna")
    commit(project.root, "anna's key")
    qcode = str(Path(sys.executable).with_name("qcode"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("QCODE_")}
    done = subprocess.run([qcode, "code", DOC, "--coder", "anna", "--plain", "--suggest", "off",
                           "-P", str(project.root)],
                          input="next 3\napply coordination\nnext\napply autonomy\nquit\n",
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    actions = [e.action for e in read_log(project.log_path("anna")).events]
    assert actions == ["apply", "sign", "apply", "sign"]
    assert verify_project(project).problems == ()


def test_no_cache_keeps_the_redacted_words(study, runner):
    """The index under .qcode/ (SQLite, whose free pages could keep deleted rows) held the
    words; after redact and a rebuild, no byte of the project folder outside .git does."""
    words = "Kari: We start with the list"
    coding.memo(study, f"As she puts it, {words}.", doc="hc01", coder="anna")
    result = runner.invoke(app, ["codings", "--project", str(study.root)])
    assert result.exit_code == 0, result.output
    index = study.root / ".qcode" / "index.sqlite"
    assert words.encode() in index.read_bytes()
    start = INTERVIEW.index(words)
    result = runner.invoke(app, ["redact", "hc01", "--span", f"{start}:{start + len(words)}",
                                 "--reason", "consent withdrawn", "--as", "sigrid",
                                 "--project", str(study.root)])
    assert result.exit_code == 0, result.output
    for args in (["codings"], ["memos"], ["audit", "verify"]):
        result = runner.invoke(app, [*args, "--project", str(study.root)])
        assert result.exit_code == 0, result.output
    assert index.exists()  # rebuilt from the redacted logs
    for path in study.root.rglob("*"):
        if path.is_file() and ".git" not in path.relative_to(study.root).parts:
            assert words.encode() not in path.read_bytes(), path


def test_an_unsigned_tail_is_a_broken_log_for_analyses(study, runner):
    """A crash between a command's lines and its signature (or a line slipped in): the
    analyses say so, --strict refuses, and no signing code is loaded to find it out."""
    path = study.log_path("anna")
    write_lines(path, lines_of(path)[:-1])
    result = runner.invoke(app, ["codings", "--project", str(study.root)])
    assert result.exit_code == 0, result.output
    assert "audit/anna.log line 1: an unsigned tail (no signature of anna follows" in result.stderr
    result = runner.invoke(app, ["codings", "--strict", "--project", str(study.root)])
    assert result.exit_code == 2 and "an unsigned tail" in result.stderr
    probe = ("import sys; from typer.testing import CliRunner; from qcode.cli import app; "
             f"r = CliRunner().invoke(app, ['codings', '--project', {str(study.root)!r}]); "
             "assert 'unsigned tail' in r.stderr, r.output; "
             "print(sorted(m for m in ('cryptography', 'paramiko') if m in sys.modules))")
    import sys

    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.stdout.strip() == "[]", done.stderr
    sign_log(study, "anna")
    result = runner.invoke(app, ["codings", "--strict", "--project", str(study.root)])
    assert result.exit_code == 0 and "unsigned tail" not in result.stderr
