"""Two coders in two git clones of one project: the merge never conflicts."""

from __future__ import annotations

import shutil

import pytest
from audit_support import git, make_study

from qcode import coding
from qcode.audit import seal, verify_project
from qcode.codings import replay
from qcode.project import open_project

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def configure(repo):
    git(repo, "config", "user.email", "coder@example.org")
    git(repo, "config", "user.name", "Coder")


def test_two_clones_code_and_merge_without_conflict(tmp_path):
    origin = make_study(tmp_path / "origin").root
    git(origin, "init", "-q", "-b", "main")
    configure(origin)
    git(origin, "add", "-A")
    git(origin, "commit", "-q", "-m", "study")
    clones = {}
    for name in ("anna", "ben"):
        git(tmp_path, "clone", "-q", str(origin), f"clone-{name}")
        clones[name] = tmp_path / f"clone-{name}"
        configure(clones[name])

    anna = open_project(clones["anna"])
    coding.apply(anna, "hc01", "coordination", span="52:75", coder="anna")
    coding.apply(anna, "fn01", "time-resources", span="29:58", coder="anna")
    coding.memo(anna, "Lists everywhere", doc="hc01", coder="anna")
    seal(anna, "anna")
    git(clones["anna"], "add", "audit")
    git(clones["anna"], "commit", "-q", "-m", "anna codes")

    ben = open_project(clones["ben"])
    coding.apply(ben, "hc01", "coordination", span="52:131", coder="ben")
    coding.apply(ben, "hc01", "autonomy", quote="we make it ourselves", coder="ben")
    coding.undo(ben, coder="ben")
    coding.apply(ben, "hc01", "leadership", unit="5", coder="ben")
    git(clones["ben"], "add", "audit")
    git(clones["ben"], "commit", "-q", "-m", "ben codes")

    git(clones["anna"], "pull", "-q", "--no-rebase", "--no-edit", str(clones["ben"]), "main")
    assert git(clones["anna"], "status", "--porcelain") == ""
    merged = open_project(clones["anna"])
    report = verify_project(merged, git=True)
    assert report.ok, report.problems
    assert sorted(log.name for log in report.logs) == ["anna", "ben"]
    replayed = replay(merged)
    assert [(c.id, c.code) for c in replayed] == [
        ("anna:2", "time-resources"), ("anna:1", "coordination"), ("ben:1", "coordination"),
        ("ben:4", "leadership")]
    seal(merged, "anna")  # now anna's seal covers ben's log too
    assert verify_project(merged, git=True).ok

    git(clones["ben"], "pull", "-q", "--no-rebase", "--no-edit", str(clones["anna"]), "main")
    assert replay(open_project(clones["ben"])) == replay(merged)
