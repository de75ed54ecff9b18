"""A listing written piece by piece (`agree disagreements` at a million lines) is the very
text the whole listing would be: JSON checked against `json.dumps` of the whole list,
and the command's output against the listing held whole."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from qcode.reports import chunks, json_chunks, to_csv, to_json, to_markdown

COLUMNS = ["code", "doc", "n", "share", "who", "text"]
texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=30)
values = st.one_of(st.none(), texts, st.integers(-10**12, 10**12),
                   st.floats(allow_nan=False, allow_infinity=False), st.lists(texts, max_size=3),
                   st.dictionaries(texts, st.integers(), max_size=2))
records = st.lists(st.fixed_dictionaries(dict.fromkeys(COLUMNS, values)), max_size=6)


@settings(max_examples=200, deadline=None)
@given(records)
def test_json_piece_by_piece_is_json_dumps_of_the_whole(rows):
    whole = json.dumps([{c: r.get(c) for c in COLUMNS} for r in rows], ensure_ascii=False,
                       indent=2) + "\n"
    assert "".join(json_chunks(rows, COLUMNS)) == whole == to_json(rows, COLUMNS)
    assert "".join(json_chunks(rows)) == json.dumps(rows, ensure_ascii=False, indent=2) + "\n"


@settings(max_examples=100, deadline=None)
@given(records)
def test_each_format_piece_by_piece_is_the_whole_text(rows):
    for size in (1, 40, 1 << 16):
        assert "".join(chunks(iter(rows), COLUMNS, "csv", size)) == to_csv(rows, COLUMNS)
        assert "".join(chunks(iter(rows), COLUMNS, "markdown", size)) == to_markdown(rows, COLUMNS)
        assert "".join(chunks(iter(rows), COLUMNS, "json", size)) == to_json(rows, COLUMNS)


def test_agree_disagreements_prints_the_whole_listing(runner, tmp_path):
    from audit_support import make_study

    from qcode.agreement.from_project import project_disagreements
    from qcode.cli import app
    from qcode.cli.analysis_cmds import DISAGREEMENT_COLUMNS

    study = make_study(tmp_path / "study")
    for coder, span in (("anna", "52:75"), ("ben", "10:40"), ("anna", "100:130")):
        result = runner.invoke(app, ["apply", "hc01", "coordination", "--span", span,
                                     "--coder", coder, "-P", str(study.root)])
        assert result.exit_code == 0, result.output
    listing = list(project_disagreements(study)[0])
    assert len(listing) >= 2
    for fmt, whole in (("json", to_json), ("csv", to_csv), ("md", to_markdown)):
        out = runner.invoke(app, ["agree", "disagreements", "-f", fmt, "-P", str(study.root)])
        assert out.exit_code == 0, out.output
        assert out.stdout == whole(listing, list(DISAGREEMENT_COLUMNS))
