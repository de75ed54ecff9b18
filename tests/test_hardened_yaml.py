"""Every YAML file qcode reads goes through one loader that refuses what plain data
never needs: aliases, tags beyond the plain ones, keys that are not text, deep
nesting, huge scalars; each refusal names file:line and exits 2."""

from __future__ import annotations

import pytest

from qcode import yamlio
from qcode.cli import app
from qcode.errors import InputError

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))

HOSTILE = {
    "alias bomb": (BOMB, "aliases"),
    "self-reference": ("&a [*a]\n", "aliases"),
    "deep nesting": ("[" * 5000 + "]" * 5000, "nest"),
    "deep block nesting": "".join("  " * i + "- \n" for i in range(200)),
    "list as key": ("? [a, b]\n: c\n", "cannot be a key"),
    "number as key": ("1: a\n", "not text"),
    "bad int": ("a: !!int x\n", "not a valid int"),
    "empty int": ("a: !!int\n", "not a valid int"),  # found by the fuzz suite
    "bad timestamp": ("a: !!timestamp 2020-13-45\n", "not a valid timestamp"),
    "implicit bad date": ("a: 2020-13-45\n", "not a valid timestamp"),
    "5000 digits": ("a: " + "9" * 5000 + "\n", "a number of 5,000"),
    "python tag": ("label: !!python/object/apply:os.system [ls]\n", "!!python/object"),
    "set tag": ("a: !!set {x: null}\n", "!!set"),
    "binary tag": ("a: !!binary aGVsbG8=\n", "!!binary"),
    "custom tag": ("a: !mine x\n", "!mine"),
    "huge scalar": ("a: " + "x" * 200_000 + "\n", "200,000 characters"),
    "two documents": ("a: 1\n---\nb: 2\n", "more than one YAML document"),
    "duplicate key": ("a: 1\na: 2\n", "duplicate key"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_the_loader_refuses_hostile_yaml_with_file_and_line(name):
    case = HOSTILE[name]
    text, needle = case if isinstance(case, tuple) else (case, "nested more than")
    for load in (yamlio.loads, lambda t, s: yamlio.load_with_marks(t, s)[0]):
        with pytest.raises(InputError) as caught:
            load(text, "codebook.yaml")
        assert caught.value.message.startswith("codebook.yaml:"), caught.value.message
        assert needle in caught.value.message


def test_plain_yaml_loads_as_before():
    text = "version: 2\nname: Study\ncodes:\n  - id: a\n    label: 'A: b'\n    retired: true\n"
    data, marks = yamlio.load_with_marks(text, "x")
    assert data == {"version": 2, "name": "Study",
                    "codes": [{"id": "a", "label": "A: b", "retired": True}]}
    assert marks[("codes", 0, "label")] == (5, 5) and marks[("version",)] == (1, 1)
    assert yamlio.loads("when: 2020-01-02\nx: ~\ny: 1.5\n", "x")["x"] is None


def codebook_command(runner, tmp_path, text):
    from qcode.project import init_project

    project = init_project(tmp_path / "p")
    (project.root / "codebook.yaml").write_text(text, encoding="utf-8")
    return runner.invoke(app, ["codebook", "show", "-P", str(project.root)])


@pytest.mark.parametrize("name", ["alias bomb", "deep nesting", "list as key", "python tag",
                                  "5000 digits", "bad timestamp"])
def test_a_hostile_codebook_is_one_line_and_exit_2(runner, tmp_path, name):
    case = HOSTILE[name]
    text = f"version: 1\ncodes:\n  - id: a\n    label: {case[0]}" if name == "python tag" \
        else case[0]
    result = codebook_command(runner, tmp_path, text)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert "codebook.yaml:" in result.stderr and "Traceback" not in result.output


def test_hostile_qcode_yaml_and_config_and_metadata_are_refused(runner, tmp_path, monkeypatch):
    from qcode.project import init_project

    project = init_project(tmp_path / "p")
    (project.root / "qcode.yaml").write_text(BOMB, encoding="utf-8")
    result = runner.invoke(app, ["docs", "-P", str(project.root)])
    assert result.exit_code == 2 and "qcode.yaml:2:" in result.stderr, result.output
    project = init_project(tmp_path / "q")
    config = tmp_path / ".config" / "qcode" / "config.yaml"
    config.parent.mkdir(parents=True)
    config.write_text("coder: !!python/name:os.system\n", encoding="utf-8")
    result = runner.invoke(app, ["apply", "x", "a", "--quote", "x", "-P", str(project.root)])
    assert result.exit_code == 2 and "config.yaml:1:" in result.stderr, result.output


def test_non_utf8_document_metadata_is_one_line(runner, tmp_path):
    from qcode.project import init_project

    project = init_project(tmp_path / "p")
    source = tmp_path / "note.txt"
    source.write_text("A note. Two sentences.\n", encoding="utf-8")
    assert runner.invoke(app, ["ingest", str(source), "-P", str(project.root)]).exit_code == 0
    meta = project.root / "documents" / "note.yaml"
    meta.write_bytes(meta.read_bytes().replace(b"source:", b"source: \xff\xfe"))
    result = runner.invoke(app, ["show", "note", "--no-pager", "-P", str(project.root)])
    assert result.exit_code == 2, result.output
    assert "note.yaml" in result.stderr and "Traceback" not in result.output
