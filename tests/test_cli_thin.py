"""A thin command line: fixed choices validated by Typer with a did-you-mean, modes as
sub-commands with their own help, old spellings kept for a release with a deprecation
line, and no command function longer than about 40 lines."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qcode.cli import app

runner = CliRunner()
MATRIX = "ann,bob,cy\n1,1,\n2,2,2\n3,3,3\n3,3,3\n2,2,2\n1,2,3\n4,4,4\n1,1,2\n2,2,2\n,5,5\n,,1\n"
SEGMENTS = "coder,begin,end,code\nann,0,10,a\nbob,0,10,a\nann,20,30,b\nbob,22,30,b\n"


def _run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def _refused(result, *names: str) -> str:
    """Exit 2 and one line on stderr naming ``names``."""
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for name in names:
        assert name in lines[0], (name, lines[0])
    assert "Value error" not in lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    from qcode.demo import init_sample

    folder = tmp_path_factory.mktemp("sample") / "study"
    init_sample(folder)
    return folder


@pytest.fixture
def matrix(tmp_path) -> Path:
    path = tmp_path / "m.csv"
    path.write_text(MATRIX, encoding="utf-8")
    return path


# ---------------------------------------------------------------- fixed choices


def test_an_unknown_coefficient_is_refused_not_ignored(matrix):
    line = _refused(_run("agree", "matrix", matrix, "--coefficient", "kappa"), "kappa")
    assert "alpha" in line  # the choices are named


def test_a_misspelt_coefficient_gets_the_nearest(matrix):
    _refused(_run("agree", "matrix", matrix, "--coefficient", "cohn"), "did you mean 'cohen'?")


@pytest.mark.parametrize("args,wrong,nearest", [
    (("agree", "matrix", "{m}", "--level", "ordnal"), "ordnal", "ordinal"),
    (("agree", "matrix", "{m}", "--ci", "bcaa"), "bcaa", "bca"),
    (("agree", "--set-distance", "jacard"), "jacard", "jaccard"),
    (("agree", "--unit", "sentense"), "sentense", "sentence"),
    (("agree", "--format", "jsn"), "jsn", "json"),
    (("audit", "stats", "--by", "cdoer"), "cdoer", "coder"),
    (("cooccur", "--measure", "jacard"), "jacard", "jaccard"),
    (("cooccur", "--unit", "turns"), "turns", "turn"),
    (("crosstab", "--by", "setting", "--unit", "paragraf"), "paragraf", "paragraph"),
    (("units", "hc01", "--kind", "sentance"), "sentance", "sentence"),
    (("init", "x", "--unit", "paragrph"), "paragrph", "paragraph"),
    (("report", "--unit", "sentense"), "sentense", "sentence"),
])
def test_a_typo_in_a_fixed_choice_is_one_line_with_the_nearest(args, wrong, nearest, matrix):
    line = _refused(_run(*(a.format(m=matrix) for a in args)), repr(wrong))
    assert f"did you mean {nearest!r}?" in line, line


def test_unit_kinds_have_one_definition():
    from qcode.corpus import metafile
    from qcode.project import UNIT_KINDS, UnitKind

    assert UNIT_KINDS == tuple(k.value for k in UnitKind) == ("sentence", "turn", "paragraph")
    assert metafile.UNIT_KINDS is UNIT_KINDS
    from qcode.agreement import project as agreement_project

    assert not hasattr(agreement_project, "UNIT_CHOICES")
    from qcode.report import build

    assert build.UNIT_KINDS is UNIT_KINDS


def test_the_command_line_choices_are_the_library_s():
    from qcode.agreement.coefficients import COEFFICIENTS
    from qcode.agreement.data import LEVELS
    from qcode.agreement.unitized import UNITIZED
    from qcode.cli import analysis_cmds, table_cmds
    from qcode.cooccurrence import MEASURES
    from qcode.stats import METHODS

    def values(kind):
        return tuple(m.value for m in kind)

    assert values(analysis_cmds.Coefficient) == tuple(COEFFICIENTS)
    assert values(analysis_cmds.UnitizedCoefficient) == tuple(UNITIZED)
    assert values(analysis_cmds.Level) == tuple(LEVELS)
    assert values(analysis_cmds.CiMethod) == tuple(METHODS)
    assert set(values(table_cmds.Measure)) == set(MEASURES)


def test_window_units_still_parse(sample):
    result = _run("agree", "-P", sample, "--code", "autonomy", "--unit", "window:400", "-f", "json")
    assert result.exit_code == 0, result.output
    _refused(_run("agree", "-P", sample, "--unit", "window:many"), "window:N")


def test_markdown_alias_md_on_a_listing(sample):
    long = _run("docs", "-P", sample, "--format", "markdown")
    short = _run("docs", "-P", sample, "-f", "md")
    assert long.exit_code == 0, long.output
    assert long.stdout == short.stdout and long.stdout.startswith("| doc |")


# ---------------------------------------------------------------- agree sub-commands


def test_agree_matrix_and_segments_are_sub_commands(matrix, tmp_path):
    new = _run("agree", "matrix", matrix, "--coefficient", "alpha", "-f", "json")
    old = _run("agree", "--matrix", matrix, "--coefficient", "alpha", "-f", "json")
    assert new.exit_code == 0 and old.exit_code == 0, (new.output, old.output)
    assert new.stdout == old.stdout and json.loads(new.stdout)[0]["coefficient"] == "alpha"
    assert new.stderr == ""
    [note] = old.stderr.splitlines()
    assert "deprecated" in note and "qcode agree matrix FILE" in note
    seg = tmp_path / "s.csv"
    seg.write_text(SEGMENTS, encoding="utf-8")
    new = _run("agree", "segments", seg, "-f", "csv")
    old = _run("agree", "--segments", seg, "-f", "csv")
    assert new.exit_code == 0, new.output
    assert new.stdout == old.stdout and "qcode agree segments FILE" in old.stderr


def test_agree_disagreements_is_a_sub_command(sample):
    new = _run("agree", "disagreements", "-P", sample, "--code", "autonomy", "-f", "json")
    old = _run("agree", "-P", sample, "--code", "autonomy", "--disagreements", "-f", "json")
    assert new.exit_code == 0, new.output
    assert new.stdout == old.stdout and json.loads(new.stdout)
    assert "qcode agree disagreements" in old.stderr and "deprecated" in old.stderr
    _refused(_run("agree", "disagreements", "-P", sample, "--unit", "char"), "'char'")


def test_agree_sub_commands_have_their_own_help():
    for sub, wanted, unwanted in (("matrix", "--level", "--set-distance"),
                                  ("segments", "--continuum", "--level"),
                                  ("disagreements", "--min-overlap", "--ci")):
        result = _run("agree", sub, "--help")
        assert result.exit_code == 0, result.output
        assert wanted in result.stdout and unwanted not in result.stdout, sub
    bare = _run("agree", "--help")
    assert "matrix" in bare.stdout and "--matrix" not in bare.stdout  # old spellings hidden


def test_bare_agree_still_computes_on_the_project(sample):
    result = _run("agree", "-P", sample, "--code", "autonomy", "-f", "json")
    assert result.exit_code == 0, result.output
    assert {r["code"] for r in json.loads(result.stdout)} == {"autonomy", None}


# ---------------------------------------------------------------- recode, docs


def test_recode_sub_commands_and_the_old_flags(sample, tmp_path):
    new = _run("recode", "review", "-P", sample, "-f", "json")
    old = _run("recode", "--review", "-P", sample, "-f", "json")
    assert new.exit_code == 0 and old.exit_code == 0, (new.output, old.output)
    assert new.stdout == old.stdout
    assert "qcode recode review" in old.stderr and "deprecated" in old.stderr
    for sub in ("run", "review", "undo"):
        assert _run("recode", sub, "--help").exit_code == 0
    assert "--dry-run" in _run("recode", "run", "--help").stdout
    assert "--dry-run" not in _run("recode", "undo", "--help").stdout
    _refused(_run("recode", "undo", "-P", sample, "--as", "sigrid"), "VERSION")


def test_recode_old_to_and_undo_run_the_sub_commands(sample, tmp_path):
    import shutil

    from qcode.codebook import dump_codebook, load_codebook
    from qcode.migrations.demo import version_two

    study = tmp_path / "study"
    shutil.copytree(sample, study)
    v2 = tmp_path / "v2.yaml"
    v2.write_text(dump_codebook(version_two(load_codebook(study / "codebook.yaml"))))
    args = ("--dry-run", "-P", study, "--as", "sigrid", "-f", "csv")
    new = _run("recode", "run", "--to", v2, *args)
    old = _run("recode", "--to", v2, *args)
    assert new.exit_code == 0 and old.exit_code == 0, (new.output, old.output)
    assert new.stdout == old.stdout and new.stdout.startswith("coder,from,to,outcome,codings")
    assert old.stderr.splitlines()[0].startswith(
        "Note: `qcode recode --to NEW.yaml` is deprecated; use `qcode recode run --to NEW.yaml`")
    assert old.stderr.splitlines()[1:] == new.stderr.splitlines()
    undo = _run("recode", "--undo", "7", "-P", study, "--as", "sigrid")
    assert undo.exit_code == 2
    note, error = undo.stderr.splitlines()
    assert "use `qcode recode undo VERSION`" in note and error.startswith("Error: No migration")


def test_orphans_sub_commands_and_the_old_flags(sample, tmp_path):
    new = _run("orphans", "void", "anna:1", "-P", sample)
    old = _run("orphans", "--void", "anna:1", "-P", sample)
    assert new.exit_code == old.exit_code == 2
    note, error = old.stderr.splitlines()
    assert "use `qcode orphans void ID`" in note and error == new.stderr.strip()
    for sub, wanted in (("place", "--quote"), ("void", "--as"), ("reanchor", "--as")):
        result = _run("orphans", sub, "--help")
        assert result.exit_code == 0 and wanted in result.stdout, sub
    assert "  --quote" not in _run("orphans", "--help").stdout  # an option of place only
    listed = _run("orphans", "-P", sample, "-f", "csv")
    assert listed.exit_code == 0 and listed.stdout.startswith("coding,coder,doc,code,span")


def test_docs_is_a_group_whose_bare_form_lists_documents(sample):
    from typer.main import get_command

    group = get_command(app).commands["docs"]
    assert hasattr(group, "commands")
    result = _run("docs", "-P", sample, "-f", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("doc,format,kind,language,words,turns")


# ---------------------------------------------------------------- size


def _command_functions() -> list[tuple[str, int]]:
    """(name, lines) of every function decorated as a command or callback in qcode/cli."""
    out = []
    for path in sorted((Path(__file__).resolve().parent.parent / "qcode" / "cli").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and any(
                    isinstance(d, ast.Call) and getattr(d.func, "attr", "") in ("command", "callback")
                    for d in node.decorator_list):
                out.append((f"{path.name}:{node.name}", node.end_lineno - node.lineno + 1))
    return out


def test_no_command_function_is_over_forty_lines():
    found = _command_functions()
    assert len(found) > 30
    # `suggest` (46 lines with its deprecated --evaluate options) belongs to the
    # suggestion commands' own rework; it is listed here so that it shrinks, not grows.
    allowed = {"suggest_cmds.py:suggest": 46}
    long = [(name, n) for name, n in found if n > allowed.get(name, 42)]
    assert not long, long


def test_a_bare_group_shows_its_help_not_an_error_line():
    result = _run("recode")
    assert result.exit_code == 2
    assert result.stderr.startswith("Usage: ") and " recode [OPTIONS]" in result.stderr
    assert "Error" not in result.stderr
    assert all(f"  {sub} " in result.stderr for sub in ("run", "review", "undo"))
