"""Batch re-coding on a generated project of 3 coders x 2,000 codings: conservation,
identity of a rename there and back, nothing lost, dry runs, the chain, undo."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
from migrations_support import CODES_V1, CODES_V2, clock, log_bytes, make_project

from qcode.audit import verify_project
from qcode.codings import replay
from qcode.errors import CodebookError, QcodeError
from qcode.migrations import (
    codebook_log,
    coding_trails,
    pending_reviews,
    plan_recode,
    recode,
    route,
    undo_migration,
)
from qcode.project import open_project

RENAME_MERGE_V2 = """version: 2
codes:
  - {id: coordination, label: Coordination, definition: d}
  - {id: autonomy, label: Autonomy, definition: d}
  - {id: professionalism, label: Professionalism, definition: d}
  - {id: staff, label: Staff, definition: d}
  - {id: pressure, label: Pressure, definition: d}
  - {id: leadership, label: Leadership, definition: d}
changes:
  - version: 2
    rename: {from: trust, to: autonomy}
    reason: r
  - version: 2
    merge: {from: [competency, professionalism], into: professionalism}
    reason: r
  - version: 2
    merge: {from: [time], into: pressure}
    reason: r
"""


def _rename(version: int, old: str, new: str, history: str = "") -> str:
    ids = ["coordination", "trust", "competency", "professionalism", "staff", "time", "leadership"]
    ids = [new if i == old else i for i in ids]
    codes = "".join(f"  - {{id: {i}, label: {i.title()}, definition: d}}\n" for i in ids)
    return (f"version: {version}\ncodes:\n{codes}changes:\n{history}"
            f"  - version: {version}\n    rename: {{from: {old}, to: {new}}}\n    reason: r\n")


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("gen") / "study"
    make_project(root)
    return root


@pytest.fixture
def study(generated, tmp_path, monkeypatch):
    """A fresh copy of the generated project; the person acting is sigrid."""
    root = tmp_path / "study"
    shutil.copytree(generated, root)
    monkeypatch.setenv("QCODE_CODER", "sigrid")
    return open_project(root)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _counts(codings) -> Counter:
    return Counter(c.code for c in codings)


def test_generated_project_has_three_coders_with_2000_codings_each(study):
    codings = replay(study)
    assert Counter(c.coder for c in codings) == {"anna": 2000, "ben": 2000, "cara": 2000}


def test_rename_and_merge_conserve_counts_per_code(study, tmp_path):
    before = replay(study)
    counts = _counts(before)
    recode(study, _write(tmp_path / "v2.yaml", RENAME_MERGE_V2))
    after = replay(study)
    assert len(after) == len(before) == 6000
    want = {"coordination": counts["coordination"], "autonomy": counts["trust"],
            "professionalism": counts["competency"] + counts["professionalism"],
            "staff": counts["staff"], "pressure": counts["time"],
            "leadership": counts["leadership"]}
    assert _counts(after) == want
    for coder in ("anna", "ben", "cara"):
        mine = Counter(c.code for c in before if c.coder == coder)
        assert Counter(c.code for c in after if c.coder == coder)["professionalism"] == \
            mine["competency"] + mine["professionalism"]
    # spans, documents and ids are untouched: only codes change
    key = lambda c: (c.id, c.doc, c.start, c.end, c.docv)  # noqa: E731
    assert sorted(map(key, before)) == sorted(map(key, after))
    assert verify_project(study).ok


def test_rename_there_and_back_gives_identical_codings(study, tmp_path):
    original = replay(study).codings
    recode(study, _write(tmp_path / "v2.yaml", _rename(2, "trust", "confidence")))
    middle = replay(study).codings
    assert "trust" not in _counts(middle) and _counts(middle)["confidence"] == \
        _counts(original)["trust"]
    history = "  - version: 2\n    rename: {from: trust, to: confidence}\n    reason: r\n"
    v3 = _rename(3, "confidence", "trust", history)
    recode(study, _write(tmp_path / "v3.yaml", v3))
    assert replay(study).codings == original
    assert verify_project(study).ok


def test_every_coding_is_accounted_for_after_a_split_and_a_retire(study, tmp_path):
    before = {c.id: c for c in replay(study)}
    result = recode(study, _write(tmp_path / "v2.yaml", CODES_V2))
    after = {c.id: c for c in replay(study)}
    assert set(after) == set(before)  # no union: nothing joined, nothing lost
    outcomes = Counter()
    for cid, old in before.items():
        new = after[cid]
        if old.code == "coordination":
            pending = [f for f in new.flags if f.startswith("pending:")]
            assert (new.code in ("lists", "calls") and not pending) or \
                (new.code == "coordination" and pending == ["pending:2.3"])
            outcomes["routed" if not pending else "pending"] += 1
        elif old.code == "staff":
            assert new.code == "staff" and new.flags == ("retired",)
            outcomes["retired"] += 1
        else:
            expected = {"trust": "autonomy", "competency": "professionalism"}.get(old.code, old.code)
            assert new.code == expected and new.flags == ()
            outcomes["mapped"] += 1
    assert sum(outcomes.values()) == 6000
    assert outcomes["routed"] > 0 and outcomes["pending"] > 0
    plan_counts = result.plan.counts()
    assert plan_counts["routed"] == outcomes["routed"]
    assert plan_counts["pending"] == outcomes["pending"]
    assert plan_counts["retired"] == outcomes["retired"]
    assert len(pending_reviews(study)) == outcomes["pending"]
    assert verify_project(study).ok


def test_the_plan_predicts_what_replay_gives(study, tmp_path):
    plan = plan_recode(study, _write(tmp_path / "v2.yaml", CODES_V2))
    result = recode(study, tmp_path / "v2.yaml")
    assert [(c.coding, c.after) for c in plan.changes] == \
        [(c.coding, c.after) for c in result.plan.changes]
    after = {c.id: c.code for c in replay(study)}
    assert {c.coding: c.after for c in plan.changes} == after


def test_dry_run_writes_nothing(study, tmp_path):
    before = log_bytes(study)
    result = recode(study, _write(tmp_path / "v2.yaml", CODES_V2), dry_run=True)
    assert result.events == () and result.plan.changed()
    assert log_bytes(study) == before
    assert not (study.audit_dir / "project.log").exists()


def test_a_step_from_an_unknown_code_is_an_error_with_file_and_line(study, tmp_path):
    bad = _write(tmp_path / "v2.yaml", RENAME_MERGE_V2.replace("from: trust", "from: trsut"))
    before = log_bytes(study)
    with pytest.raises(CodebookError) as err:
        recode(study, bad)
    assert f"{bad}:11:" in str(err.value) and "'trsut'" in str(err.value)
    assert "did you mean 'trust'" in str(err.value)
    assert log_bytes(study) == before


def test_a_step_to_an_unknown_code_is_an_error_with_file_and_line(study, tmp_path):
    bad = _write(tmp_path / "v2.yaml", RENAME_MERGE_V2.replace("into: pressure", "into: presure"))
    with pytest.raises(CodebookError) as err:
        recode(study, bad)
    assert f"{bad}:17:" in str(err.value) and "'presure'" in str(err.value)


def test_nothing_to_migrate_is_refused(study, tmp_path):
    path = _write(tmp_path / "v2.yaml", RENAME_MERGE_V2)
    recode(study, path)
    with pytest.raises(QcodeError, match="Nothing to migrate"):
        recode(study, path)
    with pytest.raises(QcodeError, match="Nothing to migrate"):
        recode(study, study.codebook_path)


def test_recode_puts_the_new_codebook_in_force_and_logs_who_did_it(study, tmp_path):
    path = _write(tmp_path / "v2.yaml", RENAME_MERGE_V2)
    recode(study, path)
    assert study.codebook_path.read_text() == path.read_text()
    rows = codebook_log(study)
    assert [r["change"] for r in rows] == [
        "version 1 -> 2", "rename trust -> autonomy",
        "merge competency, professionalism -> professionalism", "merge time -> pressure"]
    assert {r["actor"] for r in rows} == {"sigrid"} and {r["status"] for r in rows} == {"in force"}
    for name in ("anna", "ben", "cara"):  # coders' logs are never written by recode
        assert len((study.audit_dir / f"{name}.log").read_text().splitlines()) == 2000


def test_undo_voids_the_migration_and_restores_the_codings(study, tmp_path):
    original = replay(study).codings
    recode(study, _write(tmp_path / "v2.yaml", CODES_V2))
    assert replay(study).codings != original
    undo_migration(study, 2)
    assert replay(study).codings == original
    assert verify_project(study).ok
    rows = codebook_log(study, all_lines=True)
    assert rows and {r["status"] for r in rows} == {"undone"}
    assert codebook_log(study) == []
    with pytest.raises(QcodeError, match="No migration to version 2"):
        undo_migration(study, 2)


def test_recode_keeps_both_codebooks_and_undo_puts_the_earlier_back(study, tmp_path):
    v1 = study.codebook_path.read_text(encoding="utf-8")
    v2 = _write(tmp_path / "v2.yaml", CODES_V2).read_text(encoding="utf-8")
    recode(study, tmp_path / "v2.yaml")
    kept = study.root / "codebook-versions"
    assert sorted(p.name for p in kept.iterdir()) == ["1.yaml", "2.yaml"]
    assert (kept / "1.yaml").read_text(encoding="utf-8") == v1
    assert (kept / "2.yaml").read_text(encoding="utf-8") == v2
    undone = undo_migration(study, 2)
    assert undone.restored and undone.previous == 1
    assert study.codebook_path.read_text(encoding="utf-8") == v1
    assert (kept / "2.yaml").read_text(encoding="utf-8") == v2  # kept, never overwritten
    recode(study, tmp_path / "v2.yaml")  # the same migration again, after the undo
    assert study.codebook_path.read_text(encoding="utf-8") == v2
    assert verify_project(study).ok


def test_undo_leaves_a_codebook_it_did_not_put_in_force(study, tmp_path):
    recode(study, _write(tmp_path / "v2.yaml", CODES_V2))
    later = study.codebook_path.read_text(encoding="utf-8").replace("version: 2", "version: 3")
    study.codebook_path.write_text(later, encoding="utf-8")  # a later version, not migrated
    undone = undo_migration(study, 2)
    assert not undone.restored and "it is version 3" in undone.note
    assert study.codebook_path.read_text(encoding="utf-8") == later


def test_undo_never_overwrites_a_codebook_edited_after_the_migration(study, tmp_path):
    v1 = study.codebook_path.read_text(encoding="utf-8")
    recode(study, _write(tmp_path / "v2.yaml", CODES_V2))
    edited = study.codebook_path.read_text(encoding="utf-8").replace(
        "definition:", "definition: (refined by hand)", 1)
    study.codebook_path.write_text(edited, encoding="utf-8")
    undone = undo_migration(study, 2)
    assert not undone.restored and "not the text version 2 was put in force with" in undone.note
    assert "codebook-versions/1.yaml" in undone.note
    assert study.codebook_path.read_text(encoding="utf-8") == edited
    assert (study.root / "codebook-versions" / "1.yaml").read_text(encoding="utf-8") == v1


def test_a_version_kept_again_with_other_text_moves_the_earlier_aside(study, tmp_path):
    v1 = study.codebook_path.read_text(encoding="utf-8")
    recode(study, _write(tmp_path / "v2.yaml", CODES_V2))
    undo_migration(study, 2)  # version 1 in force again
    v1_edited = v1.replace("definition:", "definition: (refined)", 1)
    study.codebook_path.write_text(v1_edited, encoding="utf-8")
    v2_other = _write(tmp_path / "v2b.yaml", CODES_V2.replace("definition:", "definition: (b)", 1))
    recode(study, v2_other)
    kept = {p.name: p.read_text(encoding="utf-8") for p in (study.root / "codebook-versions").iterdir()}
    assert kept["1.yaml"] == v1_edited and kept["2.yaml"] == v2_other.read_text(encoding="utf-8")
    assert v1 in kept.values() and CODES_V2 in kept.values()  # nothing lost
    assert len(kept) == 4
    undone = undo_migration(study, 2)
    assert undone.restored and study.codebook_path.read_text(encoding="utf-8") == v1_edited


def test_undo_judges_the_codebook_by_the_text_its_migration_put_in_force(study, tmp_path):
    """Not by the kept copy, which a later migration of the same version replaces."""
    recode(study, _write(tmp_path / "v2.yaml", CODES_V2))
    edited = study.codebook_path.read_text(encoding="utf-8").replace(
        "definition:", "definition: (refined by hand)", 1)
    study.codebook_path.write_text(edited, encoding="utf-8")
    (study.root / "codebook-versions" / "2.yaml").unlink()  # and the kept copy is gone
    undone = undo_migration(study, 2)
    assert not undone.restored and study.codebook_path.read_text(encoding="utf-8") == edited
    assert "not the text version 2 was put in force with" in undone.note


def test_a_kept_file_that_is_not_utf8_is_moved_aside_not_a_stop(study, tmp_path):
    folder = study.root / "codebook-versions"
    folder.mkdir()
    (folder / "2.yaml").write_bytes(b"version: 2\n# \xe6\n")
    recode(study, _write(tmp_path / "v2.yaml", CODES_V2))
    assert (folder / "2.yaml").read_text(encoding="utf-8") == CODES_V2
    assert [p.read_bytes() for p in folder.glob("2.*.yaml")] == [b"version: 2\n# \xe6\n"]


def test_versions_that_are_not_plain_file_names_get_their_own_files(study):
    from qcode.migrations.kept import version_file

    names = {version_file(study, v).name for v in ("2", "2-b", "2 b", "2/b", "1.", "1")}
    assert len(names) == 6 and "2.yaml" in names and "2-b.yaml" in names


def test_a_folder_that_cannot_hold_the_kept_codebooks_stops_recode_before_any_line(
        study, tmp_path):
    (study.root / "codebook-versions").write_text("not a folder", encoding="utf-8")
    before = log_bytes(study)
    with pytest.raises(QcodeError, match="codebook-versions/1.yaml: cannot keep"):
        recode(study, _write(tmp_path / "v2.yaml", CODES_V2))
    assert log_bytes(study) == before
    assert "version: 1" in study.codebook_path.read_text(encoding="utf-8")


def test_review_decisions_route_pending_codings(study, tmp_path):
    recode(study, _write(tmp_path / "v2.yaml", CODES_V2))
    waiting = pending_reviews(study, "anna")
    assert waiting and {p.coding.coder for p in waiting} == {"anna"}
    first = waiting[0]
    assert first.kind == "split" and first.options == ("lists", "calls")
    with pytest.raises(QcodeError, match="not one of them"):
        route(study, first.coding.id, "time", actor="anna")
    written = route(study, first.coding.id, "calls", actor="anna", clock=clock(99_000_000))
    assert written.events[0].action == "route" and written.events[0].actor == "anna"
    assert replay(study).get(first.coding.id).code == "calls"
    assert len(pending_reviews(study, "anna")) == len(waiting) - 1
    with pytest.raises(QcodeError, match="not waiting"):
        route(study, first.coding.id, "lists", actor="anna")
    assert verify_project(study).ok
    assert (study.audit_dir / "anna.log").read_text().count('"action":"route"') == 1


def test_union_joins_overlapping_merged_codings_of_one_coder(project, tmp_path, monkeypatch):
    from migrations_support import write_doc

    from qcode.audit.ops import append_events
    from qcode.coding.plan import event_fields

    monkeypatch.setenv("QCODE_CODER", "sigrid")
    project.codebook_path.write_text(CODES_V1)
    doc = write_doc(project, "d1", "x" * 200, [(0, 200)])
    rows = [("anna", 10, 50, "competency"), ("anna", 40, 90, "professionalism"),
            ("anna", 120, 130, "competency"), ("ben", 45, 60, "competency")]
    for who, a, b, code in rows:
        append_events(project, who, [event_fields(who, "apply", doc, a, b, code, 1)])
    v2 = _write(tmp_path / "v2.yaml", RENAME_MERGE_V2)
    plain = plan_recode(project, v2)
    assert Counter(c.outcome for c in plain.changes) == {"merge": 3, "unchanged": 1}
    result = recode(project, v2, union=True)
    codings = {c.id: c for c in replay(project)}
    assert set(codings) == {"anna:1", "anna:3", "ben:1"}
    assert (codings["anna:1"].start, codings["anna:1"].end) == (10, 90)
    assert codings["anna:1"].flags == ("union:anna:2",)
    assert Counter(c.outcome for c in result.plan.changes)["joined"] == 1
    assert [c.into for c in result.plan.changes if c.outcome == "joined"] == ["anna:1"]


def test_a_coding_made_under_the_new_version_is_not_mapped_again(study, tmp_path):
    from qcode.audit.ops import append_events
    from qcode.coding.plan import event_fields
    from qcode.corpus import load_document

    recode(study, _write(tmp_path / "v2.yaml", _rename(2, "trust", "confidence")))
    doc = load_document(study, "doc000")
    # ben has not pulled the new codebook yet: his new coding says version 1
    append_events(study, "ben", [event_fields("ben", "apply", doc, 0, 5, "trust", 1)])
    # anna codes under version 2, where a code 'time' was never renamed
    append_events(study, "anna", [event_fields("anna", "apply", doc, 0, 5, "time", 2)])
    codings = replay(study)
    assert codings.get("ben:2001").code == "confidence"
    assert codings.get("anna:2001").code == "time"


def test_redefine_flags_earlier_codings_for_review_until_confirmed(study, tmp_path):
    v2 = CODES_V1.replace("version: 1", "version: 2").replace(
        "Managers above the team.", "Managers above the team and the municipality.") + \
        "changes:\n  - version: 2\n    redefine: leadership\n    reason: Wider.\n"
    result = recode(study, _write(tmp_path / "v2.yaml", v2))
    flagged = [c for c in replay(study) if c.flags == ("review:2.1",)]
    assert len(flagged) == Counter(c.before for c in result.plan.changes)["leadership"]
    assert {c.code for c in flagged} == {"leadership"}
    route(study, flagged[0].id, "leadership", actor="sigrid")
    assert replay(study).get(flagged[0].id).flags == ()
    assert len([p for p in pending_reviews(study) if p.kind == "redefine"]) == len(flagged) - 1


def test_coding_trails_name_the_steps_each_coding_went_through(study, tmp_path):
    recode(study, _write(tmp_path / "v2.yaml", CODES_V2))
    codings = {c.id: c for c in replay(study)}
    trails = coding_trails(study)
    for coding_id, trail in trails.items():
        assert trail[-1]["to"] == codings[coding_id].code
        assert all(t["id"].startswith("project:") and t["actor"] == "sigrid" for t in trail)
    kinds = Counter(t["what"] for trail in trails.values() for t in trail)
    assert set(kinds) == {"mapped", "routed", "pending", "retired"}
    assert kinds["pending"] == len(pending_reviews(study))
    untouched = [c for c in codings.values() if c.code in ("time", "leadership")]
    assert not any(c.id in trails for c in untouched)
    only = coding_trails(study, doc="doc001")
    assert only and all(codings[i].doc == "doc001" for i in only)


def test_codes_removed_without_a_step_are_reported_not_lost(study, tmp_path):
    v2 = RENAME_MERGE_V2.replace("  - {id: staff, label: Staff, definition: d}\n", "")
    plan = plan_recode(study, _write(tmp_path / "v2.yaml", v2))
    staff = sum(1 for c in replay(study) if c.code == "staff")
    assert any(f"{staff} codings keep codes" in n and "staff" in n for n in plan.notes)
    recode(study, tmp_path / "v2.yaml")
    assert sum(1 for c in replay(study) if c.code == "staff") == staff


def test_recode_to_the_codebook_in_force_after_editing_it_in_place(study):
    counts = _counts(replay(study))
    study.codebook_path.write_text(RENAME_MERGE_V2)
    result = recode(study, study.codebook_path)
    assert result.plan.previous is None and len(result.plan.steps) == 3
    assert _counts(replay(study))["autonomy"] == counts["trust"]
    with pytest.raises(QcodeError, match="Nothing to migrate"):
        recode(study, study.codebook_path)
    assert verify_project(study).ok
