"""A migration or its undo invalidates what depends on the codebook in force: the
suggestion queue made under another codebook offers nothing."""

from __future__ import annotations

import json
import shutil

import pytest
from migrations_support import CODES_V2, make_project

from qcode.cli import app
from qcode.project import open_project


@pytest.fixture
def study(tmp_path, monkeypatch):
    root = tmp_path / "study"
    make_project(root, per_coder=60, n_docs=3, sentences=30, seed=5)
    monkeypatch.setenv("QCODE_CODER", "sigrid")
    (tmp_path / "v2.yaml").write_text(CODES_V2)
    return open_project(root)


def queued(runner, study, coder):
    out = runner.invoke(app, ["suggestions", "--coder", coder, "-f", "json",
                              "-P", str(study.root)])
    assert out.exit_code == 0, out.output
    return json.loads(out.stdout) if out.stdout.strip() else []


def test_undoing_a_migration_empties_the_queue_it_made(runner, study, tmp_path):
    result = runner.invoke(app, ["recode", "--to", str(tmp_path / "v2.yaml"),
                                 "-P", str(study.root)])
    assert result.exit_code == 0, result.output
    coders = [c for c in ("anna", "ben", "cara") if queued(runner, study, c)]
    if not coders:
        pytest.skip("this migration queued no suggestion")
    undone = runner.invoke(app, ["recode", "--undo", "2", "-P", str(study.root)])
    assert undone.exit_code == 0, undone.output
    codes = (study.root / "codebook.yaml").read_text(encoding="utf-8")
    for coder in coders:
        offered = queued(runner, study, coder)
        assert all(f"id: {s['code']}\n" in codes for s in offered), offered


def test_a_queue_made_under_another_codebook_is_not_offered(runner, study):
    from qcode.suggest.base import Suggestion
    from qcode.suggest.queue import read_queue, write_queue

    row = Suggestion("s1", "anna", "d1", "abc", "1", 0, 4, "trust", "rules.v1", 0.9, "x", (), "")
    write_queue(study, "anna", [row])
    assert len(read_queue(study, "anna")) == 1
    shutil.copy(study.codebook_path, study.root / "kept.yaml")
    study.codebook_path.write_text(study.codebook_path.read_text(encoding="utf-8") + "\n",
                                   encoding="utf-8")
    assert read_queue(study, "anna") == []


def test_a_migration_done_again_after_its_undo_does_not_revive_old_review_decisions(tmp_path,
                                                                                   monkeypatch):
    """Review decisions refer to the steps of the migration they were made under; once
    it is undone they no longer apply, and the same migration done again asks again."""
    import shutil

    from migrations_support import CODES_V2, make_project

    from qcode.codings import replay
    from qcode.migrations import pending_reviews, recode, route, undo_migration
    from qcode.project import open_project

    root = tmp_path / "gen"
    make_project(root)
    monkeypatch.setenv("QCODE_CODER", "sigrid")
    study = open_project(root)
    v2 = tmp_path / "v2.yaml"
    v2.write_text(CODES_V2, encoding="utf-8")
    recode(study, v2)
    waiting = pending_reviews(study, "anna")
    first = waiting[0].coding.id
    route(study, first, "calls", actor="anna")
    assert replay(study).get(first).code == "calls"
    undo_migration(study, 2)
    shutil.copy(root / "codebook-versions" / "1.yaml", root / "codebook.yaml")
    recode(study, v2)
    again = pending_reviews(study, "anna")
    assert first in {p.coding.id for p in again}
    assert len(again) == len(waiting)
