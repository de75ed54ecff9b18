"""`qcode agree` on a team where most coders coded only some documents: one note line
on stderr, not one line per coder naming every document (at 50 coders and 5,000
documents that was 1.6 MB of notes)."""

from __future__ import annotations

from audit_support import make_study

from qcode.cli import app
from qcode.cli.analysis_cmds import missing_note

CODERS = tuple(f"c{i:02d}" for i in range(12))


def test_many_coders_with_uncoded_documents_get_one_note_line(runner, tmp_path):
    study = make_study(tmp_path / "study", coders=CODERS)
    for coder in CODERS:  # every coder codes hc01; only the first codes fn01
        for doc in ("hc01", "fn01") if coder == CODERS[0] else ("hc01",):
            result = runner.invoke(app, ["apply", doc, "coordination", "--span", "10:40",
                                         "--project", str(study.root), "--coder", coder])
            assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["agree", "--project", str(study.root), "--format", "csv"])
    assert result.exit_code == 0, result.output
    notes = [line for line in result.stderr.splitlines() if line.startswith("Note:")]
    assert notes == [missing_note({c: ["fn01"] for c in CODERS[1:]})]
    assert notes[0].startswith("Note: 11 coders have not coded every document (documents not "
                               "coded: c01 1, c02 1,")
    assert "and 3 more coders" in notes[0]


def test_a_few_documents_are_named():
    assert missing_note({"anna": ["hc01", "fn01"], "ben": ["fn01"]}) == (
        "Note: 2 coders have not coded every document (anna: hc01, fn01; ben: fn01); those "
        "units count as missing for them, not as 'no code applies'.")
    assert missing_note({"anna": ["hc01"]}).startswith("Note: 1 coder has not coded")
