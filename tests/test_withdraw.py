"""qcode docs withdraw: recorded in project.log, the text removed, its codings out of
every view and export, and what stays in the logs said."""

from __future__ import annotations

import csv
import io

from audit_support import make_study

from qcode.audit.log import read_log
from qcode.cli import app


def test_a_withdrawn_document_leaves_every_view(runner, tmp_path):
    study = make_study(tmp_path / "study")
    for doc, quote in (("hc01", "We start with the list."),
                       ("fn01", "Arrived at the base at seven.")):
        for coder in ("anna", "ben"):
            result = runner.invoke(app, ["apply", doc, "coordination", "--quote", quote,
                                         "--coder", coder, "-P", str(study.root)])
            assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["docs", "withdraw", "hc01", "--reason", "consent withdrawn",
                                 "--as", "anna", "-P", str(study.root)])
    assert result.exit_code == 0, result.output
    assert "audit/project.log" in result.stderr and "quote" in result.stderr
    assert not (study.documents_dir / "hc01.txt").exists()
    assert not (study.documents_dir / "hc01.yaml").exists()
    from qcode.migrations.withdraw import withdrawn_documents

    event = read_log(study.audit_dir / "project.log").events[-1]
    assert event.action == "docversion" and event.doc == "hc01" and event.docv is None
    assert withdrawn_documents(study)["hc01"]["reason"] == "consent withdrawn"
    docs = runner.invoke(app, ["docs", "--format", "csv", "-P", str(study.root)])
    assert [r["doc"] for r in csv.DictReader(io.StringIO(docs.stdout))] == ["fn01"]
    codings = runner.invoke(app, ["codings", "--format", "csv", "-P", str(study.root)])
    assert [r["doc"] for r in csv.DictReader(io.StringIO(codings.stdout))] == ["fn01"] * 2
    assert "2 coding(s) of withdrawn documents left out" in codings.stderr
    for args in (["agree", "--format", "json"], ["cooccur", "--format", "json"]):
        out = runner.invoke(app, [*args, "-P", str(study.root)])
        assert out.exit_code == 0, out.output
        assert "hc01" not in out.stdout
    again = runner.invoke(app, ["docs", "withdraw", "hc01", "--reason", "x", "--as", "anna",
                                "-P", str(study.root)])
    assert again.exit_code == 2 and "was withdrawn on" in again.stderr
    verify = runner.invoke(app, ["audit", "verify", "-P", str(study.root)])
    assert verify.exit_code == 0, verify.output


def test_withdraw_needs_a_reason_and_a_known_document(runner, tmp_path):
    study = make_study(tmp_path / "study")
    for args in (["hc01", "--reason", "  "], ["nosuch", "--reason", "r"],
                 ["../../x", "--reason", "r"]):
        result = runner.invoke(app, ["docs", "withdraw", *args, "--as", "anna",
                                     "-P", str(study.root)])
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith("Error: ")
    assert (study.documents_dir / "hc01.txt").exists()
    assert not (study.audit_dir / "project.log").exists() or "withdrawn" not in (
        study.audit_dir / "project.log").read_text(encoding="utf-8")


def test_an_interrupted_withdrawal_is_finished_by_running_it_again(runner, tmp_path):
    from qcode.audit.ops import append_events
    from qcode.corpus import load_document

    study = make_study(tmp_path / "study")
    version = load_document(study, "hc01").version
    append_events(study, "project", [{"actor": "anna", "action": "docversion", "doc": "hc01",
                                      "docv": None, "data": {"withdrawn": True, "reason": "r",
                                                             "previous": version}}])
    result = runner.invoke(app, ["docs", "withdraw", "hc01", "--reason", "r", "--as", "anna",
                                 "-P", str(study.root)])
    assert result.exit_code == 0, result.output
    assert "withdrawn before" in result.stderr and not (study.documents_dir / "hc01.txt").exists()


def test_memos_on_a_withdrawn_document_leave_the_memos_view(runner, tmp_path):
    """What a memo says about a withdrawn participant is out of view with the text."""
    study = make_study(tmp_path / "study")
    for args in (["memo", "hc01", "Anna's reading of the participant."],
                 ["memo", "fn01", "A memo that stays."],
                 ["apply", "hc01", "coordination", "--quote", "We start with the list.",
                  "--memo", "On the list."]):
        result = runner.invoke(app, [*args, "--coder", "anna", "-P", str(study.root)])
        assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["docs", "withdraw", "hc01", "--reason", "consent withdrawn",
                                 "--as", "anna", "-P", str(study.root)])
    assert result.exit_code == 0, result.output
    memos = runner.invoke(app, ["memos", "--format", "csv", "-P", str(study.root)])
    assert memos.exit_code == 0, memos.output
    assert [r["text"] for r in csv.DictReader(io.StringIO(memos.stdout))] == ["A memo that stays."]
