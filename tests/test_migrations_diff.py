"""``qcode codebook diff``: what changed between two codebooks, the steps proposed,
and --write putting the accepted ones into the new codebook's ``changes``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from qcode.cli import app
from qcode.codebook import load_codebook
from qcode.migrations import diff_codebooks, write_steps


def _evolve(repo: Path, tmp_path: Path) -> tuple[Path, Path]:
    """The home care codebook, and a version 2 of it: coordination renamed, competency
    merged into professionalism, tasks split in two, personnel retired, leadership
    redefined (comments and layout of the original kept in the header)."""
    old = repo / "codebooks" / "homecare.yaml"
    text = old.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    codes = {c["id"]: c for c in data["codes"]}
    codes["coordination"].update(id="coordinating-work", label="Coordinating work")
    keywords = codes["tasks"]["keywords"]
    care = dict(codes["tasks"], id="care-tasks", label="Care tasks", keywords=keywords[::2])
    practical = dict(codes["tasks"], id="practical-tasks", label="Practical tasks",
                     keywords=keywords[1::2])
    codes["professionalism"]["keywords"] += codes["competency"]["keywords"]
    codes["personnel"]["retired"] = True
    codes["leadership"]["definition"] += " It now includes the municipality's purchasers."
    new_codes = []
    for code in data["codes"]:
        if code["id"] == "competency":
            continue
        new_codes.extend([care, practical] if code["id"] == "tasks" else [code])
    head = text[:text.index("codes:")].replace("version: 1", "version: 2")
    new = tmp_path / "homecare-v2.yaml"
    new.write_text("# version 2, after the second round of coding\n" + head
                   + yaml.safe_dump({"codes": json.loads(json.dumps(new_codes))}, sort_keys=False,
                                    allow_unicode=True),  # copies: no shared lists, no *aliases
                   encoding="utf-8")
    return old, new

def test_diff_proposes_rename_split_merge_retire_redefine(repo, tmp_path):
    old, new = _evolve(repo, tmp_path)
    found = diff_codebooks(load_codebook(old), load_codebook(new))
    assert set(found.removed) == {"coordination", "competency", "tasks"}
    assert set(found.added) == {"coordinating-work", "care-tasks", "practical-tasks"}
    steps = [p.step.describe() for p in found.proposals]
    assert steps == ["split tasks -> care-tasks | practical-tasks (by rules)",
                     "rename coordination -> coordinating-work",
                     "merge competency -> professionalism", "retire personnel",
                     "redefine leadership"]
    assert found.unaccounted == ()

def test_write_adds_the_steps_and_keeps_the_file_s_comments(repo, tmp_path):
    old, new = _evolve(repo, tmp_path)
    before = new.read_text()
    found = diff_codebooks(load_codebook(old), load_codebook(new))
    codebook = write_steps(new, [p.step for p in found.proposals])
    after = new.read_text()
    assert after.startswith(before) and after.startswith("# version 2, after")
    assert [s.describe() for s in codebook.steps] == [p.step.describe() for p in found.proposals]
    assert "    rename: {from: coordination, to: coordinating-work}\n" in after
    assert diff_codebooks(load_codebook(old), codebook).proposals == ()

def test_a_step_that_does_not_check_leaves_the_file_as_it_was(repo, tmp_path):
    from qcode.codebook.steps import Step
    from qcode.errors import CodebookError

    _, new = _evolve(repo, tmp_path)
    before = new.read_bytes()
    with pytest.raises(CodebookError, match="unknown code 'nowhere'"):
        write_steps(new, [Step(2, "retire", ("nowhere",), (), "r")])
    assert new.read_bytes() == before

def test_diff_cli_lists_and_writes_chosen_steps(repo, tmp_path, runner):
    old, new = _evolve(repo, tmp_path)
    result = runner.invoke(app, ["codebook", "diff", str(old), str(new), "-f", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    proposed = [r for r in rows if r["what"] == "proposed"]
    assert [r["n"] for r in proposed] == [1, 2, 3, 4, 5]
    assert {r["code"] for r in rows if r["what"] == "removed"} == {"coordination", "competency",
                                                                   "tasks"}
    result = runner.invoke(app, ["codebook", "diff", str(old), str(new), "--write",
                                 "--step", "2", "--step", "4"])
    assert result.exit_code == 0, result.output
    assert [s.kind for s in load_codebook(new).steps] == ["rename", "retire"]
    result = runner.invoke(app, ["codebook", "diff", str(old), str(new), "--write", "--step", "9"])
    assert result.exit_code == 2 and "No proposal number 9" in result.output

def test_diff_write_needs_a_new_version(repo, tmp_path, runner):
    old = repo / "codebooks" / "homecare.yaml"
    same = tmp_path / "same.yaml"
    same.write_text(old.read_text().replace("label: Autonomy", "label: Room to decide"))
    result = runner.invoke(app, ["codebook", "diff", str(old), str(same), "--write"])
    assert result.exit_code == 2 and "raise 'version'" in result.output
    assert same.read_text() == old.read_text().replace("label: Autonomy", "label: Room to decide")

def test_a_removed_code_without_a_step_is_reported(tmp_path, runner):
    old = tmp_path / "a.yaml"
    new = tmp_path / "b.yaml"
    old.write_text("version: 1\ncodes:\n  - {id: alpha, label: Alpha, definition: x}\n"
                   "  - {id: beta, label: Beta, definition: y}\n")
    new.write_text("version: 2\ncodes:\n  - {id: alpha, label: Alpha, definition: x}\n")
    result = runner.invoke(app, ["codebook", "diff", str(old), str(new)])
    assert result.exit_code == 0, result.output
    assert "Removed without a step: 'beta'" in result.output
