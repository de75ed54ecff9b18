"""The dialects real tools write (README of the REFI-QDA material) all import: built
here by hand, one feature at a time."""

from __future__ import annotations

import pytest
from exchange_support import make_zip, project_xml

from qcode.cli import app

KARI = "aaaaaaaa-0000-0000-0000-000000000001"
SRC = "BBBBBBBB-0000-0000-0000-000000000001"
CODE = "CCCCCCCC-0000-0000-0000-000000000001"
TEXT = "Kari: We drive to the first visit at eight.\nThe list changes every day."


def _selection(start: int, end: int, name: str = "", *, code: str | None = CODE, extra: str = "",
               guid: str = "DDDDDDDD-0000-0000-0000-000000000001") -> str:
    coding = (f'<Coding guid="EEEEEEEE-0000-0000-0000-{guid[-12:]}" creatingUser="{KARI}" '
              f'creationDateTime="2024-05-01T10:00:00Z"><CodeRef targetGUID="{code}"/></Coding>'
              if code else "")
    return (f'<PlainTextSelection guid="{guid}" name="{name}" startPosition="{start}" '
            f'endPosition="{end}" creatingUser="{KARI}">{extra}{coding}</PlainTextSelection>')


def _project(codes: str, selections: str, *, more: str = "", path: str = f"{SRC}.txt") -> str:
    return (f'<CodeBook><Codes>{codes}</Codes></CodeBook>'
            f'<Sources><TextSource guid="{SRC}" name="Interview Kari.docx" '
            f'plainTextPath="internal://{path}">{selections}</TextSource></Sources>{more}')


def _code(name: str = "Driving", guid: str = CODE, inner: str = "", **attrs: str) -> str:
    extra = "".join(f' {k}="{v}"' for k, v in attrs.items())
    return f'<Code guid="{guid}" name="{name}" isCodable="true"{extra}>{inner}</Code>'


def _members(body: str) -> list[tuple[str, bytes]]:
    return [("project.qde", project_xml(body)), (f"sources/{SRC}.txt", TEXT.encode())]


def _run(runner, project, tmp_path, members, name="in.qdpx", *extra):
    path = tmp_path / name
    path.write_bytes(make_zip(members))
    result = runner.invoke(app, ["import", str(path), "--project", str(project.root), "--coder",
                                 "ingrid", *extra])
    assert result.exit_code == 0, result.output
    return result


def _codings(project):
    from qcode.codings import replay
    from qcode.corpus import load_document

    return [(c.coder, c.doc, load_document(project, c.doc).text[c.start:c.end], c.code)
            for c in replay(project).codings if "orphan" not in c.flags]


@pytest.mark.parametrize("ns", ["urn:QDA-XML:project:1.0", "urn:QDA-XML:project:1:0",
                                "urn:QDA-XML:project:0:10", "urn:QDA\u2010XML:project:1.0", ""])
def test_namespaces(runner, project, tmp_path, ns):
    body = _project(_code(), _selection(6, 15, "We drive"))
    _run(runner, project, tmp_path, [("project.qde", project_xml(body, ns=ns)),
                                     (f"sources/{SRC}.txt", TEXT.encode())])
    assert _codings(project) == [("kari-nordmann", "interview-kari", "We drive ", "driving")]


def test_any_qde_name_capital_sources_boms_and_extra_files(runner, project, tmp_path):
    body = _project(_code(guid="{" + CODE.lower() + "}", inner="<Description/>", color="#0A0"),
                    _selection(6, 14, "We drive"))
    members = [("Study export.qde", b"\xef\xbb\xbf" + project_xml(body)),
               (f"Sources/{SRC}.txt", b"\xef\xbb\xbf" + TEXT.encode()), ("sources/.root", b"")]
    _run(runner, project, tmp_path, members)
    assert _codings(project) == [("kari-nordmann", "interview-kari", "We drive", "driving")]
    from qcode.codebook import load_codebook

    assert load_codebook(project.codebook_path).get("driving").colour == "#00aa00"


def test_folders_flat_names_and_nesting(runner, project, tmp_path):
    from qcode.codebook import load_codebook

    folder = _code("Work", "C0000000-0000-0000-0000-000000000001").replace('"true"', '"false"')
    codes = folder + _code("Work::Driving", CODE)
    body = _project(codes, _selection(6, 14, "We drive"))
    _run(runner, project, tmp_path, _members(body))
    codebook = load_codebook(project.codebook_path)
    assert codebook.get("driving").parent == "work"
    assert _codings(project)[0][3] == "driving"


def test_atlasti_crlf_counted_as_one_is_read_from_the_names(runner, project, tmp_path):
    crlf = TEXT.replace("\n", "\r\n")
    start = TEXT.index("The list")  # ATLAS.ti counts the CRLF as one character
    body = _project(_code(), _selection(start, start + 16, "The list changes"))
    result = _run(runner, project, tmp_path, [("project.qde", project_xml(body, origin="ATLAS.ti 9.1")),
                                              (f"sources/{SRC}.txt", crlf.encode())])
    assert "code points, CRLF counted as 1" in result.output.split("offsets read as ")[1].splitlines()[0]
    assert _codings(project)[0][2] == "The list changes"


def test_evidence_overrides_a_wrong_origin(runner, project, tmp_path):
    crlf = TEXT.replace("\n", "\r\n")
    start = crlf.index("The list")  # counted with CRLF as two, though the origin says ATLAS.ti
    body = _project(_code(), _selection(start, start + 16, "The list changes"))
    result = _run(runner, project, tmp_path, [("project.qde", project_xml(body, origin="ATLAS.ti 9.1")),
                                              (f"sources/{SRC}.txt", crlf.encode())])
    assert "fit another reading better" in result.output
    assert _codings(project)[0][2] == "The list changes"


def test_a_selection_that_does_not_verify_is_kept_as_an_orphan(runner, project, tmp_path):
    wrong = _selection(0, 4, "Something else entirely", guid="DDDDDDDD-0000-0000-0000-000000000002")
    body = _project(_code(), _selection(6, 14, "We drive") + wrong)
    result = _run(runner, project, tmp_path, [("project.qde", project_xml(body)),
                                              (f"sources/{SRC}.txt", TEXT.encode())])
    assert "1 kept as orphans" in result.output
    orphans = runner.invoke(app, ["orphans", "--project", str(project.root), "--format", "csv"])
    assert orphans.exit_code == 0, orphans.output
    assert "kari-nordmann" in orphans.output and "driving" in orphans.output
    assert _codings(project) == [("kari-nordmann", "interview-kari", "We drive", "driving")]
    rejects = (project.root / "imports" / "in-rejects.csv").read_text()
    assert "its name is not the text there" in rejects


def test_maxqda_comment_and_nvivo_annotation_become_memos(runner, project, tmp_path):
    from qcode.codings import replay

    note = "F0000000-0000-0000-0000-000000000001"
    comment = _selection(15, 40, "to the first visit at eig", code=None,
                         extra="<Description>Times are from the list.</Description>",
                         guid="DDDDDDDD-0000-0000-0000-000000000003")
    more = (f'<Notes><Note guid="{note}" name="Annotation" creatingUser="{KARI}">'
            "<PlainTextContent>She means the morning round.</PlainTextContent></Note></Notes>"
            f'<Links><Link guid="F1000000-0000-0000-0000-000000000001" originGUID="{note}" '
            'targetGUID="DDDDDDDD-0000-0000-0000-000000000001"/></Links>')
    body = _project(_code(), _selection(6, 14, "We drive") + comment, more=more)
    _run(runner, project, tmp_path, _members(body))
    memos = {m.text: m for m in replay(project).memos}
    comment = memos["Times are from the list."]
    assert comment.span == "15:40" and comment.code is None
    annotation = memos["Annotation: She means the morning round."]
    assert annotation.coding == "kari-nordmann:1"


def test_variables_through_cases_and_on_sources_become_attributes(runner, project, tmp_path):
    from qcode.corpus import load_document

    var = "A1000000-0000-0000-0000-000000000001"
    more = (f'<Variables><Variable guid="{var}" name="Team name" typeOfVariable="Text"/></Variables>'
            f'<Cases><Case guid="A2000000-0000-0000-0000-000000000001" name="Kari">'
            f'<VariableValue><VariableRef targetGUID="{var}"/><TextValue>North</TextValue></VariableValue>'
            f'<SourceRef targetGUID="{SRC}"/></Case></Cases>')
    body = (f'<CodeBook><Codes>{_code()}</Codes></CodeBook>{more}'
            f'<Sources><TextSource guid="{SRC}" name="Interview Kari.docx" '
            f'plainTextPath="internal://{SRC}.txt"/></Sources>')
    _run(runner, project, tmp_path, _members(body))
    assert load_document(project, "interview-kari").attributes == {"Team_name": "North"}


def test_id_from_name_keeps_the_sources_spelling(runner, project, tmp_path):
    body = _project(_code(), _selection(6, 14, "We drive")).replace("Interview Kari.docx", "P2_GMT2021.odt")
    _run(runner, project, tmp_path, _members(body),
         "in.qdpx", "--id-from", "name")
    assert _codings(project)[0][1] == "p2_gmt2021"


def test_a_source_that_exists_with_other_text_is_refused(runner, project, tmp_path):
    from exchange_support import snapshot

    body = _project(_code(), _selection(6, 14, "We drive"))
    members = _members(body)
    _run(runner, project, tmp_path, members)
    changed = [("project.qde", project_xml(body, users=f'<User guid="{KARI}" name="Other"/>')),
               (f"sources/{SRC}.txt", b"Kari: We drive to the other visit.")]
    (tmp_path / "b.qdpx").write_bytes(make_zip(changed))
    before = snapshot(project.root)
    result = runner.invoke(app, ["import", str(tmp_path / "b.qdpx"), "--project", str(project.root),
                                 "--coder", "ingrid"])
    assert result.exit_code == 2 and "with other text" in result.output
    assert snapshot(project.root) == before


def test_the_supervisors_report_names_the_imported_log(runner, project, tmp_path):
    from qcode.report import ReportOptions, write_report

    body = _project(_code(), _selection(6, 14, "We drive"))
    _run(runner, project, tmp_path, _members(body))
    import html

    out = write_report(project, tmp_path / "r.html", options=ReportOptions(replicates=200))
    text = html.unescape(out.read_text())
    assert "audit/kari-nordmann.log: imported from TestTool 1.0 (user 'Kari Nordmann')" in text
    assert "written once by ingrid's import" in text


def test_a_project_that_requires_signatures_refuses_an_unsigned_importer_first(runner, project, tmp_path):
    from exchange_support import snapshot

    settings = project.root / "qcode.yaml"
    settings.write_text(settings.read_text() + "audit:\n  require_signatures: true\n")
    body = _project(_code(), _selection(6, 14, "We drive"))
    (tmp_path / "in.qdpx").write_bytes(make_zip(_members(body)))
    before = snapshot(project.root)
    result = runner.invoke(app, ["import", str(tmp_path / "in.qdpx"), "--project", str(project.root),
                                 "--coder", "ingrid"])
    assert result.exit_code == 2 and "requires signatures" in result.output, result.output
    assert snapshot(project.root) == before
