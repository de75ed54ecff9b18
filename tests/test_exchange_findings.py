"""What a person met trying the imports on the sample study and on bad files: a dry
run answers as the import would, a damaged spreadsheet or one that places nothing
is refused whole, `init --from` can be tried first, and the import says what
REFI-QDA carried only as text."""

from __future__ import annotations

from exchange_support import NVIVO, snapshot

from qcode.cli import app

TEXT = "Interviewer: How was the week?\n\nAna: Fine. The rota was fine.\n"


def _study(project, tmp_path):
    from qcode.corpus.ingest import ingest

    (tmp_path / "P2_GMT20211119.txt").write_text(TEXT, encoding="utf-8")
    ingest(project, [tmp_path / "P2_GMT20211119.txt"])
    return project


def _import(runner, project, *args):
    return runner.invoke(app, ["import", *map(str, args), "--project", str(project.root),
                               "--coder", "ingrid"])


def _one_error_line(result, needle: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert needle in lines[0], lines[0]


def test_a_dry_run_is_refused_where_the_import_would_be(runner, project):
    assert _import(runner, project, NVIVO).exit_code == 0
    before = snapshot(project.root)
    dry = _import(runner, project, NVIVO, "--dry-run")
    _one_error_line(dry, "audit/gergo.log exists already")
    assert snapshot(project.root) == before
    assert _import(runner, project, NVIVO, "--dry-run", "--prefix", "nvivo-").exit_code == 0


def test_a_csv_with_an_unterminated_quote_is_refused_whole(runner, project, tmp_path):
    _study(project, tmp_path)
    path = tmp_path / "highlights.csv"
    path.write_text('id,document,tag,content\n1,P2_GMT20211119,fine,Fine.\n2,"P2_GMT20211119,x,y\n',
                    encoding="utf-8")
    before = snapshot(project.root)
    _one_error_line(_import(runner, project, path), "highlights.csv")
    assert snapshot(project.root) == before


def test_a_spreadsheet_none_of_whose_rows_can_be_placed_is_refused(runner, project, tmp_path):
    _study(project, tmp_path)
    path = tmp_path / "highlights.csv"
    path.write_text("id,document,tag,content\n1,P9_notingested,fine,Fine.\n2,P9_notingested,rota,"
                    "The rota\n", encoding="utf-8")
    before = snapshot(project.root)
    result = _import(runner, project, path)
    _one_error_line(result, "none of its 2 rows")
    assert "no document 'p9-notingested'" in result.output
    assert snapshot(project.root) == before


def test_some_rows_placed_is_still_an_import_with_rejects(runner, project, tmp_path):
    _study(project, tmp_path)
    path = tmp_path / "highlights.csv"
    path.write_text("id,document,tag,content\n1,P2_GMT20211119,fine,Fine.\n2,P9,rota,The rota\n",
                    encoding="utf-8")
    result = _import(runner, project, path)
    assert result.exit_code == 0, result.output
    assert (project.root / "imports" / "highlights-rejects.csv").exists()


def test_init_from_has_a_dry_run_that_leaves_no_folder(runner, tmp_path):
    target = tmp_path / "new"
    result = runner.invoke(app, ["init", str(target), "--from", str(NVIVO), "--as", "ingrid",
                                 "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "coder gergo (was 'Gergo'): 303 codings" in result.output
    assert "Dry run: nothing was written." in result.output
    assert not target.exists()


def test_init_from_dry_run_into_an_existing_folder_leaves_it_as_it_was(runner, tmp_path):
    target = tmp_path / "there"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    result = runner.invoke(app, ["init", str(target), "--from", str(NVIVO), "--as", "ingrid",
                                 "--dry-run", "--force"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in target.iterdir()) == ["keep.txt"]


def test_the_import_summarises_what_travelled_as_text(runner, project, tmp_path):
    from qcode.exchange import export

    _study(project, tmp_path)
    (project.root / "codebook.yaml").write_text(
        "version: 1\ncodes:\n  - id: fine\n    label: Fine\n", encoding="utf-8")
    for args in (["apply", "p2-gmt20211119", "fine", "--quote", "Fine."],
                 ["apply", "p2-gmt20211119", "fine", "--quote", "The rota was fine."],
                 ["remove", "p2-gmt20211119", "fine", "--quote", "Fine."]):
        result = runner.invoke(app, [*args, "--project", str(project.root), "--coder", "anna"])
        assert result.exit_code == 0, result.output
    export(project, tmp_path / "out.qdpx")
    result = runner.invoke(app, ["init", str(tmp_path / "copy"), "--from", str(tmp_path / "out.qdpx"),
                                 "--as", "ingrid"])
    assert result.exit_code == 0, result.output
    kept = [line for line in result.output.splitlines() if line.startswith("kept as text")]
    assert kept == ["kept as text in project.log (REFI-QDA has no field for it): 1 removal"], kept


def test_a_qdpx_that_is_not_a_zip_says_so(runner, project, tmp_path):
    path = tmp_path / "broken.qdpx"
    path.write_bytes(b"hello, not an archive")
    _one_error_line(_import(runner, project, path), "not a ZIP archive")


def test_a_retired_code_comes_back_retired_from_a_qcode_export(runner, project, tmp_path):
    from qcode.codebook import load_codebook
    from qcode.codings import replay
    from qcode.exchange import export
    from qcode.project import open_project

    _study(project, tmp_path)
    book = ("version: 1\ncodes:\n  - id: fine\n    label: Fine\n  - id: rota\n    label: Rota\n"
            "    definition: The list of visits\n")
    (project.root / "codebook.yaml").write_text(book, encoding="utf-8")
    result = runner.invoke(app, ["apply", "p2-gmt20211119", "rota", "--quote", "The rota",
                                 "--project", str(project.root), "--coder", "anna"])
    assert result.exit_code == 0, result.output
    (project.root / "codebook.yaml").write_text(book + "    retired: true\n", encoding="utf-8")
    export(project, tmp_path / "out.qdpx")
    result = runner.invoke(app, ["init", str(tmp_path / "copy"), "--from", str(tmp_path / "out.qdpx"),
                                 "--as", "ingrid"])
    assert result.exit_code == 0, result.output
    copy = open_project(tmp_path / "copy")
    codes = {c.id: c.retired for c in load_codebook(copy.codebook_path).codes}
    assert codes == {"fine": False, "rota": True}
    assert [(c.coder, c.code) for c in replay(copy).codings] == [("anna", "rota")]


def test_a_folder_another_tool_marks_not_codable_is_not_retired(runner, project, tmp_path):
    from exchange_support import project_xml

    from qcode.codebook import load_codebook

    codes = ('<CodeBook><Codes><Code guid="CCCCCCCC-0000-0000-0000-000000000001" name="Care" '
             'isCodable="false"><Code guid="CCCCCCCC-0000-0000-0000-000000000002" name="Time" '
             'isCodable="true"/></Code></Codes></CodeBook>')
    path = tmp_path / "t.qde"
    path.write_bytes(project_xml(codes))
    result = _import(runner, project, path)
    assert result.exit_code == 0, result.output
    assert {c.label: c.retired for c in load_codebook(project.codebook_path).codes} == {
        "Care": False, "Time": False}


def test_skipped_sources_say_what_was_lost_in_words(runner, project):
    from exchange_support import ATLASTI

    result = _import(runner, project, ATLASTI, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "(0 selections" not in result.output
    assert "'Mabel.txt': its plain text is not in the file (1 selection not imported)" in result.output
    assert "'1960s Coca Cola commercial - Audio.docx': its plain text is not in the file (it had " \
           "no selections)" in result.output


def test_init_dry_run_without_from_is_one_line(runner, tmp_path):
    result = runner.invoke(app, ["init", str(tmp_path / "new"), "--dry-run"])
    _one_error_line(result, "--dry-run goes with --from FILE")
    assert not (tmp_path / "new").exists()
