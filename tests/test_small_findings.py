"""Smaller findings: a malformed SRT cue is reported and its text kept; an attribute
named like a column qcode records of every document is refused."""

from __future__ import annotations

import csv
import io

from qcode.cli import app

SRT = """1
00:00:01,000 --> 00:00:03,000
Kari: We start with the list.

2
00:00:04,000 -> 00:00:06,000
Nobody makes the list for us now.

3
00:00:07,000 --> 00:00:09,000
Kari: The leader is far away.
"""


def test_a_malformed_srt_cue_is_reported_and_its_text_kept(runner, project, tmp_path):
    source = tmp_path / "talk.srt"
    source.write_text(SRT, encoding="utf-8")
    result = runner.invoke(app, ["ingest", str(source), "-P", str(project.root)])
    assert result.exit_code == 0, result.output
    assert "talk.srt:5: a cue without a timing line" in result.stderr
    text = (project.documents_dir / "talk.txt").read_text(encoding="utf-8")
    assert "Nobody makes the list for us now." in text


def test_an_attribute_named_like_a_recorded_column_is_refused(runner, project, tmp_path):
    source = tmp_path / "note.txt"
    source.write_text("A note. Two sentences.\n", encoding="utf-8")
    result = runner.invoke(app, ["ingest", str(source), "--attr", "kind=fieldnote",
                                 "-P", str(project.root)])
    assert result.exit_code == 2, result.output
    assert "'kind' is what qcode records" in result.stderr
    assert not (project.documents_dir / "note.txt").exists()
    assert runner.invoke(app, ["ingest", str(source), "--attr", "genre=fieldnote",
                               "-P", str(project.root)]).exit_code == 0
    docs = runner.invoke(app, ["docs", "--format", "csv", "-P", str(project.root)])
    header = next(csv.reader(io.StringIO(docs.stdout)))
    assert len(header) == len(set(header)) and "genre" in header
    for args in (["attrs", "set", "note", "words=3"],):
        out = runner.invoke(app, [*args, "-P", str(project.root)])
        assert out.exit_code == 2 and "'words' is what qcode records" in out.stderr
    rows = tmp_path / "attrs.csv"
    rows.write_text("doc,kind\nnote,x\n", encoding="utf-8")
    out = runner.invoke(app, ["attrs", "import", str(rows), "-P", str(project.root)])
    assert out.exit_code == 2 and "'kind'" in out.stderr
