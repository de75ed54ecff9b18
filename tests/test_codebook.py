"""The codebook model: loading, every problem with file:line:column, dumping."""

from __future__ import annotations

from pathlib import Path

import pytest

from qcode.codebook import (
    Code,
    Codebook,
    check,
    dump_codebook,
    load_codebook,
    parse_codebook,
)
from qcode.errors import CodebookError, InputError, UnknownCodeError
from qcode.hints import did_you_mean

GOOD = """\
version: 3
name: Home care
codes:
  - id: coordination
    label: Coordination
    definition: Work that fits visits, people and information together.
    include: Planning the route, handovers.
    exclude: Clinical decisions.
    examples: ["We swap visits on the phone."]
    keywords: [coordinate, route, handover]
    exclude_keywords: [coordinates]
    colour: "#1f77b4"
    children:
      - id: coordination/handover
        label: Handover
        definition: Passing information between shifts.
        patterns:
          - [{LEMMA: hand}, {LOWER: over}]
          - [{LOWER: {IN: [report, rapport]}}, {OP: "?"}]
  - id: autonomy
    label: Autonomy
    definition: The team decides for itself.
    colour: green
  - id: old
    label: Old code
    definition: No longer used.
    retired: true
"""


def write(tmp_path: Path, text: str, name: str = "codebook.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_load_a_good_codebook(tmp_path):
    cb = load_codebook(write(tmp_path, GOOD))
    assert cb.version == 3
    assert cb.name == "Home care"
    assert cb.ids == ("coordination", "coordination/handover", "autonomy", "old")
    coord = cb.require("coordination")
    assert coord.keywords == ("coordinate", "route", "handover")
    assert coord.examples == ("We swap visits on the phone.",)
    assert coord.exclude_keywords == ("coordinates",)
    assert coord.colour == "#1f77b4"
    assert cb.get("coordination/handover").parent == "coordination"
    assert len(cb.get("coordination/handover").patterns) == 2
    assert cb.children(None) == (cb.get("coordination"), cb.get("autonomy"), cb.get("old"))
    assert cb.children("coordination") == (cb.get("coordination/handover"),)
    assert cb.depth("coordination/handover") == 1
    assert [c.id for c in cb.active()] == ["coordination", "coordination/handover", "autonomy"]
    assert check(tmp_path / "codebook.yaml") == []


def test_require_finds_labels_and_suggests(tmp_path):
    cb = load_codebook(write(tmp_path, GOOD))
    assert cb.require("Autonomy").id == "autonomy"
    with pytest.raises(UnknownCodeError, match="did you mean 'autonomy'"):
        cb.require("autonmy")
    assert did_you_mean("zzzz", ["autonomy"]) == ""


def test_parent_references_build_the_tree(tmp_path):
    text = (
        "version: 1\ncodes:\n"
        "  - {id: who, label: Who coordinates, definition: d}\n"
        "  - {id: who/unit, label: Care unit, definition: d, parent: who}\n"
    )
    cb = load_codebook(write(tmp_path, text))
    assert cb.children("who") == (cb.get("who/unit"),)


def problems_of(tmp_path, text):
    return [str(p) for p in check(write(tmp_path, text))]


def test_duplicate_ids_name_both_lines(tmp_path):
    text = (
        "version: 1\n"              # 1
        "codes:\n"                  # 2
        "  - id: tasks\n"           # 3
        "    definition: d\n"       # 4
        "  - id: time\n"            # 5
        "    definition: d\n"       # 6
        "    children:\n"           # 7
        "      - id: tasks\n"       # 8
        "        definition: d\n"   # 9
    )
    assert problems_of(tmp_path, text) == [
        f"{tmp_path / 'codebook.yaml'}:8:9: error: duplicate code id 'tasks' (first at line 3)",
    ]


def test_unknown_keys_with_suggestions(tmp_path):
    text = (
        "version: 1\n"
        "codes:\n"
        "  - id: tasks\n"
        "    definiton: d\n"        # 4: typo
        "colours: none\n"           # 5: unknown top-level key
    )
    found = problems_of(tmp_path, text)
    src = tmp_path / "codebook.yaml"
    assert found[0].startswith(f"{src}:3:5: warning: code 'tasks' has an empty definition")
    assert found[1].startswith(f"{src}:4:5: error: unknown key 'definiton'; did you mean 'definition'?")
    assert found[2].startswith(f"{src}:5:1: error: unknown key 'colours'")
    assert len(found) == 3


def test_cycles_in_parent_references(tmp_path):
    text = (
        "version: 1\n"
        "codes:\n"
        "  - id: a\n"               # 3
        "    definition: d\n"
        "    parent: c\n"           # 5
        "  - id: b\n"
        "    definition: d\n"
        "    parent: a\n"           # 8
        "  - id: c\n"
        "    definition: d\n"
        "    parent: b\n"           # 11
    )
    found = problems_of(tmp_path, text)
    src = tmp_path / "codebook.yaml"
    assert found == [
        f"{src}:5:5: error: cycle in parents: a -> c -> b -> a",
        f"{src}:8:5: error: cycle in parents: b -> a -> c -> b",
        f"{src}:11:5: error: cycle in parents: c -> b -> a -> c",
    ]
    with pytest.raises(CodebookError, match="cycle in parents"):
        load_codebook(src)


def test_unknown_parent_and_nested_code_with_parent(tmp_path):
    text = (
        "version: 1\n"
        "codes:\n"
        "  - id: a\n"
        "    definition: d\n"
        "    parent: aa\n"          # 5
        "    children:\n"
        "      - id: b\n"
        "        definition: d\n"
        "        parent: a\n"       # 9
    )
    found = problems_of(tmp_path, text)
    assert any(":5:5: error: parent 'aa' is not a code" in p for p in found)
    assert any(":9:9: error: code 'b' is nested under 'a' and also names a parent" in p for p in found)


def test_bad_patterns(tmp_path):
    text = (
        "version: 1\n"
        "codes:\n"
        "  - id: a\n"
        "    definition: d\n"
        "    patterns:\n"
        "      - [{LEMA: visit}]\n"                 # 6: unknown attribute
        "      - [{LOWER: x, OP: '%'}]\n"           # 7: bad operator
        "      - [{TEXT: {REGEX: '(unclosed'}}]\n"  # 8: bad regex
        "      - []\n"                              # 9: empty pattern
        "      - [{LOWER: {LIKE: x}}]\n"            # 10: bad value operator
    )
    found = problems_of(tmp_path, text)
    assert len(found) == 5, found
    assert ":6:11: error: unknown token attribute 'LEMA'; did you mean 'LEMMA'?" in found[0]
    assert ":7:21: error: unknown operator '%'" in found[1]
    assert ":8:11: error: bad REGEX" in found[2]
    assert ":9:9: error: a pattern is a non-empty list" in found[3]
    assert ":10:11: error: unknown value operator 'LIKE'" in found[4]


def test_empty_definitions_are_warnings_only(tmp_path):
    text = "version: 1\ncodes:\n  - id: a\n    label: A\n  - id: b\n    definition: '  '\n"
    path = write(tmp_path, text)
    problems = check(path)
    assert [(p.severity, p.line, p.column) for p in problems] == [
        ("warning", 3, 5), ("warning", 5, 5),
    ]
    assert load_codebook(path).ids == ("a", "b")


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("version: 1\ncodes:\n  - id: Bad Id\n", "3:5", "code id 'Bad Id' must be"),
        ("version: 1\ncodes:\n  - label: no id\n", "3:5", "code id None must be"),
        ("version: 1\ncodes: {a: 1}\n", "2:1", "'codes' must be a list"),
        ("version: [1]\ncodes: []\n", "1:1", "'version' must be"),
        ("version: 1\ncodes:\n  - id: a\n    definition: d\n    colour: blurple\n", "5:5",
         "colour 'blurple'"),
        ("version: 1\ncodes:\n  - id: a\n    definition: d\n    keywords: word\n", "5:5",
         "'keywords' must be a list"),
        ("version: 1\ncodes:\n  - id: a\n    definition: [d]\n", "4:5", "'definition' must be text"),
        ("version: 1\ncodes:\n  - id: a\n    id: b\n", "4:5", "duplicate key 'id'"),
        ("version: 1\ncodes:\n  - id: a\n  definition: [unclosed\n", "4:3", "malformed YAML"),
        ("- just\n- a list\n", "1:1", "a codebook is a mapping"),
    ],
)
def test_each_error_has_file_line_column(tmp_path, text, where, message):
    # A problem with a value points at its key (qcode.yamlio marks).
    path = write(tmp_path, text)
    errors = [p for p in check(path) if p.severity == "error"]
    assert errors, check(path)
    assert f"{path}:{where}: error: " in str(errors[0])
    assert message in str(errors[0])
    with pytest.raises(CodebookError, match=message.replace("[", r"\[")):
        load_codebook(path)


def test_load_names_how_many_more_errors(tmp_path):
    path = write(tmp_path, "version: 1\ncodes:\n  - id: A\n  - id: B\n")
    with pytest.raises(CodebookError, match=r"and 1 more; run `qcode codebook check"):
        load_codebook(path)


def test_unreadable_codebook_files(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_codebook(tmp_path / "missing.yaml")
    (tmp_path / "latin.yaml").write_bytes("version: 1\nname: bl\xe5\n".encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8"):
        load_codebook(tmp_path / "latin.yaml")
    [problem] = check(tmp_path / "missing.yaml")
    assert problem.severity == "error" and "no such file" in problem.message


def test_dump_then_parse_is_identity(tmp_path):
    cb = load_codebook(write(tmp_path, GOOD))
    again, problems = parse_codebook(dump_codebook(cb), "again.yaml")
    assert problems == []
    assert again == cb


def test_dump_is_deterministic_and_nested():
    cb = Codebook(version=2, codes=(
        Code(id="a", label="A", definition="first"),
        Code(id="a/b", label="B", definition="second", parent="a"),
    ))
    assert dump_codebook(cb) == (
        "version: 2\n"
        "codes:\n"
        "- id: a\n"
        "  label: A\n"
        "  definition: first\n"
        "  children:\n"
        "  - id: a/b\n"
        "    label: B\n"
        "    definition: second\n"
    )


def test_shipped_codebooks_load_without_errors(repo):
    for path in sorted((repo / "codebooks").glob("*.yaml")):
        errors = [p for p in check(path) if p.severity == "error"]
        assert errors == [], path
        assert load_codebook(path).codes
