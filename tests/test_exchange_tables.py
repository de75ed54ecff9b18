"""Codings and codebooks from spreadsheets: a Taguette export with repeated highlight
texts imports completely; any CSV/XLSX with --columns; rejects kept by row."""

from __future__ import annotations

import csv
import io

import pytest

from qcode.cli import app

P2 = ("Interviewer: What happened then?\n\nP2: I said fine. Then the list changed again, "
      "and I said fine.\n\nInterviewer: Fine?\n\nP2: I said fine. Nobody asked twice.\n")
P3 = "P3: We share one car between three of us.\n"


@pytest.fixture
def study(project, tmp_path):
    from qcode.corpus.ingest import ingest

    for name, text in (("P2_GMT20211119.txt", P2), ("P3 notes.txt", P3)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    ingest(project, [tmp_path / "P2_GMT20211119.txt", tmp_path / "P3 notes.txt"])
    return project


def _csv(path, header, rows):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8-sig")
    return path


def _import(runner, project, *args):
    where = ["--project", str(project.root), "--coder", "ingrid"]
    return runner.invoke(app, ["import", *map(str, args), *where])


def test_taguette_highlights_with_repeated_texts_import_completely(runner, study, tmp_path):
    from qcode.codebook import load_codebook
    from qcode.codings import replay
    from qcode.corpus import load_document

    highlights = _csv(tmp_path / "highlights.csv", ["id", "document", "tag", "content"], [
        ["1", "P2_GMT20211119.odt", "acceptance", "I said fine."],
        ["1", "P2_GMT20211119.odt", "resignation", "I said fine."],  # one highlight, two tags
        ["2", "P2_GMT20211119.odt", "change", "the list changed again"],
        ["3", "P2_GMT20211119.odt", "acceptance", "I said fine."],
        ["4", "P2_GMT20211119.odt", "acceptance", "I said fine."],
        ["5", "P3 notes.odt", "sharing", "one car between\nthree of us"],
    ])
    codebook = _csv(tmp_path / "codebook.csv", ["tag", "description", "number of highlights"], [
        ["acceptance", "Going along with a change", "3"], ["resignation", "Giving up on it", "1"],
        ["change", "", "1"], ["sharing", "Sharing tools or cars", "1"]])
    result = _import(runner, study, highlights, "--codebook", codebook)
    assert result.exit_code == 0, result.output
    assert not (study.root / "imports").exists()  # nothing left unplaced
    text = load_document(study, "p2-gmt20211119").text
    fine = [i for i in range(len(text)) if text.startswith("I said fine.", i)]
    assert len(fine) == 3
    got = sorted((c.doc, c.start, c.code) for c in replay(study).codings)
    assert [(s, code) for d, s, code in got if d == "p2-gmt20211119" and code != "change"] == sorted(
        [(fine[0], "acceptance"), (fine[0], "resignation"), (fine[1], "acceptance"),
         (fine[2], "acceptance")])
    assert ("p3-notes", P3.index("one car"), "sharing") in got
    codes = load_codebook(study.codebook_path)
    assert codes.get("acceptance").definition == "Going along with a change"
    assert {c.coder for c in replay(study).codings} == {"highlights"}


def test_unplaceable_rows_are_reported_by_row_and_kept(runner, study, tmp_path):
    highlights = _csv(tmp_path / "h.csv", ["document", "tag", "content"], [
        ["P2_GMT20211119.odt", "a", "I said fine."],
        ["P9.odt", "a", "I said fine."],
        ["P2_GMT20211119.odt", "a", "words nobody said"],
    ])
    result = _import(runner, study, highlights)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO((study.root / "imports" / "h-rejects.csv").read_text())))
    assert [(r["row"], r["why"].split(" (")[0]) for r in rows] == [
        ("3", "no document 'p9' in the project"),
        ("4", "its text is not in the document")]


def test_generic_columns_coder_and_id_from_name(runner, project, tmp_path):
    from qcode.codings import replay
    from qcode.corpus.ingest import ingest

    (tmp_path / "P2_GMT.txt").write_text(P2, encoding="utf-8")
    ingest(project, [tmp_path / "P2_GMT.txt"], doc_id="p2_gmt")
    sheet = _csv(tmp_path / "c.csv", ["file", "label", "passage", "user", "note"], [
        ["P2_GMT.docx", "Care::Time", "the list changed", "Ann Smith", "Rota again"],
        ["P2_GMT.docx", "Care", "Nobody asked twice", "Bo", ""]])
    result = _import(runner, project, sheet, "--columns",
                     "doc=file,code=label,quote=passage,coder=user,memo=note", "--id-from", "name")
    assert result.exit_code == 0, result.output
    codings = {(c.coder, c.code) for c in replay(project).codings}
    assert codings == {("ann-smith", "time"), ("bo", "care")}
    assert [m.text for m in replay(project).memos] == ["Rota again"]


def test_xlsx_codings(runner, study, tmp_path):
    import openpyxl

    from qcode.codings import replay

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["document", "tag", "content"])
    sheet.append(["P3 notes.odt", "sharing", "one car"])
    book.save(tmp_path / "h.xlsx")
    result = _import(runner, study, tmp_path / "h.xlsx")
    assert result.exit_code == 0, result.output
    assert [c.code for c in replay(study).codings] == ["sharing"]


def test_a_sheet_without_known_columns_names_the_fix(runner, study, tmp_path):
    sheet = _csv(tmp_path / "x.csv", ["a", "b"], [["1", "2"]])
    result = _import(runner, study, sheet)
    assert result.exit_code == 2 and "--columns doc=COLUMN" in result.output
    bad = _import(runner, study, sheet, "--columns", "doc=a,code=b,quote=zzz")
    assert bad.exit_code == 2 and "no column 'zzz'" in bad.output


def test_codebook_import_from_csv_with_parents(runner, project, tmp_path):
    from qcode.codebook import load_codebook

    book = _csv(tmp_path / "cb.csv", ["code", "description", "parent"], [
        ["Coordination", "Organising the day", ""], ["Driving lists", "Who goes where", "Coordination"]])
    result = runner.invoke(app, ["codebook", "import", str(book), "--project", str(project.root),
                                 "--coder", "ingrid"])
    assert result.exit_code == 0, result.output
    codebook = load_codebook(project.codebook_path)
    assert codebook.get("driving-lists").parent == "coordination"
    assert codebook.get("coordination").definition == "Organising the day"


def test_qc_project_folder(runner, study, tmp_path):
    from qcode.codings import replay

    qc = tmp_path / "qcproject"
    (qc / "corpus").mkdir(parents=True)
    (qc / "codes").mkdir()
    (qc / "corpus" / "P3 notes.txt").write_text(P3)
    (qc / "codes" / "P3 notes.txt.chris.codes").write_text("sharing, cars\n")
    result = _import(runner, study, qc)
    assert result.exit_code == 0, result.output
    got = sorted((c.coder, c.code, c.start, c.end) for c in replay(study).codings)
    assert got == [("chris", "cars", 0, len(P3) - 1), ("chris", "sharing", 0, len(P3) - 1)]
