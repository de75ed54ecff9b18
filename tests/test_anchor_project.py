"""Re-anchoring in a project: ``qcode ingest`` of a corrected transcript records a
docversion and reanchor lines; orphans are kept, listed, placed or voided."""

from __future__ import annotations

import json

import pytest

from qcode.audit import verify_project
from qcode.audit.line import parse_object
from qcode.cli import app
from qcode.coding import apply
from qcode.codings import replay
from qcode.corpus import load_document
from qcode.errors import SpanError
from qcode.migrations import orphans, place_orphan, void_orphan
from qcode.migrations.reanchor import reanchor_stale

TEXT = ("Kari: I came in at seven and the first thing is the board.\n"
        "Kari: Then we rewrote the driving list three times before nine.\n"
        "Kari: Nobody asked us whether the new rota would work.\n"
        "Kari: In the end I rang the pharmacy myself.\n")
QUOTES = {"coordination": "Then we rewrote the driving list three times before nine.",
          "autonomy": "Nobody asked us whether the new rota would work.",
          "tasks": "In the end I rang the pharmacy myself."}
CODEBOOK = """version: 1
codes:
  - {id: coordination, label: Coordination, definition: d}
  - {id: autonomy, label: Autonomy, definition: d}
  - {id: tasks, label: Tasks, definition: d}
"""


@pytest.fixture
def study(project, tmp_path, monkeypatch, runner):
    monkeypatch.setenv("QCODE_CODER", "sigrid")
    project.codebook_path.write_text(CODEBOOK)
    source = tmp_path / "hc01.txt"
    source.write_text(TEXT)
    result = runner.invoke(app, ["ingest", str(source), "-P", str(project.root)])
    assert result.exit_code == 0, result.output
    for who in ("anna", "ben"):
        for code, quote in QUOTES.items():
            apply(project, "hc01", code, quote=quote, coder=who)
    return project, source


def _project_lines(project) -> list[dict]:
    path = project.audit_dir / "project.log"
    return [parse_object(line) for line in path.read_text().splitlines()] if path.exists() else []


def _ingest(runner, project, source, text):
    source.write_text(text)
    result = runner.invoke(app, ["ingest", str(source), "-P", str(project.root)])
    assert result.exit_code == 0, result.output
    return result


def test_a_corrected_transcript_moves_codings_with_their_text(study, runner):
    project, source = study
    old = load_document(project, "hc01")
    edited = ("Interviewer: Tell me about the morning.\n" + TEXT.replace("seven", "7")
              .replace("three times", "three or four times"))
    result = _ingest(runner, project, source, edited)
    assert "re-anchored hc01" in result.output
    new = load_document(project, "hc01")
    lines = _project_lines(project)
    assert lines[0]["action"] == "docversion" and lines[0]["data"]["previous"] == old.version
    assert lines[0]["docv"] == new.version and lines[0]["actor"] == "sigrid"
    methods = {(e["ref"], e["data"]["method"]) for e in lines[1:]}
    assert ("anna:2", "exact") in methods and ("anna:1", "fuzzy") in methods
    for c in replay(project):
        assert c.docv == new.version and c.flags == ()
        text = new.text[c.start:c.end]
        if c.code == "coordination":
            assert text == QUOTES["coordination"].replace("three times", "three or four times")
        else:
            assert text == QUOTES[c.code]
    assert verify_project(project).ok


def test_a_deleted_passage_leaves_an_orphan_that_is_kept(study, runner):
    project, source = study
    old = load_document(project, "hc01")
    before = {c.id for c in replay(project)}
    _ingest(runner, project, source, TEXT.replace(
        "Kari: Nobody asked us whether the new rota would work.\n", ""))
    codings = replay(project)
    assert {c.id for c in (*codings, *codings.orphaned)} == before  # nothing deleted
    assert not any("orphan" in c.flags for c in codings)  # out of every view until resolved
    lost = list(codings.orphaned)
    assert {c.code for c in lost} == {"autonomy"} and len(lost) == 2
    assert all(c.docv == old.version and old.text[c.start:c.end] == QUOTES["autonomy"]
               for c in lost)
    found = orphans(project)
    assert [o.coding.id for o in found] == ["anna:2", "ben:2"]
    assert found[0].quote == QUOTES["autonomy"] and found[0].score is not None
    result = runner.invoke(app, ["orphans", "-f", "json", "-P", str(project.root)])
    assert result.exit_code == 0, result.output
    assert [r["coding"] for r in json.loads(result.stdout)] == ["anna:2", "ben:2"]
    # anna places hers, ben voids his
    place_orphan(project, "anna:2", quote="Then we rewrote the driving list", actor="anna")
    placed = replay(project).get("anna:2")
    assert placed.flags == () and placed.docv == load_document(project, "hc01").version
    with pytest.raises(SpanError, match="only ben can void it"):
        void_orphan(project, "ben:2", coder="anna")
    result = runner.invoke(app, ["orphans", "void", "ben:2", "--as", "ben",
                                 "-P", str(project.root)])
    assert result.exit_code == 0, result.output
    assert replay(project).get("ben:2") is None and orphans(project) == []
    assert verify_project(project).ok


def test_an_unchanged_source_writes_nothing_to_project_log(study, runner):
    project, source = study
    _ingest(runner, project, source, TEXT)
    assert not (project.audit_dir / "project.log").exists()


def test_a_coding_made_on_the_old_text_later_is_reanchored_on_request(study, runner):
    project, source = study
    old = load_document(project, "hc01")
    _ingest(runner, project, source, "Intro.\n" + TEXT)
    # a clone that had not pulled the new text: a coding on the old version, made later
    from qcode.audit.ops import append_events
    from qcode.coding.plan import event_fields

    start = old.text.index("In the end")
    append_events(project, "cara", [event_fields("cara", "apply", old, start, start + 10,
                                                 "tasks", 1)])
    stale = replay(project).get("cara:1")  # (left out of views, still found by id)
    assert "orphan" in stale.flags and [o.coding.id for o in orphans(project)] == ["cara:1"]
    reports = reanchor_stale(project, "sigrid")
    assert [(r.doc, r.moved) for r in reports] == [("hc01", 1)]
    moved = replay(project).get("cara:1")
    new = load_document(project, "hc01")
    assert moved.flags == () and new.text[moved.start:moved.end] == "In the end"
    assert reanchor_stale(project, "sigrid") == []


def test_migration_and_reanchoring_together(study, runner, tmp_path):
    from qcode.migrations import recode

    project, source = study
    _ingest(runner, project, source, "Intro.\n" + TEXT)
    v2 = tmp_path / "v2.yaml"
    v2.write_text(CODEBOOK.replace("version: 1", "version: 2").replace("id: tasks, label: Tasks",
                                                                       "id: errands, label: Errands")
                  + "changes:\n  - version: 2\n    rename: {from: tasks, to: errands}\n"
                  "    reason: r\n")
    recode(project, v2)
    new = load_document(project, "hc01")
    for c in replay(project).select(codes=["errands"]):
        assert new.text[c.start:c.end] == QUOTES["tasks"]
    assert verify_project(project).ok


def test_codings_an_interrupted_ingest_left_behind_are_re_anchored_on_request(study, runner):
    """The corpus layer's ingest stores a text and never writes the logs: what an ingest
    interrupted before recording the re-anchoring leaves behind, which
    `orphans reanchor` picks up."""
    from qcode.corpus.ingest import ingest as store_only

    project, source = study
    source.write_text("Intro.\n" + TEXT)
    store_only(project, [source])
    assert len(orphans(project)) == 6
    result = runner.invoke(app, ["orphans", "reanchor", "-P", str(project.root)])
    assert result.exit_code == 0, result.output
    assert orphans(project) == []
