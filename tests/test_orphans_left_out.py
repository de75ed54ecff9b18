"""An orphaned coding is kept in the logs but left out of every view, analysis and
export until it is placed or voided; each says how many it left out and names
`qcode orphans`."""

from __future__ import annotations

import csv
import io
import json

import pytest
from audit_support import INTERVIEW, make_study

from qcode.cli import app

GONE = "We start with the list."


@pytest.fixture
def orphaned(tmp_path, runner):
    study = make_study(tmp_path / "study")
    for doc, team in (("hc01", "north"), ("fn01", "south")):
        runner.invoke(app, ["attrs", "set", doc, f"team={team}", "-P", str(study.root)])
    for coder in ("anna", "ben"):
        for code, quote in (("coordination", GONE), ("autonomy", "The leader is far away.")):
            memo = ["--memo", "The list comes first."] if quote == GONE and coder == "anna" else []
            result = runner.invoke(app, ["apply", "hc01", code, "--quote", quote, "--coder",
                                         coder, *memo, "-P", str(study.root)])
            assert result.exit_code == 0, result.output
    edited = tmp_path / "hc01.txt"
    edited.write_text(INTERVIEW.replace(GONE + " Nobody makes the list for us now, we make it "
                                        "ourselves. ", ""), encoding="utf-8")
    result = runner.invoke(app, ["ingest", str(edited), "--id", "hc01", "--as", "anna",
                                 "-P", str(study.root)])
    assert result.exit_code == 0, result.output
    listed = runner.invoke(app, ["orphans", "--format", "json", "-P", str(study.root)])
    assert listed.exit_code == 0, listed.output
    assert len(json.loads(listed.stdout)) == 2  # both coders' codings of the lost sentence
    return study


NOTE = "2 orphaned coding(s) left out"


def test_codings_leave_orphans_out_and_say_so(runner, orphaned):
    out = runner.invoke(app, ["codings", "--format", "csv", "-P", str(orphaned.root)])
    assert out.exit_code == 0, out.output
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert {r["code"] for r in rows} == {"autonomy"} and len(rows) == 2
    assert NOTE in out.stderr and "`qcode orphans`" in out.stderr


@pytest.mark.parametrize("args", [
    ["agree", "--format", "json"], ["cooccur", "--format", "json"],
    ["crosstab", "--by", "team", "--format", "json"],
    ["show", "hc01", "-c", "anna", "--no-pager"], ["memos"],
])
def test_every_view_and_analysis_leaves_orphans_out(runner, orphaned, args):
    out = runner.invoke(app, [*args, "-P", str(orphaned.root)])
    assert out.exit_code == 0, out.output
    assert NOTE in out.stderr and "`qcode orphans`" in out.stderr
    assert "coordination" not in out.stdout, out.stdout


def test_the_library_keeps_orphans_apart(orphaned):
    from qcode.codings import replay
    from qcode.index import replay as indexed

    for replayed in (replay(orphaned), indexed(orphaned), indexed(orphaned)):
        assert {c.code for c in replayed.codings} == {"autonomy"}
        assert [c.code for c in replayed.orphaned] == ["coordination", "coordination"]
        assert all(replayed.get(c.id) is c for c in replayed.orphaned)


def test_a_voided_orphan_is_no_longer_counted_as_left_out(runner, orphaned):
    listed = json.loads(runner.invoke(app, ["orphans", "--format", "json",
                                            "-P", str(orphaned.root)]).stdout)
    first = listed[0]["coding"]
    voided = runner.invoke(app, ["orphans", "--void", first, "--as", first.split(":")[0],
                                 "-P", str(orphaned.root)])
    assert voided.exit_code == 0, voided.output
    out = runner.invoke(app, ["codings", "-P", str(orphaned.root)])
    assert "1 orphaned coding(s) left out" in out.stderr


@pytest.mark.parametrize("args", [
    ["report", "--out", "report.html"], ["report", "--format", "md", "--out", "report.md"],
    ["export", "study.qdpx"],
])
def test_the_report_and_the_export_leave_orphans_out_and_say_so(runner, orphaned, args):
    out = runner.invoke(app, [*args, "-P", str(orphaned.root)])
    assert out.exit_code == 0, out.output
    assert NOTE in out.stderr and "`qcode orphans`" in out.stderr


def test_suggester_training_takes_moved_codings_at_their_new_place_and_no_orphan(orphaned):
    """A coder's training set: the coding the edit moved stands on today's text (the
    coder's own log alone still has it on the old version, where training dropped it),
    the orphan is left out, and the note says so."""
    from qcode import notices
    from qcode.corpus import load_document
    from qcode.suggest.examples import decisions

    notices.drain()
    current = load_document(orphaned, "hc01")
    for coder in ("anna", "ben", None):
        found = decisions(orphaned, coder)
        assert {c.code for c in found.codings} == {"autonomy"}
        assert all(c.docv == current.version for c in found.codings), coder
        assert all(current.text[c.start:c.end] == "The leader is far away." for c in found.codings)
    assert any("orphaned coding(s) left out" in n and "`qcode orphans`" in n
               for n in notices.drain())


def test_a_memo_on_an_orphaned_coding_is_left_out_with_it(orphaned):
    """Memos follow their coding: the memo on an orphan is out of the memos view (it
    stood at the orphan's old span, on text that is gone) until the orphan is placed."""
    from qcode.codings import replay
    from qcode.index import replay as indexed

    for replayed in (replay(orphaned), indexed(orphaned)):
        assert "The list comes first." not in {m.text for m in replayed.memos}
        assert replayed.memos_for(doc="hc01") == ()


@pytest.mark.parametrize("index", ["1", "0"])
def test_audit_stats_leaves_orphans_out_and_says_so_through_the_index_or_not(
        runner, orphaned, monkeypatch, index):
    """Twice: the first run makes the index's mapped table, the second reads it."""
    monkeypatch.setenv("QCODE_INDEX", index)
    for _ in range(2):
        out = runner.invoke(app, ["audit", "stats", "--format", "json", "-P", str(orphaned.root)])
        assert out.exit_code == 0, out.output
        assert NOTE in out.stderr and "`qcode orphans`" in out.stderr
        tables = json.loads(out.stdout)
        assert {r["code"]: r["total"] for r in tables["codes"]}["coordination"] == 0
        coders = {r["coder"]: r for r in tables["coders"]}
        assert coders["anna"]["codings"] == coders["ben"]["codings"] == 1
        assert coders["anna"]["memos"] == 0  # her memo went with its orphaned coding
