"""``qcode.ingest`` is the whole job, for a notebook as for the command: read, store,
and re-anchor the codings of a document whose text changed, recorded under a name.

Without a name to record the re-anchoring under, an ingest that would change a
document's text refuses before anything changes. A different file that only shares
its name stem with a document is not taken as that document's new version unless
``--replace`` (or an explicit ``--id``) says so.
"""

from __future__ import annotations

import hashlib

import pytest

import qcode
from qcode.cli import app
from qcode.coding import apply
from qcode.codings import replay
from qcode.corpus import load_document
from qcode.errors import QcodeError
from qcode.migrations import orphans

TEXT = ("Mira: The ferry was late again, so the round started an hour behind.\n"
        "Mira: We split the visits between the two cars without asking anyone.\n"
        "Mira: By noon the list on the board no longer matched the day.\n")
QUOTES = {"delay": "The ferry was late again, so the round started an hour behind.",
          "sharing": "We split the visits between the two cars without asking anyone."}
EDITED = "Interviewer: How did Tuesday go?\n" + TEXT.replace("two cars", "two small cars")
CODEBOOK = """version: 1
codes:
  - {id: delay, label: Delay, definition: d}
  - {id: sharing, label: Sharing, definition: d}
"""


@pytest.fixture
def coded(project, tmp_path):
    """hc07 ingested from hc07.txt and coded by anna on both quotes."""
    project.codebook_path.write_text(CODEBOOK)
    source = tmp_path / "hc07.txt"
    source.write_text(TEXT)
    qcode.ingest(project, [source], coder="anna")
    for code, quote in QUOTES.items():
        apply(project, "hc07", code, quote=quote, coder="anna")
    return project, source


def _snapshot(project) -> dict[str, str]:
    """Every file of the project (documents and logs), by path, as a hash."""
    return {str(p.relative_to(project.root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(project.root.rglob("*")) if p.is_file() and ".qcode" not in p.parts}


def _on_new_text(project) -> bool:
    doc = load_document(project, "hc07")
    return all(c.docv == doc.version and doc.text[c.start:c.end] == QUOTES[c.code].replace(
        "two cars", "two small cars") for c in replay(project))


# ------------------------------------------------------- re-anchoring is part of ingest


def test_library_ingest_re_anchors_a_changed_document(coded):
    project, source = coded
    source.write_text(EDITED)
    report = qcode.ingest(project, [source], coder="ben")
    assert [r.status for r in report.documents] == ["updated"]
    assert [(r.doc, r.orphaned) for r in report.reanchored] == [("hc07", 0)]
    assert _on_new_text(project) and orphans(project) == []
    lines = (project.audit_dir / "project.log").read_text().splitlines()
    assert '"docversion"' in lines[0] and '"actor":"ben"' in lines[0].replace(" ", "")


def test_cli_ingest_re_anchors_a_changed_document(coded, runner, monkeypatch):
    project, source = coded
    source.write_text(EDITED)
    result = runner.invoke(app, ["ingest", str(source), "--coder", "ben", "-P", str(project.root)])
    assert result.exit_code == 0, result.output
    assert "re-anchored hc07: " in result.output
    assert _on_new_text(project) and orphans(project) == []


def test_library_ingest_without_a_name_refuses_before_changing_anything(coded):
    project, source = coded
    before = _snapshot(project)
    source.write_text(EDITED)
    with pytest.raises(QcodeError) as caught:
        qcode.ingest(project, [source])
    assert "coder" in caught.value.message and "QCODE_CODER" in caught.value.message
    assert "hc07" in caught.value.message
    assert _snapshot(project) == before


def test_cli_ingest_without_a_name_refuses_with_exit_2_and_changes_nothing(coded, runner):
    project, source = coded
    before = _snapshot(project)
    source.write_text(EDITED)
    result = runner.invoke(app, ["ingest", str(source), "-P", str(project.root)])
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert message.startswith("Error: ") and "\n" not in message
    assert "--coder NAME" in message and "QCODE_CODER" in message
    assert _snapshot(project) == before
    assert load_document(project, "hc07").text == TEXT


def test_ingest_without_a_name_is_fine_when_no_text_changes(coded, runner, tmp_path):
    project, source = coded
    fresh = tmp_path / "hc08.txt"
    fresh.write_text(TEXT)
    report = qcode.ingest(project, [source, fresh])  # one unchanged, one new: no re-anchoring
    assert [r.status for r in report.documents] == ["unchanged", "new"]
    result = runner.invoke(app, ["ingest", str(source), "-P", str(project.root)])
    assert result.exit_code == 0, result.output


# ------------------------------------------------------- same id, different file


def test_a_different_format_with_the_same_stem_is_refused(coded, runner, tmp_path):
    project, _ = coded
    other = tmp_path / "hc07.md"
    other.write_text("# Notes\n\nA different document altogether.\n")
    before = _snapshot(project)
    with pytest.raises(QcodeError) as caught:
        qcode.ingest(project, [other], coder="ben")
    assert "--replace" in caught.value.message and "--id" in caught.value.message
    result = runner.invoke(app, ["ingest", str(other), "--coder", "ben", "-P", str(project.root)])
    assert result.exit_code == 2, result.output
    assert "hc07.txt" in result.stderr and "--replace" in result.stderr
    assert _snapshot(project) == before


def test_a_file_of_the_same_name_elsewhere_is_refused(coded, runner, tmp_path):
    project, _ = coded
    (tmp_path / "other").mkdir()
    other = tmp_path / "other" / "hc07.txt"
    other.write_text(EDITED)
    before = _snapshot(project)
    result = runner.invoke(app, ["ingest", str(other), "--coder", "ben", "-P", str(project.root)])
    assert result.exit_code == 2, result.output
    assert "--replace" in result.stderr
    assert _snapshot(project) == before


def test_replace_says_what_it_replaces(coded, runner, tmp_path):
    project, source = coded
    other = tmp_path / "hc07.md"
    other.write_text("# Notes\n\nThe ferry was late again, so the round started an hour behind.\n")
    result = runner.invoke(app, ["ingest", str(other), "--replace", "--coder", "ben",
                                 "-P", str(project.root)])
    assert result.exit_code == 0, result.output
    assert f"{other} replaces hc07 (ingested from {source}, txt)" in result.output
    assert load_document(project, "hc07").meta["format"] == "md"
    report = qcode.ingest(project, [source], coder="ben", replace=True)  # and back
    assert [(r.doc_id, r.recorded_source) for r in report.replaced] == [("hc07", str(other))]


def test_an_explicit_id_updates_without_replace(coded, runner, tmp_path):
    project, _ = coded
    corrected = tmp_path / "hc07-corrected.txt"
    corrected.write_text(EDITED)
    result = runner.invoke(app, ["ingest", str(corrected), "--id", "hc07", "--coder", "ben",
                                 "-P", str(project.root)])
    assert result.exit_code == 0, result.output
    assert "replaces" not in result.output
    assert _on_new_text(project)


def test_the_same_file_edited_updates_without_replace(coded):
    project, source = coded
    source.write_text(EDITED)
    report = qcode.ingest(project, [source], coder="ben")
    assert report.replaced == [] and [r.status for r in report.documents] == ["updated"]
