"""`qcode memos` and `qcode audit stats` in an 80-column terminal: the memo text
wraps instead of being squeezed to nothing, less useful columns go first (and a
caption says which), and the codes table never runs off the screen."""

from __future__ import annotations

import pytest
from audit_support import make_study

from qcode.cli import app

MEMO = ("The rota is rewritten every morning because visits move; this is the "
        "coordination work nobody counts as work.")


@pytest.fixture
def study(tmp_path):
    return make_study(tmp_path / "study")


def run(runner, study, *args, coder="anna", columns=80):
    extra = ["--project", str(study.root)] + (["--coder", coder] if coder else [])
    result = runner.invoke(app, [*args, *extra], env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    return result.stdout


def words_in(text: str) -> list[str]:
    return " ".join(text.split()).replace("│", " ").split()


def test_memos_at_80_columns_wrap_the_text_and_drop_columns(runner, study):
    run(runner, study, "apply", "hc01", "coordination", "--span", "52:75")
    run(runner, study, "memo", "hc01", MEMO)
    run(runner, study, "memo", "--coding", "anna:1", "Is a rota a plan or a habit?", coder="ben")
    out = run(runner, study, "memos", coder=None)
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    flat = words_in(out)
    for word in MEMO.split():  # every word of the memo is there, wrapped in its column
        assert word in flat
    assert "not shown at this width: time, target, coding, span" in " ".join(flat)
    header = next(line for line in lines if "text" in line and "id" in line)
    assert "coding" not in header and "coder" in header and "doc" in header
    wide = run(runner, study, "memos", coder=None, columns=200)
    assert "not shown" not in wide and "coding" in wide.splitlines()[2]


def test_codings_at_80_columns_keep_the_quote_readable(runner, study):
    """A coding's quote gets the room, not one word a line: the columns a reader needs
    least go first (a status that is "active" on every row first of all), and the
    caption names them."""
    run(runner, study, "apply", "hc01", "time-resources", "--span", "0:120")
    out = run(runner, study, "codings", "--doc", "hc01")
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    row = next(line for line in lines if "anna:1" in line)
    assert len(lines[1].split("┳")[-1]) >= 28, out  # the quote's column, not a sliver
    assert row.split("│")[-2].split()[:3] == ["Interviewer:", "How", "is"]
    assert "time-resources" in row and "hc01" in row  # code and doc each on one line
    assert "not shown at this width: status, source" in " ".join(words_in(out))
    wide = run(runner, study, "codings", "--doc", "hc01", columns=200)
    assert "not shown" not in wide and "source" in wide.splitlines()[2]


def test_narrow_codings_keep_a_column_that_tells_rows_apart(runner, study):
    """Only a column that says nothing gives way: with codings in two documents the
    doc column stays, so the listing still says where each quote is."""
    run(runner, study, "apply", "hc01", "time-resources", "--span", "0:120")
    run(runner, study, "apply", "fn01", "time-resources", "--span", "0:60")
    out = run(runner, study, "codings")
    header = next(line for line in out.splitlines() if "text" in line and "id" in line)
    assert "doc" in header.split("┃")[2], out
    rows = {line.split("│")[2].strip() for line in out.splitlines() if "anna:" in line}
    assert rows == {"hc01", "fn01"}
    assert "not shown at this width: status, source (" in " ".join(words_in(out))


TEAM = ("anna", "ben", "cecilie", "dag", "eirin", "frode", "guro", "hallvard")


def test_audit_stats_fits_80_columns(runner, tmp_path):
    study = make_study(tmp_path / "team", coders=TEAM)
    for coder in TEAM:
        run(runner, study, "apply", "hc01", "coordination", "--span", "52:75", coder=coder)
        run(runner, study, "apply", "hc01", "leadership", "--span", "10:40", coder=coder)
    out = run(runner, study, "audit", "stats", coder=None)
    assert max(len(line) for line in out.splitlines()) <= 80, out
    assert "hallvard 1" in " ".join(words_in(out))  # the codes table lists coders in a column
    assert "not shown at this width" in out
    wide = run(runner, study, "audit", "stats", coder=None, columns=250)
    assert "hallvard" in [w.strip() for w in wide.splitlines()[next(
        i for i, line in enumerate(wide.splitlines()) if line.strip() == "codes") + 2].split("┃")]


def test_a_long_listing_is_plain_lines_one_per_row():
    from qcode.reports import LONG_TABLE, render

    records = [{"doc": f"d{i:05d}", "words": i, "attributes": "\x1b[31mteam=north, site=x"}
               for i in range(LONG_TABLE)]
    out = render(records, ["doc", "words", "attributes"], "table", width=30, title="Documents")
    lines = out.splitlines()
    assert len(lines) == LONG_TABLE + 3 and max(len(line) for line in lines) <= 30
    assert lines[1].split() == ["doc", "words", "attributes"]
    assert lines[3] == "d00000      0  ␛[31mteam=nort…"  # clipped, the escape made visible


def test_audit_show_reads_only_the_logs_it_lists(runner, study):
    run(runner, study, "apply", "hc01", "coordination", "--span", "52:75")
    run(runner, study, "apply", "hc01", "coordination", "--span", "52:75", coder="ben")
    with open(study.log_path("ben"), "ab") as fh:
        fh.write(b"not a log line\n")  # ben's log no longer parses
    out = run(runner, study, "audit", "show", "--coder", "anna", coder=None)
    assert "anna:1" in out and "ben:" not in out
