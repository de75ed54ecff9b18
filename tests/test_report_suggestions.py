"""The report's Suggestions section on real suggestions: rules suggest, a coder accepts
some and rejects one, codes others by hand; the section counts each kind per coder and
suggester, the acceptance rate and the share of final codings from suggestions."""

from __future__ import annotations

import pytest
from suggest_support import code_units, make_project

from qcode.report import ReportOptions, build_report, render_html

DOCS = {
    "visit": "We had to hurry all morning. The driving list changed twice.\n\n"
             "She needed a wound dressing. I rang the GP about her pills.\n\n"
             "There was stress at the morning meeting. Nobody had time to coordinate.\n",
}


@pytest.fixture
def decided(tmp_path):
    from qcode.suggest.decide import decide
    from qcode.suggest.engine import suggest

    project = make_project(tmp_path / "study", DOCS)
    code_units(project, "ben", [("visit", "time", 1), ("visit", "care", 3)])
    found = sorted(suggest(project, "anna", method="rules").suggestions,
                   key=lambda s: (s.doc, s.start, s.code))
    assert len(found) >= 4
    decide(project, "anna", found[:3], accept=True)
    decide(project, "anna", found[3:4], accept=False, memo="not here")
    code_units(project, "anna", [("visit", "care", 4)])  # one by hand
    return project, found


def test_suggestions_section_counts_manual_accepted_and_rejected(decided):
    project, found = decided
    report = build_report(project, ReportOptions(replicates=200))
    section = report.sections["suggestions"]
    anna = next(r for r in section["coders"] if r["coder"] == "anna")
    assert (anna["codings"], anna["suggested"], anna["rejected"]) == (4, 3, 1)
    assert anna["other"] == 1 and anna["manual"] == 0  # by hand through a CSV: imported
    assert anna["share"] == pytest.approx(3 / 4)
    (row,) = [r for r in section["suggesters"] if r["coder"] == "anna"]
    name, _, version = found[0].method.rpartition(".")  # e.g. rules.v2: name and version
    assert (row["suggester"], row["version"]) == (name, version) and name == "rules"
    assert (row["accepted"], row["rejected"], row["kept"]) == (3, 1, 3)
    assert row["rate"] == pytest.approx(0.75)
    ben = next(r for r in section["coders"] if r["coder"] == "ben")
    assert (ben["suggested"], ben["rejected"], ben["share"]) == (0, 0, 0.0)
    assert section["share"] == pytest.approx(3 / 6) and section["decisions"] == 4
    html = render_html(report)
    assert "50% of the final codings came from accepted suggestions" in html
    assert f"<td>rules</td><td>{version}</td>" in html


def test_narrowed_to_a_code_the_section_counts_only_its_codings_and_decisions(decided):
    project, found = decided
    code = found[3].code
    section = build_report(project, ReportOptions(replicates=200, codes=(code,))).sections["suggestions"]
    rejected = sum(r["rejected"] for r in section["coders"])
    assert rejected == 1
    assert all(r["codings"] == r["manual"] + r["suggested"] + r["other"] for r in section["coders"])
