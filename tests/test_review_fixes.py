"""Regression tests for small bugs in error messages and report filters."""

from __future__ import annotations

import pytest
from audit_support import audit_bytes, make_study

from qcode.cli import app


@pytest.fixture
def study(tmp_path):
    return make_study(tmp_path / "study")


def run(runner, study, *args):
    return runner.invoke(app, [*map(str, args), "--project", str(study.root)])


def test_retired_code_message_names_the_codebook_without_machine_path(runner, study):
    before = audit_bytes(study)
    result = run(runner, study, "apply", "hc01", "old-code", "--unit", "1", "--coder", "anna")
    assert result.exit_code == 2, result.output
    assert "retired in codebook.yaml;" in result.output
    assert str(study.root) not in result.output
    assert audit_bytes(study) == before


def _coded_by_two(runner, study):
    for coder in ("anna", "ben"):
        result = run(runner, study, "apply", "hc01", "leadership", "--unit", "2", "--coder", coder)
        assert result.exit_code == 0, result.output


@pytest.mark.parametrize("unit", ["char", "none"])
def test_disagreements_refuse_char_and_none_without_contradiction(runner, study, unit):
    _coded_by_two(runner, study)
    result = run(runner, study, "agree", "disagreements", "--unit", unit)
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"Error: Invalid value for '--unit': {unit!r} is not one "
                                    "of sentence, turn, paragraph, doc, window:N.")
    assert result.output.count("\n") == 1


def test_cooccur_unit_error_lists_only_units_it_takes(runner, study):
    _coded_by_two(runner, study)
    result = run(runner, study, "cooccur", "--unit", "char")
    assert result.exit_code == 2, result.output
    assert "is not one of sentence, turn, paragraph, doc, window:N." in result.output


def test_agree_unknown_unit_lists_char_and_none(runner, study):
    _coded_by_two(runner, study)
    result = run(runner, study, "agree", "--unit", "chars")
    assert result.exit_code == 2, result.output
    assert "doc, char, none, window:N; did you mean 'char'?" in result.output
    assert "none" in runner.invoke(app, ["agree", "--help"]).output


def test_commands_taking_as_ask_for_as_not_coder(runner, study):
    before = audit_bytes(study)
    result = run(runner, study, "orphans", "void", "anna:1")
    assert result.exit_code == 2, result.output
    assert result.output.startswith("Error: Who is coding? Pass --as NAME,")
    result = run(runner, study, "orphans", "void", "anna:1", "--coder", "anna")
    assert result.exit_code == 2 and "No such option: --coder" in result.output
    result = run(runner, study, "apply", "hc01", "leadership", "--unit", "1")
    assert result.output.startswith("Error: Who is coding? Pass --coder NAME,")
    assert audit_bytes(study) == before


def test_codings_filter_with_unknown_code_or_document_is_an_error(runner, study):
    _coded_by_two(runner, study)
    result = run(runner, study, "codings", "--code", "leadershp")
    assert result.exit_code == 2, result.output
    assert "did you mean 'leadership'?" in result.output
    result = run(runner, study, "codings", "--doc", "hc1")
    assert result.exit_code == 2, result.output
    assert result.output.startswith("Error: No document 'hc1' in this project;")
    result = run(runner, study, "codings", "--code", "autonomy", "--doc", "fn01", "--format", "csv")
    assert result.exit_code == 0, result.output
    result = run(runner, study, "codings", "--code", "leadership", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.output.count("leadership") == 2


def test_cooccur_examples_with_unknown_code_is_an_error(runner, study):
    _coded_by_two(runner, study)
    result = run(runner, study, "cooccur", "--examples", "leadership", "autonomi")
    assert result.exit_code == 2, result.output
    assert "did you mean 'autonomy'?" in result.output
    result = run(runner, study, "cooccur", "--examples", "leadership", "autonomy")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("args", [["cooccur"], ["crosstab", "--by", "team"]])
def test_reports_on_a_project_without_codings_do_not_speak_of_agreement(runner, study, args):
    result = run(runner, study, *args)
    assert result.exit_code == 2, result.output
    assert "this report needs at least 1" in result.output
    assert "agreement" not in result.output


@pytest.mark.parametrize("line", ["a leadership", "accept nope", "undo 3", "again coordination"])
def test_plain_decisions_with_stray_words_write_nothing(tmp_path, line):
    import io

    import tui_support

    from qcode.tui.plain import Plain
    from qcode.tui.session import Session

    study = tui_support.make_study(tmp_path / "tui")
    session = Session(study, "anna", doc=tui_support.INTERVIEW, clock=tui_support.clock(),
                      suggest=False)
    out, err = io.StringIO(), io.StringIO()
    plain = Plain(session, out, err)
    plain.handle("apply 2")
    before = tui_support.log_bytes(study)
    plain.handle(line)
    assert "takes nothing after it" in err.getvalue()
    assert tui_support.log_bytes(study) == before
    assert plain.failed == 1


def test_apply_from_a_csv_without_rows_says_so(runner, study, tmp_path):
    (tmp_path / "none.csv").write_text("doc,code,unit\n", encoding="utf-8")
    before = audit_bytes(study)
    result = run(runner, study, "apply", "--from", "none.csv", "--coder", "anna")
    assert result.exit_code == 0, result.output
    assert result.output == "anna: none.csv has no rows; nothing was written.\n"
    assert audit_bytes(study) == before


def test_memos_filter_with_unknown_code_or_document_is_an_error(runner, study):
    result = run(runner, study, "memo", "--code", "leadership", "Absent leaders.", "--coder", "anna")
    assert result.exit_code == 0, result.output
    result = run(runner, study, "memos", "--code", "leadershp")
    assert result.exit_code == 2, result.output
    assert "did you mean 'leadership'?" in result.output
    result = run(runner, study, "memos", "--doc", "hc1")
    assert result.exit_code == 2, result.output
    result = run(runner, study, "memos", "--code", "leadership", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert "Absent leaders." in result.output


def test_agree_refuses_a_coder_without_codings(runner, tmp_path):
    from qcode.cli import app
    from qcode.demo import init_sample

    study = init_sample(tmp_path / "study")
    result = runner.invoke(app, ["-P", str(study.root), "agree", "--coder", "astrid",
                                 "--coder", "emill"])
    assert result.exit_code == 2
    assert "Coder 'emill' has no codings in this project; coders with codings:" in result.stderr
    assert result.stderr.rstrip().endswith("; did you mean 'emil'?")


def test_an_empty_codebook_is_a_warning(tmp_path):
    from qcode.codebook import check

    path = tmp_path / "codebook.yaml"
    path.write_text("version: 1\ncodes: []\n", encoding="utf-8")
    problems = check(path)
    assert [(p.severity, p.line) for p in problems] == [("warning", 2)]
    assert "no codes yet" in problems[0].message


def test_did_you_mean_stays_quiet_for_unrelated_names():
    from qcode.hints import did_you_mean

    assert did_you_mean("nope", ["competency", "coordination", "autonomy"]) == ""
    assert did_you_mean("coordinaton", ["coordination", "autonomy"]) == "; did you mean 'coordination'?"


def test_an_empty_document_id_is_refused(project, tmp_path):
    from qcode.corpus.ingest import ingest
    from qcode.errors import InputError

    note = tmp_path / "note.txt"
    note.write_text("A note.\n", encoding="utf-8")
    with pytest.raises(InputError, match="Document id '' is not allowed"):
        ingest(project, [note], doc_id="")
    assert not list(project.documents_dir.iterdir())
