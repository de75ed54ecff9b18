"""qcode agree / cooccur / crosstab through the CLI: file modes, bad input, the sample project."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qcode.cli import app

runner = CliRunner()
SCHEMA = ["coefficient", "level", "code", "value", "units", "coders", "ci_low", "ci_high"]
MATRIX = "ann,bob,cy\n1,1,\n2,2,2\n3,3,3\n3,3,3\n2,2,2\n1,2,3\n4,4,4\n1,1,2\n2,2,2\n,5,5\n,,1\n"


def _run(*args: str):
    return runner.invoke(app, list(args))


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_matrix_json_has_the_stable_schema(tmp_path):
    f = _write(tmp_path / "m.csv", MATRIX)
    result = _run(
        "agree", "matrix", str(f), "--coefficient", "alpha", "--coefficient", "fleiss", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [list(r) for r in rows] == [SCHEMA, SCHEMA]
    assert rows[0]["coefficient"] == "alpha" and rows[0]["code"] is None and rows[0]["ci_low"] is None
    assert rows[0]["value"] == pytest.approx(0.765625) and rows[0]["coders"] == 3


def test_matrix_levels_and_bootstrap_interval(tmp_path):
    f = _write(tmp_path / "m.csv", MATRIX)
    result = _run(
        "agree",
        "matrix",
        str(f),
        "--level",
        "interval",
        "--ci",
        "bca",
        "--replicates",
        "500",
        "--seed",
        "3",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout)[0]
    assert row["level"] == "interval" and row["ci_high"] is not None
    assert row["ci_low"] <= row["value"] <= row["ci_high"]
    again = _run(
        "agree",
        "matrix",
        str(f),
        "--level",
        "interval",
        "--ci",
        "bca",
        "--replicates",
        "500",
        "--seed",
        "3",
        "--format",
        "json",
    )
    assert again.stdout == result.stdout  # seeded: same bytes


def test_matrix_declared_categories_change_brennan_prediger(tmp_path):
    f = _write(tmp_path / "m.csv", "a,b\nx,x\nx,x\ny,y\nx,y\n")
    plain = _run("agree", "matrix", str(f), "--coefficient", "brennan-prediger", "--format", "json")
    declared = _run(
        "agree",
        "matrix",
        str(f),
        "--coefficient",
        "brennan-prediger",
        "--categories",
        "x,y,z,w",
        "--format",
        "json",
    )
    assert json.loads(plain.stdout)[0]["value"] == pytest.approx(0.5)  # (.75 - .5) / .5
    assert json.loads(declared.stdout)[0]["value"] == pytest.approx(2 / 3)  # (.75 - .25) / .75


@pytest.mark.parametrize(
    ("text", "args", "message"),
    [
        ("a,b\n1,2\n3\n", (), "row 3 has 1 cells but the header names 2 coders"),
        ("a,b\n1,2\n3,high\n", ("--level", "interval"), "'high', not a number"),
        ("a\n1\n2\n", (), "at least two coder columns"),
        ("a,b\n,\n,\n", (), "every cell is empty"),
        ("a,b\n1,\n,2\n", (), "no unit has values from two coders"),
        ("a,b\n1,2\n", ("--coefficient", "kappa"), "'kappa' is not one of percent, cohen"),
        ("a,b,c\n1,2,1\n", ("--coefficient", "cohen"), "defined for two coders, not 3"),
    ],
)
def test_bad_matrix_input_is_one_line_and_exit_2(tmp_path, text, args, message):
    f = _write(tmp_path / "bad.csv", text)
    result = _run("agree", "matrix", str(f), *args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1
    assert "Traceback" not in result.output


def test_segments_mode(tmp_path):
    rows = [
        "coder,begin,end,code",
        "i,225,295,c",
        "i,370,400,c",
        "j,220,300,c",
        "j,355,375,c",
        "j,400,420,c",
        "i,180,240,k",
        "i,300,350,k",
        "j,180,240,k",
        "j,300,350,k",
    ]
    f = _write(tmp_path / "s.csv", "\n".join(rows) + "\n")
    result = _run(
        "agree",
        "segments",
        str(f),
        "--continuum",
        "150:450",
        "--coefficient",
        "u-alpha-2004",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert [r["code"] for r in out] == ["c", "k", None]
    assert out[0]["value"] == pytest.approx(0.7286, abs=5e-5) and out[0]["units"] == 300
    bad = _run("agree", "segments", str(_write(tmp_path / "b.csv", "i,5,2,c\n")))
    assert bad.exit_code == 2 and "empty or negative" in bad.output


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    from qcode.demo import init_sample

    folder = tmp_path_factory.mktemp("sample") / "study"
    init_sample(folder)
    return folder


def test_project_agree_rows_per_code_and_overall(sample):
    result = _run(
        "agree", "--project", str(sample), "--code", "autonomy", "--code", "leadership", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert all(list(r) == SCHEMA for r in rows)
    assert [(r["code"], r["coefficient"]) for r in rows] == [
        ("autonomy", "percent"),
        ("autonomy", "alpha"),
        ("leadership", "percent"),
        ("leadership", "alpha"),
        (None, "percent"),
        (None, "alpha"),
        (None, "alpha-masi"),
    ]
    assert all(r["coders"] == 2 for r in rows)
    assert rows[4]["units"] == 2 * rows[0]["units"]  # pooled over both codes


def test_project_agree_disagreements_char_mode_and_by(sample):
    dis = _run("agree", "disagreements", "--project", str(sample), "--code", "autonomy", "--format", "json")
    assert dis.exit_code == 0, dis.output
    recs = json.loads(dis.stdout)
    assert recs and all(r["code"] == "autonomy" and r["coded_by"] and r["not_coded_by"] for r in recs)
    chars = _run("agree", "--project", str(sample), "--code", "autonomy", "--unit", "char", "--format", "csv")
    assert chars.exit_code == 0, chars.output
    assert chars.stdout.splitlines()[0] == "code,doc,chars,coded,kappa,percent"
    by = _run("agree", "--project", str(sample), "--code", "autonomy", "--by", "setting", "--format", "json")
    assert by.exit_code == 0, by.output
    assert {tuple(r["group"]) for r in json.loads(by.stdout)} == {("setting",)}
    unknown = _run("agree", "--project", str(sample), "--code", "autonmy")
    assert unknown.exit_code == 2 and "did you mean 'autonomy'" in unknown.output


def test_cooccur_tables_are_symmetric_and_flag_five_fold(sample):
    result = _run("cooccur", "--project", str(sample), "--format", "json")
    assert result.exit_code == 0, result.output
    recs = json.loads(result.stdout)
    by_pair = {(r["code1"], r["code2"]): r for r in recs}
    for (a, b), r in by_pair.items():
        assert r["c"] is None or 0 <= r["c"] <= 1
        assert r["five_fold"] == (max(r["n1"], r["n2"]) > 5 * min(r["n1"], r["n2"]))
        if a == b:
            assert r["count"] == r["n1"]
    table = _run("cooccur", "--project", str(sample), "--overlap", "--measure", "c")
    assert table.exit_code == 0, table.output and "Co-occurrence (overlap, c)" in table.output
    ex = _run(
        "cooccur",
        "--project",
        str(sample),
        "--overlap",
        "--examples",
        "coordination",
        "autonomy",
        "--format",
        "json",
    )
    assert ex.exit_code == 0, ex.output
    assert all(r["text"] for r in json.loads(ex.stdout))


def test_crosstab_by_attribute(sample):
    result = _run(
        "crosstab",
        "--project",
        str(sample),
        "--by",
        "setting",
        "--unit",
        "paragraph",
        "--code",
        "autonomy",
        "--replicates",
        "1000",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    props = out["proportions"]
    assert {r["setting"] for r in props} == {"home care", "nursing home", "volunteer centre"}
    for d in out["differences"]:
        assert d["difference"] == pytest.approx(d["p1"] - d["p2"])
        if d["ci_low"] is not None:
            assert d["ci_low"] <= d["difference"] <= d["ci_high"]
    missing = _run("crosstab", "--project", str(sample), "--by", "colour")
    assert missing.exit_code == 2 and "No document has the attribute 'colour'" in missing.output


def test_crosstab_csv_is_one_table(sample):
    """A CSV reader gets one header and rows of one shape: the proportions, or with
    --table differences the differences, equal to the JSON's."""
    import csv
    import io

    args = ("crosstab", "--project", str(sample), "--by", "setting", "--code", "autonomy",
            "--replicates", "200", "--seed", "3")
    both = json.loads(_run(*args, "--format", "json").stdout)
    for part, kept in (("proportions", None), ("differences", "differences")):
        extra = ("--table", kept) if kept else ()
        result = _run(*args, *extra, "--format", "csv")
        assert result.exit_code == 0, result.output
        rows = list(csv.reader(io.StringIO(result.stdout)))
        assert len({len(r) for r in rows}) == 1 and sum(r[0] == "code" for r in rows) == 1
        records = list(csv.DictReader(io.StringIO(result.stdout)))
        assert len(records) == len(both[part]) > 0
        assert [r["code"] for r in records] == [r["code"] for r in both[part]]
    only = json.loads(_run(*args, "--table", "differences", "--format", "json").stdout)
    assert only == both["differences"]


def test_help_does_not_import_numpy():
    code = (
        "import sys; from qcode.cli import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('numpy', 'scipy')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_project_unitized_on_raw_spans(sample):
    result = _run(
        "agree",
        "--project",
        str(sample),
        "--unit",
        "none",
        "--code",
        "autonomy",
        "--code",
        "leadership",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(r["coefficient"], r["code"]) for r in rows[:3]] == [
        ("u-alpha-2004", "autonomy"),
        ("u-alpha-2004", "leadership"),
        ("u-alpha-2004", None),
    ]
    assert all(list(r) == SCHEMA and r["coders"] == 2 for r in rows)
