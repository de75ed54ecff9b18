"""The three real REFI-QDA files (tests/fixtures/refi/NOTICE.md) import as the README says."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from exchange_support import ATLASTI, NVIVO, TAGUETTE

from qcode.cli import app


def _import(runner, project, path, *extra):
    return runner.invoke(app, ["import", str(path), "--project", str(project.root), "--coder",
                               "ingrid", *extra])


@pytest.fixture(scope="module")
def nvivo_project(tmp_path_factory):
    """The NVivo sample imported once (making its 1.2 MB of documents takes a while)."""
    from typer.testing import CliRunner

    from qcode.project import init_project

    project = init_project(tmp_path_factory.mktemp("nvivo") / "study")
    result = _import(CliRunner(), project, NVIVO)
    assert result.exit_code == 0, result.output
    return project, result


def test_nvivo_every_selection_lands_on_the_utf16_reading_of_the_file(nvivo_project):
    """All 303 selections, checked against an independent reading: slice the file's
    UTF-16 encoding (BOM dropped, CRLF kept) and normalise the slice as ingest would."""
    from qcode.codings import replay
    from qcode.corpus import load_document, normalise

    project, result = nvivo_project
    assert "offsets read as UTF-16 code units, CRLF counted as 2, BOM not counted" in result.output
    archive = zipfile.ZipFile(NVIVO)
    root = archive.read("project.qde").decode("utf-8-sig")
    from lxml import etree

    tree = etree.fromstring(root.encode())
    expected = []
    for source in tree.iter("{*}TextSource"):
        member = "Sources/" + source.get("plainTextPath").split("://")[1]
        units = archive.read(member).decode("utf-8-sig").encode("utf-16-le")
        name = source.get("name").replace("_", "-")
        for sel in source.iter("{*}PlainTextSelection"):
            a, b = int(sel.get("startPosition")), int(sel.get("endPosition"))
            expected.append((name, normalise(units[2 * a:2 * b].decode("utf-16-le"))))
    codings = replay(project).codings
    assert len(expected) == 303 and len(codings) == 303
    got = sorted((c.doc, load_document(project, c.doc).text[c.start:c.end]) for c in codings)
    assert got == sorted(expected)
    assert not (project.root / "imports").exists()  # nothing left unplaced


def test_nvivo_reading_is_chosen_by_evidence_not_only_by_origin(nvivo_project):
    project, result = nvivo_project
    lines = [ln for ln in result.output.splitlines() if ln.startswith("reading ")]
    used = [ln for ln in lines if ln.endswith("<- used")]
    assert len(used) == 1 and "UTF-16 code units, CRLF counted as 2, BOM not counted" in used[0]
    assert "300 on word boundaries" in used[0]
    assert any("code points, CRLF counted as 2, BOM not counted: 303 of 303 in range, 49 on" in ln
               for ln in lines)


def test_nvivo_users_become_imported_coders_recorded_in_project_log(nvivo_project):
    from qcode.audit import read_log, verify_project

    project, _ = nvivo_project
    events = read_log(project.log_path("gergo")).events
    assert len(events) == 303
    assert {e.source for e in events} == {"import:refi"}
    assert events[0].data["tool"] == "NVivo for Windows 12.6"
    assert events[0].data["user"] == "Gergo" and events[0].data["by"] == "ingrid"
    assert events[0].data["created"].startswith("2025-06-")
    record = read_log(project.log_path("project")).events[-1]
    assert record.action == "import" and record.actor == "ingrid"
    assert record.data["coders"] == {"gergo": "Gergo"}
    assert record.data["counts"]["gergo"]["codings"] == 303
    assert verify_project(project).ok


def test_verify_names_the_imported_log_and_who_imported_it(nvivo_project):
    from typer.testing import CliRunner

    project, _ = nvivo_project
    result = CliRunner().invoke(app, ["audit", "verify", "--project", str(project.root)])
    assert result.exit_code == 0, result.output
    assert ("audit/gergo.log: imported from NVivo for Windows 12.6 (user 'Gergo'), written once "
            "by ingrid's import") in result.output


def test_audit_show_says_the_log_was_written_by_an_import(nvivo_project):
    from typer.testing import CliRunner

    project, _ = nvivo_project
    result = CliRunner().invoke(app, ["audit", "show", "--coder", "gergo", "--project", str(project.root)])
    assert result.exit_code == 0, result.output
    assert ("gergo: imported from NVivo for Windows 12.6 (user 'Gergo'), written by ingrid's "
            "import") in result.output
    assert "import:refi" in result.output


def test_nvivo_codebook_keeps_its_nesting_and_descriptions(nvivo_project):
    from qcode.codebook import load_codebook

    project, _ = nvivo_project
    codebook = load_codebook(project.codebook_path)
    parent = codebook.get("2-attitud-szint-az-oltashoz")
    assert parent.label == "2. Attitűd szint az oltáshoz"
    assert "szkeptikus" in parent.definition
    assert {c.label for c in codebook.children(parent.id)} == {"piros", "sárga", "zöld"}
    assert len(codebook.codes) == 152


def test_importing_the_same_users_again_is_refused(runner, nvivo_project):
    from exchange_support import snapshot

    project, _ = nvivo_project
    before = snapshot(project.root)
    again = _import(runner, project, NVIVO)
    assert again.exit_code == 2
    assert "audit/gergo.log exists already" in again.output and "--prefix" in again.output
    assert snapshot(project.root) == before


def test_atlasti_project_flat_names_notes_and_missing_sources(runner, project):
    from qcode.codebook import load_codebook
    from qcode.codings import replay

    result = _import(runner, project, ATLASTI)
    assert result.exit_code == 0, result.output
    codebook = load_codebook(project.codebook_path)
    coke = codebook.get("coke")
    assert coke.definition == "the breakfast of champions" and coke.colour == "#966450"
    assert {c.label for c in codebook.children("coke")} == {"full-fat Coke", "diet Coke"}
    assert codebook.get("rushed").label == '"rushed"'
    memos = replay(project).memos
    assert sorted(m.text.split(":")[0] for m in memos) == ["My favorite Coke ad", "Research Plan"]
    assert {m.coder for m in memos} == {"friedrich-markgraf"}
    assert "its plain text is not in the file" in result.output
    rejects = list(csv.DictReader(io.StringIO(
        (project.root / "imports" / f"{ATLASTI.stem}-rejects.csv").read_text())))
    assert len(rejects) == 8  # every text selection of a source whose text is absent
    assert any(r["quote"].startswith("Oh, that was great") for r in rejects)


def test_taguette_codebook_with_empty_sets_and_path_names(runner, project):
    from qcode.codebook import load_codebook

    result = _import(runner, project, TAGUETTE)
    assert result.exit_code == 0, result.output
    codebook = load_codebook(project.codebook_path)
    assert [c.id for c in codebook.codes] == ["interesting", "places", "people"]
    assert codebook.get("places").parent == "interesting"


def test_codebook_import_of_a_qdc_matches_codes_already_there(runner, project):
    first = runner.invoke(app, ["codebook", "import", str(TAGUETTE), "--project", str(project.root),
                                "--coder", "ingrid"])
    assert first.exit_code == 0, first.output
    again = runner.invoke(app, ["codebook", "import", str(TAGUETTE), "--project", str(project.root),
                                "--coder", "ingrid", "--dry-run"])
    assert again.exit_code == 0, again.output
    assert "codes: 0 new" in again.output


def test_dry_run_lists_per_coder_and_code_and_writes_nothing(runner, project):
    from exchange_support import snapshot

    before = snapshot(project.root)
    result = _import(runner, project, NVIVO, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "coder gergo (was 'Gergo'): 303 codings of 76 codes" in result.output
    assert "resisting-coercion 28" in result.output
    assert snapshot(project.root) == before


def test_prefix_names_imported_coders(runner, project):
    result = _import(runner, project, NVIVO, "--prefix", "nvivo-", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "coder nvivo-gergo (was 'Gergo'): 303 codings" in result.output


def test_the_import_line_names_file_tool_and_coders(nvivo_project):
    project, _ = nvivo_project
    record = json.loads(project.log_path("project").read_text().splitlines()[-1])
    assert record["action"] == "import" and record["source"] == "import:refi"
    assert record["data"]["file"] == NVIVO.name and record["data"]["origin"] == "NVivo for Windows 12.6"
