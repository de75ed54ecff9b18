"""The foundation's commands through CliRunner, one real run of the installed
``qcode``, and bad input: one "Error: ..." line, exit status 2, nothing changed.

With the installed click, ``result.stdout`` and ``result.stderr`` are separate and
``result.output`` is both interleaved, as a terminal would show them.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from qcode.cli import app
from qcode.corpus import load_document
from qcode.project import find_project

FIXTURES = Path(__file__).parent / "fixtures"


def run(runner, *args, env=None):
    return runner.invoke(app, [str(a) for a in args], env=env)


def ok(result):
    assert result.exit_code == 0, result.output
    assert result.exception is None, result.exception
    return result


def tree_digest(root: Path) -> dict[str, str]:
    """Every file under ``root`` (hidden ones too) and the sha256 of its bytes."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*")) if p.is_file()
    }


def assert_refused(result, *names: str) -> str:
    """Exit 2, exactly one 'Error: ...' line on stderr naming ``names``, no traceback."""
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: "), lines[0]
    for name in names:
        assert name in lines[0], (name, lines[0])
    return lines[0]


@pytest.fixture
def study(tmp_path, runner):
    """A project in tmp_path/study with two hand-counted documents, cwd inside it."""
    ok(run(runner, "init", tmp_path / "study", "--coder", "anna"))
    os.chdir(tmp_path / "study")
    ok(run(runner, "ingest", FIXTURES / "crlf.txt", FIXTURES / "utf8_bom.txt", "--attr", "team=north"))
    return tmp_path / "study"


# ------------------------------------------------------------- init and discovery


def test_init_creates_a_project(runner, tmp_path):
    result = ok(run(runner, "init", tmp_path / "new", "--name", "Trust reform", "--language", "nb",
                    "--unit", "turn", "--coder", "anna", "--coder", "ben"))
    project = find_project(tmp_path / "new")
    assert result.stdout == ""
    assert result.stderr == f"Created project 'Trust reform' in {tmp_path / 'new'} (id {project.id}).\n"
    assert project.settings.coders == ("anna", "ben")
    assert (project.settings.language, project.settings.unit) == ("nb", "turn")
    assert sorted(p.name for p in (tmp_path / "new").iterdir()) == [
        ".gitignore", "audit", "codebook.yaml", "documents", "qcode.yaml",
    ]


def test_init_refuses_non_empty_folder_unless_forced(runner, tmp_path):
    folder = tmp_path / "busy"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me\n", encoding="utf-8")
    before = tree_digest(folder)
    assert_refused(run(runner, "init", folder), str(folder), "--force")
    assert tree_digest(folder) == before
    ok(run(runner, "init", folder, "--force"))
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "keep me\n"
    assert (folder / "qcode.yaml").is_file()
    before = tree_digest(folder)
    assert_refused(run(runner, "init", folder, "--force"), "already a qcode project")
    assert tree_digest(folder) == before


def test_project_found_from_cwd_upwards_option_and_environment(runner, study, tmp_path):
    other = tmp_path / "other"
    ok(run(runner, "init", other))
    os.chdir(study / "documents")
    docs = json.loads(ok(run(runner, "docs", "--format", "json")).stdout)
    assert [d["doc"] for d in docs] == ["crlf", "utf8-bom"]
    assert json.loads(ok(run(runner, "docs", "-f", "json", "--project", other)).stdout) == []
    env = {"QCODE_PROJECT": str(other)}
    assert json.loads(ok(run(runner, "docs", "-f", "json", env=env)).stdout) == []
    # --project wins over QCODE_PROJECT
    docs = json.loads(ok(run(runner, "docs", "-f", "json", "-P", study, env=env)).stdout)
    assert len(docs) == 2


# ------------------------------------------------------------- ingest


def test_ingest_reports_each_document(runner, tmp_path):
    ok(run(runner, "init", tmp_path / "p"))
    result = ok(run(runner, "ingest", FIXTURES / "timestamped.txt", "-P", tmp_path / "p"))
    assert result.stdout == ""
    # Words are whitespace-separated tokens without the "[00:00:05] Name:" labels:
    # 11 + 13 + 4 + 14 on the four lines, counted by hand.
    assert result.stderr == "        new  timestamped  (42 words, 4 turns, 8 sentences)\n"


def test_reingest_unchanged_changes_no_byte(runner, study):
    before = tree_digest(study)
    result = ok(run(runner, "ingest", FIXTURES / "crlf.txt"))
    assert "unchanged  crlf" in result.stderr
    assert tree_digest(study) == before


def test_changed_source_keeps_the_old_version(runner, study, tmp_path):
    src = tmp_path / "crlf.txt"
    src.write_bytes(b"I: First line.\r\n\r\nR: Second line, changed.\r\n")
    old = load_document(find_project(study), "crlf")
    # another folder than the recorded source: the id is named explicitly
    result = ok(run(runner, "ingest", src, "--id", "crlf", "--coder", "anna"))
    assert "updated  crlf" in result.stderr
    new = load_document(find_project(study), "crlf")
    assert new.text == "I: First line.\n\nR: Second line, changed.\n"
    assert new.attributes == {"team": "north"}  # attributes survive a new version
    [entry] = new.meta["history"]
    assert entry["sha256_text"] == old.meta["sha256_text"]
    assert entry["source"] == str(FIXTURES / "crlf.txt")
    version_dir = study / "documents" / ".versions" / "crlf"
    assert (version_dir / f"{old.version}.txt").read_text(encoding="utf-8") == old.text
    assert (version_dir / f"{old.version}.yaml").is_file()
    # The same change again is "unchanged"; the history does not grow.
    before = tree_digest(study)
    assert "unchanged" in ok(run(runner, "ingest", src, "--id", "crlf", "--coder", "anna")).stderr
    assert tree_digest(study) == before


def test_ingest_with_explicit_id_and_attributes(runner, study):
    ok(run(runner, "ingest", FIXTURES / "captions.srt", "--id", "nurse-srt", "-a", "role=nurse"))
    doc = load_document(find_project(study), "nurse-srt")
    assert doc.attributes == {"role": "nurse"}
    assert doc.meta["format"] == "srt"


# ------------------------------------------------------------- listings


def test_docs_lists_attributes_words_and_turns(runner, study):
    ok(run(runner, "attrs", "set", "utf8-bom", "role=nurse"))
    records = json.loads(ok(run(runner, "docs", "--format", "json")).stdout)
    # Whitespace-separated words counted by hand, speaker labels left out:
    # "I: First line. R: Second line. Third sentence." and
    # "Interviewer: Who was on duty? Respondent: Åse and me."
    assert records == [
        {"doc": "crlf", "format": "txt", "kind": "transcript", "language": "en", "words": 6,
         "turns": 2, "team": "north", "role": None},
        {"doc": "utf8-bom", "format": "txt", "kind": "transcript", "language": "en", "words": 7,
         "turns": 2, "team": "north", "role": "nurse"},
    ]
    rows = list(csv.reader(io.StringIO(ok(run(runner, "docs", "--format", "csv")).stdout)))
    assert rows == [
        ["doc", "format", "kind", "language", "words", "turns", "team", "role"],
        ["crlf", "txt", "transcript", "en", "6", "2", "north", ""],
        ["utf8-bom", "txt", "transcript", "en", "7", "2", "north", "nurse"],
    ]
    table = ok(run(runner, "docs")).stdout
    assert "crlf" in table and "utf8-bom" in table and "nurse" in table


def test_turns_listing(runner, study):
    records = json.loads(ok(run(runner, "turns", "crlf", "--format", "json")).stdout)
    assert records == [
        {"turn": 1, "speaker": "I", "role": "interviewer", "time": None, "start": 3, "end": 14,
         "words": 2, "text": "First line."},
        {"turn": 2, "speaker": "R", "role": "respondent", "time": None, "start": 19, "end": 47,
         "words": 4, "text": "Second line. Third sentence."},
    ]


def test_turns_of_a_fieldnote_show_headings(runner, study):
    ok(run(runner, "ingest", FIXTURES / "fieldnote_dates.txt"))
    records = json.loads(ok(run(runner, "turns", "fieldnote-dates", "-f", "json")).stdout)
    assert [(r["turn"], r["speaker"], r["time"]) for r in records] == [
        (1, "14.01.2020", "2020-01-14"), (2, "15.01.2020", "2020-01-15"), (3, "Day 3 — Tuesday", None),
    ]
    assert "3 entries" in ok(run(runner, "turns", "fieldnote-dates")).stdout


def test_units_listing_by_kind(runner, study):
    rows = list(csv.reader(io.StringIO(ok(run(runner, "units", "crlf", "-f", "csv")).stdout)))
    assert rows == [
        ["unit", "start", "end", "text"],
        ["sentence:1", "3", "14", "First line."],
        ["sentence:2", "19", "31", "Second line."],
        ["sentence:3", "32", "47", "Third sentence."],
    ]
    records = json.loads(ok(run(runner, "units", "crlf", "--kind", "paragraph", "-f", "json")).stdout)
    assert records == [
        {"unit": "paragraph:1", "start": 0, "end": 14, "text": "I: First line."},
        {"unit": "paragraph:2", "start": 16, "end": 47, "text": "R: Second line. Third sentence."},
    ]
    result = run(runner, "units", "crlf", "--kind", "word")
    assert_refused(result, "'word'")


def test_show_renders_speakers_units_and_attributes(runner, study):
    out = ok(run(runner, "show", "utf8-bom", "--no-pager")).stdout
    assert "utf8-bom" in out
    assert "team=north" in out
    assert "Interviewer" in out and "Respondent" in out
    assert "Who was on duty?" in out and "Åse and me." in out
    lines = [ln.strip() for ln in out.splitlines()]
    assert any(ln.startswith("1 ") and "Who was on duty?" in ln for ln in lines), out
    assert any(ln.startswith("2 ") and "Åse and me." in ln for ln in lines), out
    out = ok(run(runner, "show", "crlf", "--kind", "paragraph", "--no-pager")).stdout
    assert "R: Second line. Third sentence." in out


def test_unknown_document_suggests_a_name(runner, study):
    line = assert_refused(run(runner, "turns", "crfl"), "'crfl'")
    assert "did you mean 'crlf'?" in line


# ------------------------------------------------------------- attributes


def test_attrs_set_and_clear(runner, study):
    result = ok(run(runner, "attrs", "set", "crlf", "role=nurse", "site=Åsen"))
    assert result.stderr == "crlf: role=nurse, site=Åsen, team=north\n"
    result = ok(run(runner, "attrs", "set", "crlf", "site="))
    assert result.stderr == "crlf: role=nurse, team=north\n"


def test_attrs_import(runner, study, tmp_path):
    path = tmp_path / "attrs.csv"
    path.write_text("doc,role,setting\ncrlf,nurse,home care\nutf8-bom,,nursing home\n",
                    encoding="utf-8")
    result = ok(run(runner, "attrs", "import", path))
    assert result.stderr == f"Set attributes of 2 documents from {path}.\n"
    project = find_project(study)
    assert load_document(project, "crlf").attributes == {
        "role": "nurse", "setting": "home care", "team": "north",
    }
    assert load_document(project, "utf8-bom").attributes == {"setting": "nursing home", "team": "north"}


# ------------------------------------------------------------- codebook commands


CODEBOOK = """\
version: 2
codes:
  - id: coordination
    label: Coordination
    definition: Fitting visits and people together.
    children:
      - id: handover
        label: Handover
  - id: autonomy
    label: Autonomy
    definition: The team decides.
"""


def test_codebook_check_ok_with_warning(runner, study):
    (study / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    result = ok(run(runner, "codebook", "check"))
    path = study / "codebook.yaml"
    assert result.stderr.splitlines() == [
        f"{path}:7:9: warning: code 'handover' has an empty definition",
        "codebook.yaml: 3 codes, version 2, no errors, 1 warning(s).",
    ]


def test_codebook_check_lists_every_error_and_exits_2(runner, study, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "version: 1\n"
        "codes:\n"
        "  - id: a\n"
        "    definition: d\n"
        "    colur: red\n"          # 5: unknown key
        "  - id: a\n"               # 6: duplicate id
        "    definition: d\n"
        "  - id: b\n"
        "    definition: d\n"
        "    parent: c\n"           # 10: cycle b -> c -> b
        "  - id: c\n"
        "    definition: d\n"
        "    parent: b\n"           # 13
        "    patterns: [[{LOWR: x}]]\n",  # 14: bad pattern
        encoding="utf-8",
    )
    before = tree_digest(study)
    result = run(runner, "codebook", "check", bad)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert [ln.split(": error: ")[0] for ln in lines[:-1]] == [
        f"{bad}:5:5", f"{bad}:6:5", f"{bad}:10:5", f"{bad}:13:5", f"{bad}:14:18",
    ]
    assert "unknown key 'colur'" in lines[0]
    assert "duplicate code id 'a' (first at line 3)" in lines[1]
    assert "cycle in parents: b -> c -> b" in lines[2]
    assert "unknown token attribute 'LOWR'" in lines[4]
    assert lines[-1] == f"Error: {bad}: 5 error(s) in the codebook; fix the lines above."
    assert tree_digest(study) == before


def test_codebook_show_tree_and_json(runner, study):
    (study / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    out = ok(run(runner, "codebook", "show")).stdout
    assert "version 2, 3 codes" in out
    assert "Coordination  [coordination]" in out and "Handover  [handover]" in out
    assert "Fitting visits and people together." in out
    assert out.index("Coordination") < out.index("Handover") < out.index("Autonomy")
    records = json.loads(ok(run(runner, "codebook", "show", "-f", "json")).stdout)
    assert [(r["id"], r["parent"]) for r in records] == [
        ("coordination", None), ("handover", "coordination"), ("autonomy", None),
    ]


# ------------------------------------------------------------- bad input (issue 2, point 12)


def _src(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / "sources" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    return path


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n"


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("photo.txt", PNG, "PNG image"),
        ("report.txt", PDF, "PDF file"),
        ("report.docx", PDF, "PDF file"),
        ("broken.docx", b"PK\x03\x04" + b"\x00" * 60, "not a readable .docx"),
        ("noise.txt", random.Random(7).randbytes(4096), "re-save"),
        ("noise.srt", random.Random(8).randbytes(512), "noise.srt"),
        ("nul.txt", b"I: hello\x00\x00 there\n" * 20, "binary"),
    ],
)
def test_unreadable_or_binary_files_are_refused(runner, study, tmp_path, name, data, says):
    path = _src(tmp_path, name, data)
    before = tree_digest(study)
    assert_refused(run(runner, "ingest", path), str(path), says)
    assert tree_digest(study) == before


def test_unreadable_file_permissions(runner, study, tmp_path):
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        pytest.skip("root can read any file")
    path = _src(tmp_path, "locked.txt", b"I: hi\n")
    path.chmod(0)
    before = tree_digest(study)
    assert_refused(run(runner, "ingest", path), str(path), "permission denied")
    assert tree_digest(study) == before


@pytest.mark.parametrize("name", ["scan.png", "report.pages", "notes.wpd", "README"])
def test_unknown_formats_are_refused(runner, study, tmp_path, name):
    path = _src(tmp_path, name, b"I: plain words\n")
    before = tree_digest(study)
    line = assert_refused(run(runner, "ingest", path), str(path), "unknown format")
    assert ".txt" in line and ".docx" in line
    assert tree_digest(study) == before


@pytest.mark.parametrize(("name", "needle"), [("report.pdf", "not a PDF file"),
                                              ("notes.odt", "not a ZIP archive")])
def test_pdf_and_odt_that_are_not_what_they_say_are_refused(runner, study, tmp_path, name, needle):
    path = _src(tmp_path, name, b"I: plain words\n")  # .pdf and .odt are read since issue 16
    before = tree_digest(study)
    assert_refused(run(runner, "ingest", path), str(path), needle)
    assert tree_digest(study) == before


def test_missing_source_and_folder_are_refused(runner, study, tmp_path):
    before = tree_digest(study)
    assert_refused(run(runner, "ingest", tmp_path / "nope.txt"), "nope.txt", "no such file")
    (tmp_path / "folder.txt").mkdir()
    assert_refused(run(runner, "ingest", tmp_path / "folder.txt"), "folder.txt", "folder")
    assert tree_digest(study) == before


def test_undecodable_text_is_refused(runner, study, tmp_path):
    # 0x81 and 0x8D are not UTF-8 and have no character in Windows-1252.
    path = _src(tmp_path, "legacy.txt", b"I: caf\x81 \x8d and more words here\n")
    before = tree_digest(study)
    assert_refused(run(runner, "ingest", path), str(path), "UTF-8")
    # UTF-16 with a BOM but an odd, unpaired surrogate
    path = _src(tmp_path, "half.txt", b"\xff\xfeI\x00:\x00\x00\xd8")
    assert_refused(run(runner, "ingest", path), str(path), "UTF-16")
    assert tree_digest(study) == before


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.md", b"  \n\n\t\n", "empty"),
        ("bom.txt", b"\xff\xfe", "no text"),
        ("header.vtt", b"WEBVTT\n\n", "no cues"),
        ("nocues.srt", b"1\nhello\n", "no SubRip cues"),
        ("nocue.vtt", b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n\n", "no text"),
    ],
)
def test_empty_documents_are_refused(runner, study, tmp_path, name, data, says):
    path = _src(tmp_path, name, data)
    before = tree_digest(study)
    assert_refused(run(runner, "ingest", path), str(path), says)
    assert tree_digest(study) == before


def test_empty_docx_is_refused(runner, study, tmp_path):
    import docx

    path = tmp_path / "empty.docx"
    docx.Document().save(str(path))
    before = tree_digest(study)
    assert_refused(run(runner, "ingest", path), str(path), "no text")
    assert tree_digest(study) == before


def test_duplicate_ids_are_refused(runner, study, tmp_path):
    a = _src(tmp_path, "Interview 1.txt", b"I: one\n")
    (tmp_path / "b").mkdir()
    b = tmp_path / "b" / "interview_1.txt"
    b.write_bytes(b"I: two\n")
    before = tree_digest(study)
    assert_refused(run(runner, "ingest", a, b), str(a), str(b), "'interview-1'", "--id")
    assert_refused(run(runner, "ingest", FIXTURES / "crlf.txt", FIXTURES / "timestamped.txt",
                       "--id", "x"), "--id")
    assert_refused(run(runner, "ingest", a, "--id", "Bad Id"), "'Bad Id'")
    assert tree_digest(study) == before


def test_one_bad_source_in_a_batch_writes_nothing(runner, study, tmp_path):
    bad = _src(tmp_path, "empty.txt", b"")
    before = tree_digest(study)
    assert_refused(run(runner, "ingest", FIXTURES / "timestamped.txt", bad), str(bad))
    assert tree_digest(study) == before


def test_bad_attr_option_is_refused(runner, study):
    before = tree_digest(study)
    assert_refused(run(runner, "ingest", FIXTURES / "timestamped.txt", "--attr", "team"), "'team'",
                   "key=value")
    assert_refused(run(runner, "attrs", "set", "crlf", "no pair"), "'no pair'")
    assert_refused(run(runner, "attrs", "set", "nodoc", "a=b"), "'nodoc'")
    assert_refused(run(runner, "ingest", FIXTURES / "timestamped.txt", "-a", "language=zz"), "'zz'")
    assert tree_digest(study) == before


def test_malformed_codebook_yaml(runner, study):
    path = study / "codebook.yaml"
    path.write_text("version: 1\ncodes:\n  - id: a\n  label: [oops\n", encoding="utf-8")
    before = tree_digest(study)
    line = assert_refused(run(runner, "codebook", "show"), f"{path}:4:")
    assert "malformed YAML" in line
    result = run(runner, "codebook", "check")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.stderr.splitlines()[0].startswith(f"{path}:4:")
    assert tree_digest(study) == before


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("id: abc\nname: [unclosed\n", "malformed YAML"),
        ("id: abc\nname: x\nunits: turn\n", "unknown setting 'units'"),
        ("name: x\n", "missing project 'id'"),
        ("\t- what\n", "malformed YAML"),
    ],
)
def test_malformed_project_yaml(runner, study, text, says):
    path = study / "qcode.yaml"
    path.write_text(text, encoding="utf-8")
    before = tree_digest(study)
    assert_refused(run(runner, "docs"), str(path), says)
    assert_refused(run(runner, "ingest", FIXTURES / "timestamped.txt"), str(path), says)
    assert tree_digest(study) == before


@pytest.mark.parametrize(
    ("csv_text", "says"),
    [
        ("doc,team\ncrlf,north,extra\n", ":2: 3 cells but 2 columns"),
        ("doc,team\ncrlf,south\nutf8-bom\n", ":3: 1 cells but 2 columns"),
        ("doc,team\ncrlf,south\ncrfl2,west\n", ":3: no document 'crfl2'"),
        ("team,role\nnorth,nurse\n", ":1: the first column must be 'doc'"),
        ("", "empty CSV"),
        ("doc,team,team\ncrlf,a,b\n", "appears twice"),
        ("doc,team\ncrlf,a\ncrlf,b\n", "second row"),
        ("doc,bad key\ncrlf,a\n", "is not an attribute name"),
    ],
)
def test_bad_attributes_csv(runner, study, tmp_path, csv_text, says):
    path = tmp_path / "attrs.csv"
    path.write_text(csv_text, encoding="utf-8")
    before = tree_digest(study)
    assert_refused(run(runner, "attrs", "import", path), str(path), says)
    assert tree_digest(study) == before


def test_attributes_csv_not_utf8_or_missing(runner, study, tmp_path):
    path = tmp_path / "attrs.csv"
    path.write_bytes("doc,site\ncrlf,\xc5sen\n".encode("cp1252"))
    before = tree_digest(study)
    assert_refused(run(runner, "attrs", "import", path), str(path), "UTF-8")
    assert_refused(run(runner, "attrs", "import", tmp_path / "none.csv"), "none.csv", "no such file")
    assert tree_digest(study) == before


@pytest.mark.parametrize("how", ["option", "environment"])
def test_project_folder_that_does_not_exist(runner, tmp_path, how):
    missing = tmp_path / "no-such-study"
    src = _src(tmp_path, "a.txt", b"I: hello\n")
    args = ["ingest", src]
    env = None
    if how == "option":
        args += ["--project", missing]
    else:
        env = {"QCODE_PROJECT": str(missing)}
    assert_refused(run(runner, *args, env=env), str(missing), "does not exist")
    assert not missing.exists()
    assert_refused(run(runner, "codebook", "show", "--project", missing), str(missing))


def test_no_project_here_or_above(runner, tmp_path):
    line = assert_refused(run(runner, "docs"), str(tmp_path.resolve()))
    assert "qcode init" in line


# ------------------------------------------------------------- the installed command


def installed_qcode() -> str:
    found = shutil.which("qcode", path=str(Path(sys.executable).parent)) or shutil.which("qcode")
    if not found:
        pytest.fail("the qcode console script is not installed next to this Python")
    return found


def test_installed_qcode_end_to_end(tmp_path):
    qcode = installed_qcode()
    env = {k: v for k, v in os.environ.items() if not k.startswith("QCODE_")}

    def sh(*args, check=True):
        proc = subprocess.run([qcode, *map(str, args)], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120)
        if check:
            assert proc.returncode == 0, proc.stderr
        return proc

    sh("init", "study")
    sh("ingest", "-P", "study", FIXTURES / "interview_ir.txt", FIXTURES / "captions.vtt")
    docs = json.loads(sh("docs", "-P", "study", "--format", "json").stdout)
    assert [(d["doc"], d["format"], d["turns"]) for d in docs] == [
        ("captions", "vtt", 3), ("interview-ir", "txt", 4),
    ]
    before = tree_digest(tmp_path / "study")
    bad = _src(tmp_path, "photo.txt", PNG)
    proc = sh("ingest", "-P", "study", bad, check=False)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith(f"Error: {bad}: ")
    assert "Traceback" not in proc.stderr
    assert tree_digest(tmp_path / "study") == before


def test_help_and_listings_do_not_import_heavy_libraries(study):
    code = (
        "import sys\n"
        "from qcode.cli import app\n"
        "try:\n"
        "    app(sys.argv[1:])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = sorted(m for m in ('spacy', 'numpy', 'scipy', 'docx') if m in sys.modules)\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    for args in (["--help"], ["docs", "-f", "json"], ["turns", "crlf"], ["units", "crlf"],
                 ["codebook", "check"]):
        proc = subprocess.run([sys.executable, "-c", code, *args], cwd=study, capture_output=True,
                              text=True, timeout=120)
        assert "HEAVY []" in proc.stderr, (args, proc.stderr)
