"""The coder registry: an unknown --coder is refused with a did-you-mean before anything
is written; `qcode coders add` adds one file per coder, so two clones that each add a
coder merge without a conflict."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from audit_support import make_study

from qcode.cli import app


@pytest.fixture
def study(tmp_path):
    return make_study(tmp_path / "study", coders=("anna", "ingrid"))


def apply(runner, study, coder):
    return runner.invoke(app, ["apply", "hc01", "coordination", "--quote", "We start with the "
                               "list.", "--coder", coder, "-P", str(study.root)])


def test_a_typo_of_a_listed_coder_is_refused_and_writes_nothing(runner, study):
    result = apply(runner, study, "ingird")
    assert result.exit_code == 2, result.output
    assert "did you mean 'ingrid'?" in result.stderr and "qcode coders add" in result.stderr
    assert not (study.audit_dir / "ingird.log").exists()
    for args in (["memo", "hc01", "a note", "--coder", "ingird"],
                 ["code", "hc01", "--plain", "--coder", "ingird"]):
        out = runner.invoke(app, [*args, "-P", str(study.root)], input="quit\n")
        assert out.exit_code == 2, (args, out.output)
    assert not (study.audit_dir / "ingird.log").exists()


def test_an_added_coder_may_code(runner, study):
    added = runner.invoke(app, ["coders", "add", "nils", "--as", "anna", "-P", str(study.root)])
    assert added.exit_code == 0, added.output
    assert (study.audit_dir / "coders" / "nils.yaml").is_file()
    assert apply(runner, study, "nils").exit_code == 0
    listed = runner.invoke(app, ["coders", "--format", "csv", "-P", str(study.root)])
    assert listed.stdout.splitlines()[1:] == ["anna,qcode.yaml", "ingrid,qcode.yaml",
                                              "nils,audit/coders/nils.yaml"]
    again = runner.invoke(app, ["coders", "add", "nils", "--as", "anna", "-P", str(study.root)])
    assert again.exit_code == 2 and "already" in again.stderr


def test_only_the_lead_adds_coders_when_there_is_one(runner, study):
    settings = study.root / "qcode.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + "audit:\n  lead: anna\n",
                        encoding="utf-8")
    refused = runner.invoke(app, ["coders", "add", "nils", "--as", "ingrid",
                                  "-P", str(study.root)])
    assert refused.exit_code == 2 and "lead (anna)" in refused.stderr
    assert runner.invoke(app, ["coders", "add", "nils", "--as", "anna",
                               "-P", str(study.root)]).exit_code == 0


def git(cwd, *args):
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
                               "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org",
                               "HOME": str(cwd), "PATH": "/usr/bin:/bin"})


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_two_clones_that_each_add_a_coder_merge_without_conflict(runner, study, tmp_path):
    git(study.root, "init", "-q", "-b", "main")
    git(study.root, "add", "-A")
    git(study.root, "commit", "-q", "-m", "start")
    for clone, name in (("one", "nils"), ("two", "sigrid")):
        git(tmp_path, "clone", "-q", str(study.root), clone)
        added = runner.invoke(app, ["coders", "add", name, "--as", "anna",
                                    "-P", str(tmp_path / clone)])
        assert added.exit_code == 0, added.output
        git(tmp_path / clone, "add", "-A")
        git(tmp_path / clone, "commit", "-q", "-m", f"add {name}")
    git(tmp_path / "one", "pull", "-q", "--no-rebase", str(tmp_path / "two"), "main")
    listed = runner.invoke(app, ["coders", "--format", "csv", "-P", str(tmp_path / "one")])
    assert [line.split(",")[0] for line in listed.stdout.splitlines()[1:]] == [
        "anna", "ingrid", "nils", "sigrid"]
