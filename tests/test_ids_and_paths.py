"""Ids are checked at the boundary by one function each, matched in full, and no path
made from an id or a file the person names leads outside the project."""

from __future__ import annotations

import pytest
from audit_support import make_study

from qcode.cli import app


@pytest.fixture
def study(tmp_path):
    return make_study(tmp_path / "study")


def refused(result):
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("Error: ") and "Traceback" not in result.output
    return result.stderr


def test_attrs_set_cannot_write_outside_the_project(runner, study, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.txt").write_text("keep me\n", encoding="utf-8")
    (outside / "victim.yaml").write_text("id: victim\nattributes: {}\n", encoding="utf-8")
    before = (outside / "victim.yaml").read_bytes()
    result = runner.invoke(app, ["attrs", "set", "../../outside/victim", "pwned=yes",
                                 "-P", str(study.root)])
    assert "not allowed" in refused(result)
    assert (outside / "victim.yaml").read_bytes() == before


@pytest.mark.parametrize("args", [
    ["ingest", "--resegment", "../../x"],
    ["apply", "../../x", "coordination", "--quote", "x", "--coder", "anna"],
    ["show", "/etc/passwd", "--no-pager"],
    ["units", "hc01\n"],
])
def test_a_document_id_that_is_a_path_is_refused(runner, study, args):
    before = {p: p.read_bytes() for p in study.audit_dir.iterdir()}
    refused(runner.invoke(app, [*args, "-P", str(study.root)]))
    assert {p: p.read_bytes() for p in study.audit_dir.iterdir()} == before


def test_a_csv_row_naming_a_path_is_refused(runner, study, tmp_path):
    rows = tmp_path / "rows.csv"
    rows.write_text(f"doc,code,quote\n{tmp_path}/outside,coordination,x\n", encoding="utf-8")
    refused(runner.invoke(app, ["apply", "--from", str(rows), "--coder", "anna",
                                "-P", str(study.root)]))
    assert not (study.audit_dir / "anna.log").exists()


def test_a_coder_name_with_a_trailing_newline_is_refused(runner, study):
    result = runner.invoke(app, ["apply", "hc01", "coordination", "--quote", "We start with "
                                 "the list.", "--coder", "astrid\n", "-P", str(study.root)])
    refused(result)
    assert not any("astrid" in p.name for p in study.audit_dir.iterdir())


def test_every_id_is_matched_in_full():
    from qcode.errors import QcodeError
    from qcode.ids import check_coder_name, check_doc_id, is_code_id

    for bad in ("astrid\n", "Astrid", "a/b", "", "project"):
        with pytest.raises(QcodeError):
            check_coder_name(bad)
    for bad in ("hc01\n", "../x", "a/b", "x" * 101, "HC01", "a.b"):
        with pytest.raises(QcodeError):
            check_doc_id(bad)
    assert check_doc_id("hc01") == "hc01" and check_coder_name("anna") == "anna"
    for bad in ("a\n", "a/../b", "a//b", "../a", "a/", "x" * 101):
        assert not is_code_id(bad), bad
    assert is_code_id("collaboration/peers") and is_code_id("time-resources")


def test_a_project_path_is_kept_inside(tmp_path):
    from qcode.errors import InputError
    from qcode.ids import inside

    (tmp_path / "p").mkdir()
    assert inside(tmp_path / "p", tmp_path / "p" / "a.txt") == (tmp_path / "p" / "a.txt")
    with pytest.raises(InputError, match="leads outside"):
        inside(tmp_path / "p", tmp_path / "p" / ".." / "q.txt")
    (tmp_path / "p" / "link.yaml").symlink_to(tmp_path / "q.yaml")
    with pytest.raises(InputError, match="leads outside"):
        inside(tmp_path / "p", tmp_path / "p" / "link.yaml")


def test_a_300_character_id_is_refused_with_a_message(runner, study, tmp_path):
    source = tmp_path / "note.txt"
    source.write_text("A note.\n", encoding="utf-8")
    stderr = refused(runner.invoke(app, ["ingest", str(source), "--id", "n" * 300,
                                         "-P", str(study.root)]))
    assert "at most 100" in stderr and "OSError" not in stderr
    long_name = tmp_path / ("n" * 200 + ".txt")
    long_name.write_text("A note.\n", encoding="utf-8")
    assert "--id" in refused(runner.invoke(app, ["ingest", str(long_name),
                                                 "-P", str(study.root)]))


@pytest.mark.parametrize("suffix", [".txt", ".yaml"])
def test_a_document_file_linked_outside_the_project_is_refused(runner, study, tmp_path, suffix):
    """A stored document's text or metadata replaced by a symbolic link to a file
    outside the project is never read: the command names the path and stops."""
    stored = study.documents_dir / f"hc01{suffix}"
    outside = tmp_path / f"elsewhere{suffix}"
    outside.write_bytes(stored.read_bytes())
    stored.unlink()
    stored.symlink_to(outside)
    stderr = refused(runner.invoke(app, ["show", "hc01", "--no-pager", "-P", str(study.root)]))
    assert "leads outside" in stderr and f"hc01{suffix}" in stderr
