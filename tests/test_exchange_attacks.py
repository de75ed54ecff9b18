"""A .qdpx (or .xlsx, .qdc) is untrusted: each attack, built here, is refused with
one line, exit 2, and nothing in the project changes."""

from __future__ import annotations

import zipfile

import pytest
from exchange_support import make_zip, project_xml, snapshot

from qcode.cli import app
from qcode.corpus import archive as safety

SOURCE = ('<Sources><TextSource guid="BBBBBBBB-0000-0000-0000-000000000001" name="a" '
          'plainTextPath="internal://BBBBBBBB-0000-0000-0000-000000000001.txt"/></Sources>')
TEXT = ("sources/BBBBBBBB-0000-0000-0000-000000000001.txt", b"Some text.")


def _refused(runner, project, path, needle: str) -> None:
    before = snapshot(project.root)
    result = runner.invoke(app, ["import", str(path), "--project", str(project.root), "--coder", "ingrid"])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert needle in lines[0]
    assert "Traceback" not in result.output
    assert snapshot(project.root) == before


def _qdpx(tmp_path, members, name="attack.qdpx", **kw) -> object:
    path = tmp_path / name
    path.write_bytes(make_zip(members, **kw))
    return path


def test_member_names_with_dotdot_are_refused(runner, project, tmp_path):
    path = _qdpx(tmp_path, [("project.qde", project_xml(SOURCE)), TEXT, ("../../evil.txt", b"x")])
    _refused(runner, project, path, "points outside the archive")
    assert not (tmp_path.parent / "evil.txt").exists()


def test_absolute_member_names_are_refused(runner, project, tmp_path):
    path = _qdpx(tmp_path, [("project.qde", project_xml(SOURCE)), ("/etc/cron.d/x", b"x")])
    _refused(runner, project, path, "points outside the archive")


def test_windows_drive_and_backslash_paths_are_refused(runner, project, tmp_path):
    path = _qdpx(tmp_path, [("project.qde", project_xml(SOURCE)), ("..\\..\\x.txt", b"x")])
    _refused(runner, project, path, "points outside the archive")


def test_symlink_members_are_refused(runner, project, tmp_path):
    path = _qdpx(tmp_path, [("project.qde", project_xml(SOURCE)), TEXT], symlink="sources/link.txt")
    _refused(runner, project, path, "symbolic link")


def test_too_many_members_are_refused(runner, project, tmp_path, monkeypatch):
    monkeypatch.setattr(safety, "MAX_MEMBERS", 50)  # the real cap is 10,000
    members = [("project.qde", project_xml(SOURCE)), TEXT] + [(f"sources/{i}.txt", b"x") for i in range(60)]
    _refused(runner, project, _qdpx(tmp_path, members), "more than the 50")


def test_a_zip_bomb_member_is_refused(runner, project, tmp_path):
    bomb = b"\0" * (8 << 20)  # 8 MiB of zeros deflate about a thousandfold
    path = _qdpx(tmp_path, [("project.qde", project_xml(SOURCE)), TEXT, ("sources/bomb.txt", bomb)])
    _refused(runner, project, path, "ZIP bomb")


def test_the_total_expanded_size_is_capped(runner, project, tmp_path, monkeypatch):
    import random

    monkeypatch.setattr(safety, "MAX_TOTAL", 1 << 20)  # the real cap is 2 GiB
    text = random.Random(7).randbytes(2 << 20)  # 2 MiB that do not compress
    path = _qdpx(tmp_path, [("project.qde", project_xml(SOURCE)), ("sources/big.txt", text)])
    _refused(runner, project, path, "expands to more than 1 MiB")


def test_a_doctype_is_refused(runner, project, tmp_path):
    xml = project_xml(SOURCE).replace(b"<Project", b'<!DOCTYPE Project SYSTEM "x.dtd">\n<Project', 1)
    _refused(runner, project, _qdpx(tmp_path, [("project.qde", xml), TEXT]), "DOCTYPE")


def test_an_external_entity_is_refused_and_not_read(runner, project, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("the secret")
    xml = (f'<?xml version="1.0"?>\n<!DOCTYPE p [<!ENTITY x SYSTEM "file://{secret}">]>\n'
           '<Project xmlns="urn:QDA-XML:project:1.0" name="&x;"/>').encode()
    _refused(runner, project, _qdpx(tmp_path, [("project.qde", xml)]), "DOCTYPE")


def test_entity_expansion_is_refused(runner, project, tmp_path):
    laughs = "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    xml = (f'<?xml version="1.0"?>\n<!DOCTYPE p [<!ENTITY l0 "ha">{laughs}]>\n'
           '<Project xmlns="urn:QDA-XML:project:1.0" name="&l9;"/>').encode()
    _refused(runner, project, _qdpx(tmp_path, [("project.qde", xml)]), "DOCTYPE")


def test_a_utf16_doctype_is_refused_too(runner, project, tmp_path):
    xml = ('<?xml version="1.0" encoding="utf-16"?>\n<!DOCTYPE p [<!ENTITY x "y">]>\n'
           '<Project xmlns="urn:QDA-XML:project:1.0" name="&x;"/>').encode("utf-16")
    _refused(runner, project, _qdpx(tmp_path, [("project.qde", xml)]), "DOCTYPE")


def test_a_bare_qde_and_qdc_with_a_doctype_are_refused(runner, project, tmp_path):
    xml = (b'<?xml version="1.0"?>\n<!DOCTYPE c [<!ENTITY x "y">]>\n'
           b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"/>')
    (tmp_path / "c.qdc").write_bytes(xml)
    _refused(runner, project, tmp_path / "c.qdc", "DOCTYPE")


def test_not_a_zip_and_no_qde_are_one_line_each(runner, project, tmp_path):
    (tmp_path / "x.qdpx").write_bytes(b"PK\x03\x04 not really")
    _refused(runner, project, tmp_path / "x.qdpx", "damaged ZIP")
    _refused(runner, project, _qdpx(tmp_path, [TEXT], name="y.qdpx"), "no .qde project file")
    (tmp_path / "z.qde").write_bytes(b"<Project")
    _refused(runner, project, tmp_path / "z.qde", "not well-formed XML")


def test_an_encrypted_member_is_refused(runner, project, tmp_path):
    path = _qdpx(tmp_path, [("project.qde", project_xml(SOURCE)), TEXT])
    data = bytearray(path.read_bytes())
    # set the "encrypted" flag bit in the local and central headers of every member
    for sig in (b"PK\x03\x04", b"PK\x01\x02"):
        start = 0
        while (at := data.find(sig, start)) >= 0:
            offset = at + (6 if sig == b"PK\x03\x04" else 8)
            data[offset] |= 1
            start = at + 4
    path.write_bytes(bytes(data))
    _refused(runner, project, path, "encrypted")


def test_an_xlsx_with_a_doctype_never_reaches_openpyxl(runner, project, tmp_path):
    sheet = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><worksheet/>'
    path = tmp_path / "codings.xlsx"
    path.write_bytes(make_zip([("[Content_Types].xml", b"<Types/>"), ("xl/worksheets/sheet1.xml", sheet)]))
    _refused(runner, project, path, "DOCTYPE")


@pytest.mark.parametrize("name", ["../x", "/abs", "a/../../b", "C:/win"])
def test_check_member_names(name):
    from qcode.errors import InputError

    with pytest.raises(InputError):
        safety.check_member(zipfile.ZipInfo(name), "f")


def test_init_from_a_hostile_file_leaves_no_folder(runner, tmp_path):
    path = _qdpx(tmp_path, [("project.qde", project_xml(SOURCE)), ("../x", b"x")])
    result = runner.invoke(app, ["init", str(tmp_path / "new"), "--from", str(path), "--as", "ingrid"])
    assert result.exit_code == 2 and "points outside the archive" in result.output
    assert not (tmp_path / "new").exists()
