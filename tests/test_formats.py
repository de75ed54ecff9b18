"""The new source formats (.odt, .pdf, .rtf, .html), each read from a file built here,
and each hostile or unreadable variant refused with one line and exit 2."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from qcode.cli import app
from qcode.corpus import read_source
from qcode.errors import InputError

ODT_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')


def odt(body: str, *, manifest: bytes = b"<manifest/>", extra: list[tuple[str, bytes]] = ()) -> bytes:
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODT_NS}>'
               f"<office:body><office:text>{body}</office:text></office:body>"
               "</office:document-content>").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", content)
        archive.writestr("META-INF/manifest.xml", manifest)
        for name, data in extra:
            archive.writestr(name, data)
    return out.getvalue()


def pdf(pages: list[str]) -> bytes:
    """A PDF with one text line per page, written by hand (Helvetica, no compression)."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", ""]
    kids = []
    for text in pages:
        stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET" if text else ""
        content_id = len(objects) + 2
        kids.append(len(objects) + 1)
        objects.append("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                       f"/Contents {content_id} 0 R "
                       "/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> "
                       ">> >> >>")
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>"
    out = b"%PDF-1.4\n"
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def test_odt_paragraphs_headings_spaces_and_turns():
    body = ('<text:h text:outline-level="1">Visit notes</text:h>'
            "<text:p>Interviewer: How did it go?</text:p>"
            '<text:p>Kari: We<text:s text:c="2"/>were <text:span>late</text:span>again.'
            "<text:note><text:note-body><text:p>a footnote</text:p></text:note-body></text:note></text:p>"
            "<text:list><text:list-item><text:p>Kari: The list changed.</text:p>"
            "</text:list-item></text:list>")
    parsed = read_source(Path("v.odt"), odt(body))
    assert parsed.text == ("Visit notes\n\nInterviewer: How did it go?\n\nKari: We were late"
                           "again.\n\nKari: The list changed.\n")
    assert parsed.format == "odt"


def test_pdf_text_layer_and_pages():
    parsed = read_source(Path("p.pdf"), pdf(["Kari: First page.", "Kari: Second page."]))
    assert parsed.text == "Kari: First page.\n\nKari: Second page.\n"
    assert [parsed.text[a:b] for a, b in parsed.pages] == ["Kari: First page.", "Kari: Second page."]


def test_rtf_and_html():
    rtf = rb"{\rtf1\ansi{\fonttbl\f0 Arial;}\f0 Kari: Vi m\'e5 kj\'f8re.\par Per: Ja.\par}"
    assert read_source(Path("r.rtf"), rtf).text == "Kari: Vi må kjøre.\n\nPer: Ja.\n"
    page = (b"<html><head><title>t</title><style>p{}</style><script>x()</script></head><body>"
            b"<h1>Notes</h1><p>Kari: We&nbsp;share <b>one</b> car &amp; a phone.</p><p>Per: Yes.<br>Ok.</p>"
            b"</body></html>")
    assert read_source(Path("h.html"), page).text == (
        "Notes\n\nKari: We share one car & a phone.\n\nPer: Yes.\n\nOk.\n")


def test_ingest_of_each_format_through_the_cli(runner, project, tmp_path):
    from qcode.corpus import load_document

    files = {"a.odt": odt("<text:p>I: One.</text:p><text:p>R: Two.</text:p>"),
             "b.pdf": pdf(["I: One.", "R: Two."]), "c.rtf": rb"{\rtf1 I: One.\par R: Two.\par}",
             "d.html": b"<p>I: One.</p><p>R: Two.</p>"}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    result = runner.invoke(app, ["ingest", *(str(tmp_path / n) for n in files), "--project",
                                 str(project.root)])
    assert result.exit_code == 0, result.output
    for doc in "abcd":
        document = load_document(project, doc)
        assert document.text == "I: One.\n\nR: Two.\n", doc
        assert [t.speaker for t in document.turns] == ["I", "R"]
    assert load_document(project, "b").meta["pages"] == [[0, 7], [9, 16]]


@pytest.mark.parametrize(("name", "data", "needle"), [
    ("scan.pdf", pdf(["", ""]), "no text layer"),
    ("broken.pdf", b"%PDF-1.4\n garbage", "not a readable PDF"),
    ("fake.pdf", b"PK\x03\x04zip", "a ZIP archive"),
    ("notzip.odt", b"just text", "not a ZIP archive"),
    ("locked.odt", odt("<text:p>x</text:p>", manifest=b"<manifest><encryption-data/></manifest>"),
     "password-protected"),
    ("bomb.odt", odt("<text:p>x</text:p>", extra=[("Pictures/big.bin", b"\0" * (8 << 20))]), "ZIP bomb"),
    ("entity.odt", odt("<text:p>x</text:p>").replace(b"content.xml", b"contentXxml"), "no content.xml"),
    ("plain.rtf", b"not rtf at all", "starts with"),
], ids=lambda v: v if isinstance(v, str) and len(v) < 40 else "")
def test_bad_or_hostile_files_are_one_line_exit_2(runner, project, tmp_path, name, data, needle):
    (tmp_path / name).write_bytes(data)
    with pytest.raises(InputError, match=needle):
        read_source(tmp_path / name, data)
    result = runner.invoke(app, ["ingest", str(tmp_path / name), "--project", str(project.root)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0]
    assert not list((project.root / "documents").glob("*.txt"))


def test_an_odt_with_a_doctype_is_refused():
    data = odt("<text:p>x</text:p>")
    content = (f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
               f"<office:document-content {ODT_NS}><office:body><office:text><text:p>&e;</text:p>"
               "</office:text></office:body></office:document-content>").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("content.xml", content)
    with pytest.raises(InputError, match="DOCTYPE"):
        read_source(Path("x.odt"), out.getvalue())
    assert data  # the well-formed one reads (above)


def test_an_encrypted_pdf_is_refused():
    import pypdf

    writer = pypdf.PdfWriter()
    writer.append(pypdf.PdfReader(io.BytesIO(pdf(["Kari: secret."]))))
    writer.encrypt(user_password="pw", owner_password="pw")
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(InputError, match="encrypted"):
        read_source(Path("s.pdf"), out.getvalue())


def test_pypdf_says_nothing_of_its_own_about_a_damaged_pdf(caplog, runner, project, tmp_path):
    """pypdf logs warnings ("EOF marker not found") that would reach the terminal as a
    second line beside qcode's one; the reader keeps them to itself."""
    import logging

    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4\n garbage")
    with caplog.at_level(logging.WARNING), pytest.raises(InputError, match="not a readable PDF"):
        read_source(path, path.read_bytes())
    assert [r.getMessage() for r in caplog.records if r.name.startswith("pypdf")] == []
    assert logging.getLogger("pypdf").level == logging.NOTSET  # left as it was


def test_a_docx_declaring_entities_is_refused_not_read_without_them(runner, project, tmp_path):
    """python-docx resolves no entity, so one declared in a DOCTYPE would vanish from
    the text without a word; such a file is refused like an .odt or .xlsx."""
    import docx

    made = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("Kari: we said HELLO twice.")
    document.save(made)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(made.getvalue())) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "word/document.xml":
                data = data.replace(b"?>", b'?><!DOCTYPE d [<!ENTITY h "hello">]>', 1)
                data = data.replace(b"HELLO", b"&h;")
            dst.writestr(name, data)
    path = tmp_path / "entity.docx"
    path.write_bytes(out.getvalue())
    result = runner.invoke(app, ["ingest", str(path), "--project", str(project.root)])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "DOCTYPE" in lines[0], result.output
    assert not list((project.root / "documents").glob("*.txt"))


def test_a_pdfs_pages_are_listed_by_units_pages(runner, project, tmp_path):
    (tmp_path / "p.pdf").write_bytes(pdf(["Kari: One page.", "Kari: Two pages."]))
    (tmp_path / "t.txt").write_text("Kari: no pages here.\n", encoding="utf-8")
    assert runner.invoke(app, ["ingest", str(tmp_path / "p.pdf"), str(tmp_path / "t.txt"),
                               "--project", str(project.root)]).exit_code == 0
    result = runner.invoke(app, ["units", "p", "--pages", "--format", "csv", "--project",
                                 str(project.root)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["unit,start,end,text", "page:1,0,15,Kari: One page.",
                                          "page:2,17,33,Kari: Two pages."]
    result = runner.invoke(app, ["units", "t", "--pages", "--project", str(project.root)])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "Error: t: no pages to list; only a PDF source keeps its pages."]
