"""Crash windows (issue 13 point 14): every multi-file command is stopped at each of
its write steps in turn, deterministically, and the next command must find the
project consistent (or finish the work itself, saying so) with no decision that
was recorded before lost.

The stop is injected at the one place where qcode's own files change,
``qcode.fileio._rename`` (each temporary file put in place), and before each
append to an audit log (``LockedLog._write``, the one write of a batch; a write
cut in the middle of a line is covered by tests/test_audit_log.py). The stop is a
BaseException, so no ``except Exception`` in qcode can swallow it, as none can a
kill. qcode's own logic runs unchanged.
"""

from __future__ import annotations

import csv
import hashlib
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import qcode.fileio as fileio
from qcode import intent
from qcode.audit.log import LockedLog
from qcode.cli import app
from qcode.codebook import load_codebook
from qcode.codings import replay
from qcode.corpus import list_documents, load_document
from qcode.corpus.store import read_head
from qcode.intent import intent_dir
from qcode.project import open_project

DOC = "hc01-nurse-team-north"


class Killed(BaseException):
    """The process stops here."""


@contextmanager
def kill_at(step: int | None) -> Iterator[list[str]]:
    """Stop the command before its write number ``step`` (0 = the first); None lets
    it run through. Yields the writes made, for counting them."""
    done: list[str] = []
    rename, write = fileio._rename, LockedLog._write

    def counted(what: str) -> None:
        if step is not None and len(done) == step:
            raise Killed(f"stopped before write {step}: {what}")
        done.append(what)

    def stop_rename(tmp: str, path: Path) -> None:
        counted(f"rename {path}")
        rename(tmp, path)

    def stop_write(self: LockedLog, data: bytes) -> None:
        counted(f"append {self.path.name}")
        write(self, data)

    fileio._rename = stop_rename  # type: ignore[assignment]
    LockedLog._write = stop_write  # type: ignore[method-assign]
    try:
        yield done
    finally:
        fileio._rename = rename  # type: ignore[assignment]
        LockedLog._write = write  # type: ignore[method-assign]


def run(args: list[str], root: Path) -> Any:
    result = CliRunner().invoke(app, ["--project", str(root), *args],
                                env={"QCODE_CODER": "astrid"}, catch_exceptions=False)
    return result


DOCS = (DOC, "hc03-team-coordinator")


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two documents of the sample study with the sample coders' codings and memos of
    them (the whole study makes every step's replay slower and tests no more)."""
    from qcode.sample import sample_codings, sample_root, sample_sources

    sample = sample_root()
    folder = tmp_path_factory.mktemp("crash")
    root = folder / "study"
    for args in (["init", str(root), "-c", "astrid", "-c", "emil", "-c", "sigrid"],
                 ["--project", str(root), "ingest",
                  *[str(p) for p in sample_sources(sample) if p.stem in DOCS]]):
        result = CliRunner().invoke(app, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
    shutil.copy(sample / "codebooks" / "homecare.yaml", root / "codebook.yaml")
    for coder, sheet in sample_codings(sample).items():
        with sheet.open(encoding="utf-8", newline="") as fh:
            rows = [r for r in csv.DictReader(fh) if r["doc"] in DOCS]
        mine = folder / f"{coder}.csv"
        with mine.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        result = run(["apply", "--from", str(mine), "--coder", coder], root)
        assert result.exit_code == 0, result.output
    return root


# ---------------------------------------------------------------- what must hold


def decisions(root: Path) -> set[str]:
    """Every coding recorded (in views or left out) and every memo, by id."""
    codings = replay(open_project(root))
    return {c.id for c in (*codings.codings, *codings.left_out)} | {m.id for m in codings.memos}


def assert_consistent(root: Path) -> None:
    project = open_project(root)
    assert not intent_dir(root).is_dir() or not any(intent_dir(root).glob("*.json"))
    for doc_id in list_documents(project):  # each text is the one its metadata describes
        text = (project.documents_dir / f"{doc_id}.txt").read_bytes()
        assert hashlib.sha256(text).hexdigest() == read_head(project.documents_dir,
                                                             doc_id)["sha256_text"], doc_id
    versions = {d: load_document(project, d).version for d in list_documents(project)}
    for c in replay(project).codings:  # every coding in view stands on today's text
        assert c.docv in (None, versions[c.doc]), (c.id, c.doc)
    assert run(["audit", "verify"], root).exit_code == 0


def fresh(base: Path, tmp_path: Path) -> Path:
    root = tmp_path / "study"
    shutil.copytree(base, root)
    return root


def writes_of(command: Callable[[Path], Any], base: Path, tmp_path: Path) -> list[str]:
    """The writes ``command`` makes when nothing stops it."""
    root = tmp_path / "count"
    shutil.copytree(base, root)
    with kill_at(None) as done:
        command(root)
    return done


def stopped(command: Callable[[Path], Any], root: Path, step: int) -> None:
    """Run ``command`` and stop it before write ``step``. (A cache write may not
    happen this time, in-process memos being warm: then the command runs through.)"""
    try:
        with kill_at(step):
            command(root)
    except Killed:
        intent.abandon()  # a process that ends lets go of its locks


def next_command(root: Path) -> str:
    """The next command a person runs; it finishes what the stopped one left."""
    result = run(["codings", "--format", "csv"], root)
    assert result.exit_code == 0, result.output
    return result.stderr


# ---------------------------------------------------------------- ingest


def edited_source(tmp_path: Path, base: Path) -> Path:
    lines = (base / "documents" / f"{DOC}.txt").read_text(encoding="utf-8").split("\n")
    source = tmp_path / f"{DOC}.txt"
    source.write_text("A remark added at the top.\n" + "\n".join(lines[:5] + lines[7:]),
                      encoding="utf-8")
    return source


def test_reingest_stopped_at_every_write_leaves_a_consistent_project(base, tmp_path):
    source = edited_source(tmp_path, base)

    def ingest(root: Path) -> Any:
        return run(["ingest", str(source), "--id", DOC, "--coder", "astrid"], root)

    steps = writes_of(ingest, base, tmp_path)
    assert any("project.log" in s for s in steps)
    whole = tmp_path / "whole"
    shutil.copytree(base, whole)
    ingest(whole)
    expected = {(c.id, c.start, c.end) for c in replay(open_project(whole)).codings}
    before = decisions(base)
    for step in range(len(steps)):
        root = fresh(base, tmp_path / str(step))
        stopped(ingest, root, step)
        notes = next_command(root)
        assert_consistent(root)
        assert decisions(root) == before, steps[step]
        if (root / "documents" / f"{DOC}.txt").read_bytes() != source.read_bytes():
            assert step == 0 or "again" in notes, (steps[step], notes)
        assert ingest(root).exit_code == 0  # as the note says (a no-op when it was finished)
        assert {(c.id, c.start, c.end) for c in replay(open_project(root)).codings} == expected, \
            steps[step]
        assert_consistent(root)


def test_torn_document_is_noticed_and_rolled_back(base, tmp_path):
    """The issue's case: stopped after the new text is in place, before its metadata."""
    source = edited_source(tmp_path, base)
    root = fresh(base, tmp_path)
    steps = writes_of(lambda r: run(["ingest", str(source), "--id", DOC, "--coder", "astrid"],
                                    r), base, tmp_path)
    text_step = next(i for i, s in enumerate(steps) if s.endswith(f"documents/{DOC}.yaml"))
    stopped(lambda r: run(["ingest", str(source), "--id", DOC, "--coder", "astrid"], r),
            root, text_step)
    old = (base / "documents" / f"{DOC}.txt").read_bytes()
    assert (root / "documents" / f"{DOC}.txt").read_bytes() != old  # the torn state
    notes = next_command(root)
    assert f"--id {DOC}" in notes and "earlier text is back" in notes
    assert (root / "documents" / f"{DOC}.txt").read_bytes() == old


# ---------------------------------------------------------------- recode and undo


def renamed_codebook(base: Path, tmp_path: Path) -> Path:
    text = (base / "codebook.yaml").read_text(encoding="utf-8")
    text = text.replace("version: 1\n", "version: 2\n", 1)
    text = text.replace("  - id: coordination\n", "  - id: coordinationx\n", 1)
    text += ("changes:\n  - version: 2\n    rename: {from: coordination, to: coordinationx}\n"
             "    reason: A clearer name.\n")
    path = tmp_path / "v2.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def codebook_version(root: Path) -> Any:
    return load_codebook(root / "codebook.yaml").version


def test_recode_stopped_at_every_write_leaves_log_and_codebook_agreeing(base, tmp_path):
    new = renamed_codebook(base, tmp_path)

    def recode(root: Path) -> Any:
        return run(["recode", "run", "--to", str(new), "--as", "astrid", "--no-suggest"], root)

    steps = writes_of(recode, base, tmp_path)
    assert any("project.log" in s for s in steps) and any(s.endswith("codebook.yaml")
                                                          for s in steps)
    before = decisions(base)
    for step in range(len(steps)):
        root = fresh(base, tmp_path / str(step))
        stopped(recode, root, step)
        notes = next_command(root)
        assert_consistent(root)
        assert decisions(root) == before
        recorded = "coordinationx" in (root / "audit" / "project.log").read_text(encoding="utf-8") \
            if (root / "audit" / "project.log").exists() else False
        assert codebook_version(root) == (2 if recorded else 1), (steps[step], notes)
        if not recorded:
            if any("intent" in s for s in steps[:step]):
                assert "recode run --to" in notes, (steps[step], notes)
            assert recode(root).exit_code == 0
        # the check: an old code applied now is carried the same way as before
        result = run(["apply", DOC, "coordinationx", "--unit", "3", "--coder", "emil"], root)
        assert result.exit_code == 0, (steps[step], result.output)
        assert codebook_version(root) == 2


def test_recode_undo_stopped_at_every_write(base, tmp_path):
    new = renamed_codebook(base, tmp_path)
    migrated = tmp_path / "migrated"
    shutil.copytree(base, migrated)
    assert run(["recode", "run", "--to", str(new), "--as", "astrid", "--no-suggest"],
               migrated).exit_code == 0

    def undo(root: Path) -> Any:
        return run(["recode", "undo", "2", "--as", "astrid"], root)

    steps = writes_of(undo, migrated, tmp_path)
    before = decisions(migrated)
    for step in range(len(steps)):
        root = fresh(migrated, tmp_path / str(step))
        stopped(undo, root, step)
        notes = next_command(root)
        assert_consistent(root)
        assert decisions(root) == before
        if codebook_version(root) == 2:
            if any("intent" in s for s in steps[:step]):
                assert "recode undo 2" in notes, (steps[step], notes)
            assert undo(root).exit_code == 0
        assert codebook_version(root) == 1, steps[step]


# ---------------------------------------------------------------- apply and apply --from


def test_apply_stopped_at_every_write_loses_no_decision(base, tmp_path):
    def apply(root: Path) -> Any:
        return run(["apply", DOC, "tasks", "--unit", "4", "--coder", "emil"], root)

    steps = writes_of(apply, base, tmp_path)
    assert any("emil.log" in s for s in steps)
    before = decisions(base)
    for step in range(len(steps)):
        root = fresh(base, tmp_path / str(step))
        stopped(apply, root, step)
        next_command(root)
        assert_consistent(root)
        after = decisions(root)
        written = any("emil.log" in s for s in steps[:step])
        assert after >= before and len(after - before) == (1 if written else 0), steps[step]


def test_apply_from_csv_stopped_at_every_write_is_all_or_nothing(base, tmp_path):
    sheet = tmp_path / "more.csv"
    sheet.write_text("doc,code,unit,memo,action\n"
                     f"{DOC},tasks,4,,apply\n{DOC},coordination,5,,apply\n"
                     f"{DOC},,,Two more from the second reading.,memo\n", encoding="utf-8")

    def apply_from(root: Path) -> Any:
        return run(["apply", "--from", str(sheet), "--coder", "sigrid"], root)

    steps = writes_of(apply_from, base, tmp_path)
    assert any("sigrid.log" in s for s in steps)
    before = decisions(base)
    for step in range(len(steps)):
        root = fresh(base, tmp_path / str(step))
        stopped(apply_from, root, step)
        next_command(root)
        assert_consistent(root)
        new = decisions(root) - before
        assert decisions(root) >= before
        assert len(new) in (0, 3), steps[step]
        if not new:
            assert apply_from(root).exit_code == 0
            assert len(decisions(root) - before) == 3


def test_an_ingest_refused_part_way_leaves_no_intent_behind(runner, tmp_path):
    """An ordinary refusal after the intent is written (a source that does not read,
    found when the sources are checked) is the person's error to fix, not a stopped
    command: the next command says nothing about it."""
    from audit_support import INTERVIEW, make_study

    study = make_study(tmp_path / "study")
    edited = tmp_path / "study-sources" / "hc01.txt"
    edited.write_text(INTERVIEW.replace("We start with the list.", "We begin with it."),
                      encoding="utf-8")
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    result = runner.invoke(app, ["ingest", str(edited), str(bad), "--coder", "anna",
                                 "-P", str(study.root)])
    assert result.exit_code == 2 and "bad.docx" in result.stderr
    assert not (intent_dir(study.root) / "ingest.json").exists()
    after = runner.invoke(app, ["codings", "-P", str(study.root)])
    assert "Note: An ingest" not in after.stderr


def test_a_migration_refused_on_a_broken_log_leaves_no_intent_behind(base, tmp_path):
    new = renamed_codebook(base, tmp_path)
    root = fresh(base, tmp_path)
    assert run(["recode", "run", "--to", str(new), "--as", "astrid", "--no-suggest"],
               root).exit_code == 0
    log = root / "audit" / "project.log"
    lines = log.read_bytes().split(b"\n")
    lines[1] = lines[1].replace(b'"actor":"astrid"', b'"actor":"emil"')
    log.write_bytes(b"\n".join(lines))
    refused = run(["recode", "undo", "2", "--as", "astrid"], root)
    assert refused.exit_code == 2, refused.output
    assert not (intent_dir(root) / "undo.json").exists()
    assert codebook_version(root) == 2
    assert "Note: Undoing" not in next_command(root)


def test_a_command_never_repairs_work_still_going_on(base, tmp_path):
    """Another command started while an ingest is between its writes leaves the
    ingest's record alone (the lock is held); once the ingest's process is gone, the
    next command finishes the work."""
    root = fresh(base, tmp_path)
    previous = read_head(root / "documents", DOC)["sha256_text"]
    intent.begin(root, "ingest", {"actor": "astrid", "docs": {DOC: previous}})
    try:
        assert "Note:" not in next_command(root)
        assert (intent_dir(root) / "ingest.json").exists()
    finally:
        intent.abandon()
    assert "nothing changed" in next_command(root)
    assert not (intent_dir(root) / "ingest.json").exists()
