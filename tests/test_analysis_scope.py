"""Analyses read only what they cover: one coder's co-occurrence never holds the
codings of the others (on a big project, their codings were most of its memory).
Documents named without coders still read every coder's codings: who has codings
in the project decides the default coders."""

from __future__ import annotations

import json

import pytest
from tui_support import FIELDNOTE, INTERVIEW, clock, make_study

from qcode.agreement import from_project
from qcode.cli import app
from qcode.errors import InputError
from qcode.tui.session import Session


def _coded_study(root):
    project = make_study(root)
    for coder, doc, codes in (("anna", INTERVIEW, ("coordination", "autonomy")),
                              ("ben", INTERVIEW, ("autonomy",)),
                              ("ben", FIELDNOTE, ("coordination",))):
        s = Session(project, coder, doc=doc, clock=clock(), suggest=False)
        for unit, code in enumerate(codes, start=2):
            s.goto(unit)
            s.apply(code)
    return project


@pytest.fixture
def held(monkeypatch):
    """The coder of every coding the analyses got, from the index's coding table or from
    the replay (the real functions run)."""
    seen: list = []
    real_replay, real_source = from_project.replay, from_project.coding_source

    def replay(project, **kw):
        out = real_replay(project, **kw)
        seen.extend(("replay", c.coder) for c in out.codings)
        return out

    def coding_source(project, **kw):
        out = real_source(project, **kw)
        if out is not None:
            table = out.rows_of(sorted(out.present(0)))  # every row it gives
            seen.extend(("table", table.coders[i]) for i in table.rows[:, 1])
        return out

    monkeypatch.setattr(from_project, "replay", replay)
    monkeypatch.setattr(from_project, "coding_source", coding_source)
    return seen


def test_one_coders_cooccurrence_reads_only_her_codings(tmp_path, runner, held):
    project = _coded_study(tmp_path / "study")
    result = runner.invoke(app, ["cooccur", "--unit", "sentence", "--coder", "anna", "--format",
                                 "csv", "--project", str(project.root)])
    assert result.exit_code == 0, result.output
    assert "coordination" in result.stdout
    # from the index, as a table: no record was made of any coding
    assert held and set(held) == {("table", "anna")}


def test_a_coder_without_codings_is_still_named_with_those_who_have_some(tmp_path):
    project = _coded_study(tmp_path / "study")
    with pytest.raises(InputError, match="'carl' has no codings.*anna, ben"):
        from_project.scope(project, coders=["anna", "carl"])


@pytest.mark.parametrize("args", [
    ["agree", "--format", "json"],
    ["agree", "--ci", "bca", "--replicates", "100", "--format", "json"],
    ["agree", "--by", "team", "--format", "json"],
    ["cooccur", "--unit", "sentence", "--format", "csv"],
    ["crosstab", "--by", "team", "--replicates", "100", "--format", "json"],
])
def test_analyses_never_make_the_dense_units_by_coders_by_codes_array(tmp_path, runner, monkeypatch,
                                                                      args):
    """They work from the coded cells, a code or a coder at a time (the dense array was
    most of their memory on a big project)."""
    from qcode.agreement.coded_units import CodedUnits

    project = _coded_study(tmp_path / "study")
    for doc, team in ((INTERVIEW, "harbour"), (FIELDNOTE, "hill")):
        assert runner.invoke(app, ["attrs", "set", doc, f"team={team}", "--project",
                                   str(project.root)]).exit_code == 0
    expected = runner.invoke(app, [*args, "--project", str(project.root)])

    def tripwire(self):
        raise AssertionError("the dense units x coders x codes array was made")

    monkeypatch.setattr(CodedUnits, "present", property(tripwire))
    result = runner.invoke(app, [*args, "--project", str(project.root)])
    assert result.exit_code == expected.exit_code == 0, result.output
    assert result.stdout == expected.stdout


def test_audit_stats_counts_one_log_at_a_time(tmp_path, runner, monkeypatch):
    """It never gathers every event of every log into one list (all_events)."""
    from qcode import trail

    project = _coded_study(tmp_path / "study")

    def tripwire(*args, **kwargs):
        raise AssertionError("every event of every log was gathered")

    monkeypatch.setattr(trail, "all_events", tripwire)
    result = runner.invoke(app, ["audit", "stats", "--format", "json", "--project", str(project.root)])
    assert result.exit_code == 0, result.output
    coders = {row["coder"]: row for row in json.loads(result.stdout)["coders"]}
    assert coders["anna"]["applied"] == 2 and coders["ben"]["applied"] == 2
    assert coders["anna"]["codings"] == 2 and coders["anna"]["days"] == 1


def test_codings_read_from_the_index_share_their_repeated_values(tmp_path):
    """One string per coder, document and code, not one per coding (a fifth of a replay's
    memory on a big project)."""
    from qcode import index

    project = _coded_study(tmp_path / "study")
    index.replay(project)  # builds the index
    codings = [c for c in index.replay(project).codings if c.coder == "ben"]
    assert len(codings) == 2
    a, b = codings
    assert a.coder is b.coder and a.source is b.source
