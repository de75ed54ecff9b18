"""The index in .qcode/index.sqlite is a cache: whatever happens to the logs, what it
gives is what a full replay gives (issue: every command parsed every log line).

A seeded random sequence of appends, removals, memos, undos, a codebook migration,
a re-ingest that re-anchors codings, a git pull that brings lines with earlier
timestamps, and a same-length edit of an earlier line, checked after every step
against :func:`qcode.codings.replay`, whole and per document and coder; then the
commands' outputs with the index, warm, and without .qcode/."""

from __future__ import annotations

import contextlib
import json
import random
import shutil

import pytest
from tui_support import FIELDNOTE, FIXTURES, INTERVIEW, clock, make_study, split_coordination

from qcode import codings, index
from qcode.cli import app
from qcode.errors import QcodeError
from qcode.tui.session import Session

NOTE = "changed before the point the index had read"
CODES = ("coordination", "collaboration", "autonomy", "time-resources", "autonomy/limits")


def check(project) -> index.Codings:
    full = codings.replay(project)
    got = index.replay(project)
    assert got.codings == full.codings
    assert got.memos == full.memos
    assert got.decisions == full.decisions
    assert got.steps == full.steps
    assert [w for w in got.warnings if NOTE not in w] == list(full.warnings)
    for doc in (INTERVIEW, FIELDNOTE):
        part = index.replay(project, docs=[doc])
        assert part.codings == tuple(c for c in full.codings if c.doc == doc)
        assert part.memos == tuple(m for m in full.memos if m.doc == doc)
    for coder in ("anna", "ben"):
        part = index.replay(project, coders=[coder], docs=[INTERVIEW])
        assert part.codings == tuple(c for c in full.codings
                                     if c.coder == coder and c.doc == INTERVIEW)
    # the analyses' table: the same codings (stacked per log, or mapped through steps)
    for _ in range(2):  # made, then as kept
        table = index.coding_table(project)
        assert named(table) == sorted((c.doc, c.coder, c.code, c.start, c.end)
                                      for c in full.codings)
        assert named(index.coding_table(project, coders=["ben"])) == sorted(
            (c.doc, c.coder, c.code, c.start, c.end) for c in full.codings if c.coder == "ben")
    return got


def named(table) -> list[tuple]:
    return sorted((table.docs[d], table.coders[i], table.codes[k], int(s), int(e))
                  for d, i, k, s, e in table.rows)


class Team:
    def __init__(self, project, seed: int) -> None:
        self.project = project
        self.rng = random.Random(seed)
        self.sessions = {c: Session(project, c, doc=INTERVIEW, clock=clock(10_000 * (i + 1)),
                                    suggest=False) for i, c in enumerate(("anna", "ben"))}

    def step(self) -> str:
        s = self.sessions[self.rng.choice(("anna", "ben"))]
        s.refresh()
        what = self.rng.choice(("apply", "apply", "apply", "remove", "memo", "undo", "doc"))
        if what == "doc":
            s.document(1 if s.doc.id == FIELDNOTE else -1)
        s.goto(self.rng.randrange(len(s.units)))
        if what in ("apply", "doc"):
            s.apply(self.rng.choice([c.id for c in s.codes]))
        elif what == "remove" and s.removable():
            s.remove(s.removable()[0])
        elif what == "memo":
            s.memo(f"memo {self.rng.random():.4f}")
        elif what == "undo":
            with contextlib.suppress(QcodeError):  # nothing left to undo
                s.undo()
        return what


def reingest(project, tmp_path) -> None:
    from qcode import ingest

    text = (FIXTURES / "interview.txt").read_text(encoding="utf-8")
    changed = tmp_path / "edited" / "interview.txt"
    changed.parent.mkdir(exist_ok=True)
    changed.write_text(text.replace("Thank you for meeting me.", "Thanks for meeting me today.")
                       .replace("It feels good, most days.", ""), encoding="utf-8")
    ingest(project, [changed], doc_id="interview", coder="anna")


def same_length_edit(project) -> None:
    """Change one digit of the span of anna's first apply (the line keeps its length)."""
    path = project.log_path("anna")
    lines = path.read_bytes().split(b"\n")
    i = next(k for k, line in enumerate(lines) if b'"action":"apply"' in line)
    at = lines[i].index(b'"span":"') + len(b'"span":"')
    digit = lines[i][at:at + 1]
    lines[i] = lines[i][:at] + (b"1" if digit != b"1" else b"2") + lines[i][at + 1:]
    path.write_bytes(b"\n".join(lines))


@pytest.mark.parametrize("seed", [1, 2])
def test_the_index_gives_what_a_full_replay_gives(tmp_path, seed):
    project = make_study(tmp_path / "study")
    team = Team(project, seed)
    check(project)  # the first build, on empty logs
    for _ in range(12):
        team.step()
        check(project)
    # a teammate's clone: ben codes there with a clock from before everyone's lines
    clone = tmp_path / "clone"
    shutil.copytree(project.root, clone)
    from qcode.project import open_project

    other = Session(open_project(clone), "ben", doc=INTERVIEW, clock=clock(5), suggest=False)
    for _ in range(3):
        team.step()
        check(project)
    split_coordination(project)
    check(project)
    for _ in range(4):
        team.step()
        check(project)
    reingest(project, tmp_path)
    check(project)
    # the pull: ben's log there is ben's log here plus lines stamped earlier than any
    for unit in (1, 3, 5):
        other.goto(unit)
        other.apply("collaboration")
    ben_here = project.log_path("ben").read_bytes()
    ben_there = (clone / "audit" / "ben.log").read_bytes()
    if ben_there.startswith(ben_here):
        shutil.copyfile(clone / "audit" / "ben.log", project.log_path("ben"))
    else:  # ben coded here after the clone was made: the pull replaces his log
        shutil.copyfile(clone / "audit" / "ben.log", project.log_path("ben"))
    check(project)
    same_length_edit(project)
    got = check(project)
    assert any(NOTE in w and "audit/anna.log" in w for w in got.warnings)
    assert not any(NOTE in w for w in check(project).warnings)  # read again, then trusted


def test_an_appended_log_is_read_from_where_the_index_stopped(tmp_path, monkeypatch):
    project = make_study(tmp_path / "study")
    s = Session(project, "anna", doc=INTERVIEW, clock=clock(), suggest=False)
    s.goto(2)
    s.apply("coordination")
    check(project)
    folded: list[str] = []
    real = index.fold_log
    monkeypatch.setattr(index, "fold_log", lambda path, **kw: folded.append(path.stem)
                        or real(path, **kw))
    s.goto(3)
    s.apply("autonomy")
    check(project)
    assert folded == []  # the new line was folded on; no log was read from its start
    s.undo()
    check(project)
    assert folded == ["anna"]  # a void: anna's log read again, nobody else's


def test_a_damaged_or_deleted_index_changes_nothing(tmp_path):
    project = make_study(tmp_path / "study")
    s = Session(project, "anna", doc=INTERVIEW, clock=clock(), suggest=False)
    s.apply("coordination")
    first = check(project)
    (project.cache_dir / "index.sqlite").write_bytes(b"not a database at all" * 100)
    assert index.replay(project) == first
    shutil.rmtree(project.cache_dir)
    assert index.replay(project) == first


COMMANDS = [
    ["codings", "--format", "json"],
    ["codings", "--doc", INTERVIEW, "--format", "json"],
    ["memos", "--format", "json"],
    ["show", INTERVIEW, "--coder", "anna"],
    ["audit", "stats", "--format", "json"],
    ["agree", "--format", "json"],
    ["cooccur", "--format", "csv"],
]


def test_commands_print_the_same_with_and_without_the_index(tmp_path, runner, monkeypatch):
    project = make_study(tmp_path / "study")
    team = Team(project, 3)
    for _ in range(15):
        team.step()

    def outputs() -> list[str]:
        out = []
        for args in COMMANDS:
            result = runner.invoke(app, [*args, "--project", str(project.root)])
            assert result.exit_code == 0, (args, result.output)
            out.append(result.stdout)
        return out

    cold = outputs()
    assert (project.cache_dir / "index.sqlite").exists()
    warm = outputs()
    shutil.rmtree(project.cache_dir)
    monkeypatch.setenv("QCODE_INDEX", "0")
    none = outputs()
    assert not (project.cache_dir / "index.sqlite").exists()
    assert cold == warm == none
    assert json.loads(cold[0])  # there is something to compare


EVERY_COMMAND = [
    *COMMANDS,
    ["codings", "--doc", FIELDNOTE, "--coder", "ben", "--format", "csv"],
    ["show", INTERVIEW, "-c", "anna", "-c", "ben", "--no-pager"],
    ["audit", "stats", "--by", "code", "--format", "csv"],
    ["audit", "stats", "--by", "day", "--format", "csv"],
    ["audit", "show", "--coder", "anna", "--format", "csv"],
    ["audit", "show", "--coder", "anna"],
    ["audit", "show", "--action", "apply", "--since", "2000-01-01"],
    ["agree", "--ci", "bca", "--replicates", "200", "--format", "json"],
    ["cooccur", "--unit", "sentence", "--coder", "anna", "--format", "json"],
    ["crosstab", "--by", "team", "--replicates", "200", "--format", "json"],
    ["docs", "--format", "csv"],
    ["orphans", "--format", "csv"],
]


def _outputs(runner, root, commands=EVERY_COMMAND) -> list[tuple[int, str]]:
    out = []
    for args in commands:
        result = runner.invoke(app, [*args, "--project", str(root)])
        assert result.exit_code in (0, 1), (args, result.output)
        out.append((result.exit_code, result.stdout))
    opened = runner.invoke(app, ["code", INTERVIEW, "--plain", "--coder", "anna", "--suggest",
                                 "off", "--project", str(root)], input="quit\n")
    out.append((opened.exit_code, opened.stdout))
    return out


def test_every_command_prints_what_a_full_replay_gives_after_each_kind_of_change(
        tmp_path, runner, monkeypatch):
    """Random coding, a migration, a re-ingest, a pull of lines stamped earlier than the
    indexed ones and a same-length edit: after each, every listed command prints the
    same on the index kept warm across the changes as on a copy without the index (the
    coding view's reading positions, kept in .qcode/tui/, are copied: they are not a
    result)."""
    from qcode.project import open_project

    project = make_study(tmp_path / "study")
    for doc, team in ((INTERVIEW, "harbour"), (FIELDNOTE, "hill")):
        assert runner.invoke(app, ["attrs", "set", doc, f"team={team}", "--project",
                                   str(project.root)]).exit_code == 0
    team = Team(project, 5)
    clone = tmp_path / "clone"
    checked = 0

    def compare(what: str) -> None:
        nonlocal checked
        monkeypatch.delenv("QCODE_INDEX", raising=False)
        warm = _outputs(runner, project.root)
        assert (project.cache_dir / "index.sqlite").exists()
        bare = tmp_path / f"bare-{checked}"
        shutil.copytree(project.root, bare, ignore=shutil.ignore_patterns(".qcode"))
        kept = project.cache_dir / "tui"  # where each coder left off: not a result
        if kept.exists():
            shutil.copytree(kept, bare / ".qcode" / "tui")
        monkeypatch.setenv("QCODE_INDEX", "0")
        full = _outputs(runner, bare)
        assert not (bare / ".qcode" / "index.sqlite").exists()
        for args, (a, b) in zip([*EVERY_COMMAND, ["code"]], zip(warm, full, strict=True),
                                strict=True):
            assert a == b, (what, args)
        checked += 1

    for _ in range(10):
        team.step()
    compare("random coding")
    shutil.copytree(project.root, clone)
    other = Session(open_project(clone), "ben", doc=INTERVIEW, clock=clock(5), suggest=False)
    for _ in range(5):
        team.step()
    compare("more coding, undos and memos")
    split_coordination(project)
    compare("a migration")
    reingest(project, tmp_path)
    compare("a re-ingest")
    for unit in (1, 3, 5):
        other.goto(unit)
        other.apply("collaboration")
    shutil.copyfile(clone / "audit" / "ben.log", project.log_path("ben"))
    compare("a pull of lines stamped earlier")
    same_length_edit(project)
    compare("a same-length edit")
    assert checked == 6


def test_the_coding_view_opens_and_refreshes_through_the_warm_index(tmp_path, monkeypatch):
    """Opening the coding view read every log from its start (the open grew faster
    than the project in the scale benchmark); through the warm index it folds none,
    shows what a full replay gives for the coders shown, and a decision is folded on."""
    from qcode import livereplay

    project = make_study(tmp_path / "study")
    anna = Session(project, "anna", doc=INTERVIEW, clock=clock(), suggest=False)
    anna.goto(2)
    anna.apply("coordination")
    ben = Session(project, "ben", doc=INTERVIEW, clock=clock(5000), suggest=False)
    ben.goto(2)
    ben.apply("autonomy")
    ben.memo("Ben's note on the third unit.")
    index.replay(project)  # the index, warm
    folded: list[str] = []
    for module in (index, livereplay):
        real = module.fold_log
        monkeypatch.setattr(module, "fold_log", lambda path, real=real, **kw:
                            folded.append(path.stem) or real(path, **kw))
    s = Session(project, "anna", doc=INTERVIEW, compare="ben", clock=clock(10_000),
                suggest=False)
    assert folded == []
    s.goto(4)
    s.apply("autonomy")
    assert folded == []
    full = codings.replay(project)
    for coder, shown in (("anna", s.mine), ("ben", s.theirs)):
        assert set(shown) == {c for c in full.codings if c.doc == INTERVIEW and c.coder == coder}
        assert shown
    assert [m.text for m in s.memos_at(2)] == ["Ben's note on the third unit."]
    monkeypatch.setenv("QCODE_INDEX", "0")  # no index: the logs are replayed
    bare = Session(project, "anna", doc=INTERVIEW, compare="ben", suggest=False)
    assert set(bare.mine) == set(s.mine) and set(bare.theirs) == set(s.theirs)
    assert folded


def test_stored_values_come_back_with_their_types(tmp_path) -> None:
    """The index stores a coding's codebook version, score and flags as given: an int
    version stays an int and a str one a str, a score keeps its exact float."""
    from qcode.codings import Coding, Decision, Fold, Memo

    fold = Fold("anna")
    kept = [Coding("anna:1", "anna", "d", 0, 5, "autonomy", "manual", "t", "v1", None, 3, "fp",
                   0.1 + 0.2, ("merged:x", "review:y")),
            Coding("anna:2", "anna", "d", 5, 9, "autonomy", "suggest", "t", None, "m", "2", None,
                   7, ()),
            Coding("anna:3", "anna", "e", 1, 2, "leadership", "manual", "t")]
    for c in kept:
        fold.live[c.id] = c
    fold.memos = [Memo("anna:4", "anna", "t", "a memo", "d", None, "anna:1", "0:5")]
    fold.decisions = [Decision("anna:5", "anna", "t", "d", 0, 5, "autonomy", "rules.v2", 0.75,
                               False, "too broad")]
    fold.lines = 5
    with index.Index(tmp_path / "index.sqlite") as db:
        db._store("anna", fold, 10, b"x")
        back = db._load("anna", 5, "[]", None, None)
    assert list(back.live.values()) == kept
    assert [type(c.codebook) for c in back.live.values()] == [int, str, type(None)]
    assert back.memos == fold.memos and back.decisions == fold.decisions


def test_the_document_listing_follows_every_change_of_a_metadata_file(tmp_path, runner):
    """`docs` reads unchanged metadata from the index; a changed attribute, a file
    edited in place and a withdrawn or new document show at once."""
    project = make_study(tmp_path / "study")
    root = str(project.root)

    def listing() -> str:
        result = runner.invoke(app, ["docs", "--format", "csv", "-P", root])
        assert result.exit_code == 0, result.output
        return result.stdout

    first = listing()
    assert listing() == first and "team" not in first
    assert runner.invoke(app, ["attrs", "set", "interview", "team=north", "-P", root]).exit_code == 0
    assert "north" in listing()
    meta = project.documents_dir / "interview.yaml"
    text = meta.read_text(encoding="utf-8")
    with open(meta, "r+", encoding="utf-8") as fh:  # in place: same inode
        fh.write(text.replace("team: north", "team: south"))
    assert "south" in listing() and "north" not in listing()
    folder = project.documents_dir
    shutil.copy(folder / "interview.txt", folder / "interview-copy.txt")
    shutil.copy(meta, folder / "interview-copy.yaml")
    assert "interview-copy," in listing()
    (folder / "interview-copy.yaml").unlink()
    assert "interview-copy," not in listing()
    shutil.rmtree(project.cache_dir)
    assert listing() == runner.invoke(app, ["docs", "--format", "csv", "-P", root]).stdout


@pytest.mark.parametrize("delta_rows", [index._DELTA_ROWS, 0])
def test_lines_appended_to_an_indexed_log_change_only_their_rows(tmp_path, monkeypatch,
                                                                   delta_rows):
    """A log that grew is stored by what its new lines changed (a coding added, one
    removed, a memo); past _DELTA_ROWS changed codings it is written anew.
    Either way the stored rows are the log's fold, nothing left over."""
    import sqlite3

    monkeypatch.setattr(index, "_DELTA_ROWS", delta_rows)
    project = make_study(tmp_path / "study")
    s = Session(project, "anna", doc=INTERVIEW, clock=clock(), suggest=False)
    for unit, code in ((1, "coordination"), (2, "autonomy"), (3, "collaboration")):
        s.goto(unit)
        s.apply(code)
    check(project)
    s.goto(4)
    s.apply("time-resources")
    s.goto(2)
    s.remove(s.removable()[0])
    s.goto(1)
    s.memo("the list again")
    got = check(project)
    mine = [c for c in got.codings if c.coder == "anna"]
    assert len(mine) == 3 and [m.text for m in got.memos] == ["the list again"]
    db = sqlite3.connect(project.cache_dir / "index.sqlite")
    stored = db.execute("SELECT id FROM codings WHERE log = 'anna' ORDER BY id").fetchall()
    memos = db.execute("SELECT pos FROM memos WHERE log = 'anna' ORDER BY pos").fetchall()
    db.close()
    assert sorted(c.id for c in mine) == [r[0] for r in stored]
    assert memos == [(0,)]


def test_a_damaged_coding_table_is_never_counted(tmp_path, runner):
    """A stored table whose rows point outside its names (or whose log lost its table)
    is not read: the index is dropped and the analysis counts from the replay."""
    import sqlite3

    project = make_study(tmp_path / "study")
    team = Team(project, 7)
    for _ in range(8):
        team.step()
    args = ["cooccur", "--format", "csv", "--project", str(project.root)]
    before = runner.invoke(app, args)
    assert before.exit_code == 0 and before.stdout.count("\n") > 1
    db = sqlite3.connect(project.cache_dir / "index.sqlite")
    with db:
        db.execute("UPDATE columns SET data = ? WHERE log = 'anna'",
                   ((b"\xff" * 4 * 5) * 3,))  # doc -1 in every row
    db.close()
    assert index.coding_table(project) is None  # refused, index dropped
    assert not (project.cache_dir / "index.sqlite").exists()
    # with its write-ahead log: one left beside the next index would be read into it
    assert not list(project.cache_dir.glob("index.sqlite-*"))
    after = runner.invoke(app, args)
    assert after.exit_code == 0 and after.stdout == before.stdout
    db = sqlite3.connect(project.cache_dir / "index.sqlite")
    with db:
        db.execute("DELETE FROM columns WHERE log = 'ben'")
    db.close()
    assert index.coding_table(project) is None
    assert runner.invoke(app, args).stdout == before.stdout


def test_audit_stats_on_a_warm_index_parses_no_log_line(tmp_path, runner, monkeypatch):
    """It parsed every line of every log on each run (39 s on a million-line project);
    each log's events are now counted once, when the index reads them."""
    from qcode import trail
    from qcode.audit import line

    project = make_study(tmp_path / "study")
    team = Team(project, 11)
    for _ in range(12):
        team.step()
    args = ["audit", "stats", "--format", "json", "--project", str(project.root)]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output

    def tripwire(*a, **kw):
        raise AssertionError("a log line was parsed")

    monkeypatch.setattr(line, "parse_object", tripwire)
    monkeypatch.setattr(index, "parse_object", tripwire)
    monkeypatch.setattr(codings, "parse_object", tripwire)
    monkeypatch.setattr(trail, "read_log", tripwire)
    warm = runner.invoke(app, args)
    assert warm.exit_code == 0, warm.output
    assert warm.stdout == first.stdout
    lines = [x for log in project.audit_dir.glob("*.log") for x in log.read_bytes().splitlines()]
    assert sum(r["events"] for r in json.loads(warm.stdout)["coders"]) == len(
        [x for x in lines if b'"action":"sign"' not in x]) > 6


@pytest.mark.parametrize("indexed", [True, False])
def test_audit_stats_still_refuses_a_line_that_is_no_audit_line(tmp_path, runner, monkeypatch,
                                                                  indexed):
    project = make_study(tmp_path / "study")
    team = Team(project, 13)
    for _ in range(6):
        team.step()
    args = ["audit", "stats", "--project", str(project.root)]
    if indexed:
        assert runner.invoke(app, args).exit_code == 0  # the index holds the whole logs
    else:
        monkeypatch.setenv("QCODE_INDEX", "0")
    with project.log_path("anna").open("ab") as fh:
        fh.write(b"this is not an audit line\n")
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    said = result.stderr.strip().splitlines()
    assert len(said) == 1, said  # the one line, no note before it
    assert said[0].startswith("Error: audit/anna.log line ") and "qcode audit verify" in said[0]


def test_the_coding_view_holds_only_the_open_documents_codings(tmp_path):
    """It held every coding of the coders shown, in every document (a coder's 20,000
    codings on a big project, a third of the view's open); moving to another document,
    and looking for an uncoded unit in the next ones, still sees what the logs say."""
    project = make_study(tmp_path / "study")
    anna = Session(project, "anna", doc=FIELDNOTE, clock=clock(), suggest=False)
    for unit in range(len(anna.units)):  # the field note fully coded
        anna.goto(unit)
        anna.apply("coordination")
    anna.open(INTERVIEW)
    anna.goto(1)
    anna.apply("autonomy")
    index.replay(project)  # the index, warm
    s = Session(project, "anna", doc=INTERVIEW, clock=clock(10_000), suggest=False)
    assert {c.doc for c in s.replayed.codings} == {INTERVIEW}
    s.open(FIELDNOTE)
    assert {c.doc for c in s.replayed.codings} == {FIELDNOTE}
    assert len(s.mine) == len(s.units)  # every unit coded, as the logs say
    full = codings.replay(project)
    assert set(s.mine) == {c for c in full.codings if c.doc == FIELDNOTE}


def test_reading_a_document_after_an_append_does_not_load_numpy(tmp_path, runner):
    """The index stores a grown log's coding table without numpy: a reading command
    right after a decision paid numpy's import (0.1-0.2 s) to update the index."""
    import subprocess
    import sys

    project = make_study(tmp_path / "study")
    team = Team(project, 17)
    for _ in range(4):
        team.step()
    index.replay(project)  # warm
    before = index.coding_table(project)
    applied = runner.invoke(app, ["apply", INTERVIEW, "autonomy", "--span", "0:5", "--coder",
                                  "anna", "--project", str(project.root)])
    assert applied.exit_code == 0, applied.output  # a line the index has not read
    code = ("import sys; from pathlib import Path; from qcode import index; "
            "from qcode.project import open_project; "
            f"got = index.replay(open_project(Path({str(project.root)!r})), docs=[{INTERVIEW!r}]); "
            "print(len(got.codings), 'numpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    count, numpy_loaded = out.stdout.split()
    assert numpy_loaded == "False", out.stdout
    full = codings.replay(project)
    assert int(count) == len([c for c in full.codings if c.doc == INTERVIEW])
    after = index.coding_table(project)  # the table stored without numpy reads back
    assert named(after) == sorted((c.doc, c.coder, c.code, c.start, c.end) for c in full.codings)
    assert len(after) == len(before) + 1


def _hostile(**fields) -> bytes:
    """An audit line as an append would write it, but with these values (its hash is
    wrong: the health check names the log as broken)."""
    line = {"seq": 900, "time": "2026-02-03T11:00:00.000Z", "actor": "anna", "action": "apply",
            "doc": INTERVIEW, "docv": None, "span": "0:10", "code": "coordination",
            "codebook": 1, "quote": None, "fp": None, "source": "manual", "score": None,
            "ref": None, "memo": None, "data": None, "hash": "0" * 64}
    line.update(fields)
    return (json.dumps(line, separators=(",", ":")) + "\n").encode()


@pytest.mark.parametrize("fields", [
    {"time": None, "action": "seal"},  # a time that is no text: counted under no day
    {"span": "0:3000000000"},  # past 2**31: no unit reaches it
    {"span": "5:3000000000", "code": "autonomy"},
    {"span": "0:99999999999999999999"},  # past 2**63: SQLite cannot hold it
])
def test_a_hostile_line_gives_with_the_index_what_it_gives_without(tmp_path, runner,
                                                                     monkeypatch, fields):
    """Such a line crashed every replay (a time that was no text) or every command that
    stored the index's table (a span past int32); each command must answer, and answer
    as without the index."""
    project = make_study(tmp_path / "study")
    team = Team(project, 3)
    for _ in range(15):
        team.step()
    for doc, team_name in ((INTERVIEW, "harbour"), (FIELDNOTE, "hill")):
        assert runner.invoke(app, ["attrs", "set", doc, f"team={team_name}", "--project",
                                   str(project.root)]).exit_code == 0
    index.replay(project)  # warm: the line is then read as an append
    with project.log_path("anna").open("ab") as fh:
        fh.write(_hostile(**fields))
    commands = [["codings", "--format", "csv"], ["audit", "stats", "--format", "json"],
                ["agree", "--format", "json"], ["cooccur", "--format", "csv"],
                ["crosstab", "--by", "team", "--format", "csv"]]
    warm = [runner.invoke(app, [*a, "--project", str(project.root)]) for a in commands]
    monkeypatch.setenv("QCODE_INDEX", "0")
    bare = [runner.invoke(app, [*a, "--project", str(project.root)]) for a in commands]
    for args, a, b in zip(commands, warm, bare, strict=True):
        assert a.exception is None or isinstance(a.exception, SystemExit), (args, a.exception)
        assert (a.exit_code, a.stdout, a.stderr) == (b.exit_code, b.stdout, b.stderr), args
    assert "anna.log" in warm[0].stderr  # the broken chain is named


@pytest.mark.parametrize("damage", [
    "UPDATE logs SET bad = '{x' WHERE name = 'anna'",
    "UPDATE logs SET bad = '[1]' WHERE name = 'anna'",
    "UPDATE columns SET vocab = NULL WHERE log = 'anna'",
    "UPDATE columns SET data = 'text' WHERE log = 'anna'",
    "UPDATE columns SET data = 7 WHERE log = 'anna'",
    "UPDATE columns SET vocab = json_set(vocab, '$[3][1]', 10000) WHERE log = 'anna'",
    "UPDATE columns SET vocab = json_remove(vocab, '$[3]') WHERE log = 'anna'",
    "UPDATE columns SET vocab = json_set(vocab, '$[0]', json_array('zzz', 'aaa')) WHERE log = 'anna'",
    "INSERT INTO tallies VALUES ('ghost', 'ghost', '2026-01-01', 'apply', 3)",
])
def test_a_damaged_index_value_is_dropped_never_a_crash(tmp_path, runner, damage):
    import sqlite3

    project = make_study(tmp_path / "study")
    team = Team(project, 3)
    for _ in range(15):
        team.step()
    commands = [["audit", "stats", "--format", "json"], ["agree", "--format", "json"],
                ["cooccur", "--format", "csv"]]
    before = [runner.invoke(app, [*a, "--project", str(project.root)]).stdout for a in commands]
    for args in commands:
        for _ in range(2):  # the index (the first call may find the last damage, and drop it)
            index.coding_table(project)
        assert index.coding_table(project) is not None
        db = sqlite3.connect(project.cache_dir / "index.sqlite")
        with db:
            db.execute(damage)
        db.close()
        result = runner.invoke(app, [*args, "--project", str(project.root)])
        assert result.exit_code == 0, (args, result.output)
        assert result.stdout == before[commands.index(args)], args


def test_a_coder_named_twice_is_one_coder(tmp_path, runner):
    project = make_study(tmp_path / "study")
    team = Team(project, 29)
    for _ in range(12):
        team.step()
    once = runner.invoke(app, ["agree", "--coder", "anna", "--coder", "ben", "--format", "json",
                               "--project", str(project.root)])
    twice = runner.invoke(app, ["agree", "--coder", "anna", "--coder", "anna", "--coder", "ben",
                                "--format", "json", "--project", str(project.root)])
    assert once.exit_code == twice.exit_code == 0, twice.output
    assert twice.stdout == once.stdout and twice.stderr == once.stderr


def test_one_coders_table_loads_no_other_coders_log(tmp_path, monkeypatch):
    """A named coder's analysis stacked every log's table (all 50 coders' codings on a
    big project, 181 MB for one coder's co-occurrence, more than qc's 120 MB); a log
    whose table names none of the chosen coders is now not loaded."""
    project = make_study(tmp_path / "study")
    team = Team(project, 3)
    for _ in range(15):
        team.step()
    index.coding_table(project)  # warm
    loaded: list[tuple[str, ...]] = []
    real = index._loaded

    def spy(vocab, data):
        table = real(vocab, data)
        loaded.append(table.coders)
        return table

    monkeypatch.setattr(index, "_loaded", spy)
    ben = index.coding_table(project, coders=["ben"])
    assert loaded and all(coders == ("ben",) for coders in loaded), loaded
    full = codings.replay(project)
    assert named(ben) == sorted((c.doc, c.coder, c.code, c.start, c.end)
                                for c in full.codings if c.coder == "ben")


def test_a_migration_indexed_as_an_analysis_opens_is_mapped(tmp_path, monkeypatch):
    """The analysis asked the index whether any log held a project-level step in one
    snapshot and read the logs' tables in another: a migration indexed in between (by
    another process) was counted unmapped. Whether to map and what to read are now one
    snapshot."""
    from qcode.index import StoredCodings

    project = _coordinated_study(tmp_path / "study", 11, 12)
    index.replay(project)  # warm, no step yet
    real_init, real_source = index.Index.__init__, index.Index.source
    armed: list = []

    class Between:
        """The index's connection, with another process's work run just before the
        analysis opens its read transaction."""

        def __init__(self, db):
            self.db = db

        def __getattr__(self, name):
            return getattr(self.db, name)

        def execute(self, sql, *args):
            if sql == "BEGIN" and self in armed:
                armed.remove(self)
                rename_coordination(project)  # another coder migrates the codebook...
                index.replay(project)  # ...and her command brings the index up to date
            return self.db.execute(sql, *args)

    def init(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        self.db = Between(self.db)

    def source(self, *args, **kwargs):
        armed.append(self.db)
        return real_source(self, *args, **kwargs)

    monkeypatch.setattr(index.Index, "__init__", init)
    monkeypatch.setattr(index.Index, "source", source)
    got = index.coding_source(project)
    monkeypatch.undo()
    assert not armed  # the other process did run in between
    table = got.whole() if isinstance(got, StoredCodings) else got
    full = codings.replay(project)
    assert "teamwork" in {c.code for c in full.codings}
    assert named(table) == sorted((c.doc, c.coder, c.code, c.start, c.end)
                                  for c in full.codings)


def rename_coordination(project) -> None:
    """Codebook version 4: coordination renamed teamwork."""
    from qcode.migrations import recode

    text = (FIXTURES / "codebook.yaml").read_text(encoding="utf-8")
    new = text.replace("version: 3", "version: 4").replace("  - id: coordination\n",
                                                           "  - id: teamwork\n") + (
        "changes:\n  - version: 4\n    rename: {from: coordination, to: teamwork}\n"
        "    reason: The team's word for it.\n")
    path = project.root / "codebook-v4.yaml"
    path.write_text(new, encoding="utf-8")
    recode(project, path, actor="lead", rules=False)


def test_an_index_busy_past_the_wait_is_left_to_its_writer(tmp_path, runner, monkeypatch):
    """A command that waited its time for another's write to the index deleted it, and
    its write-ahead log in use, as if it were damaged; it now reads without it."""
    import sqlite3

    project = make_study(tmp_path / "study")
    team = Team(project, 13)
    for _ in range(6):
        team.step()
    args = ["cooccur", "--format", "csv", "--project", str(project.root)]
    assert runner.invoke(app, args).exit_code == 0  # the index made
    team.step()  # a line the index has not read: the command must write to it
    monkeypatch.setattr(index, "_WAIT", 0.2)
    other = sqlite3.connect(project.cache_dir / "index.sqlite", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another command is writing
    try:
        busy = runner.invoke(app, args)
        assert (project.cache_dir / "index.sqlite").exists()
        assert (project.cache_dir / "index.sqlite-wal").exists()
    finally:
        other.execute("ROLLBACK")
        other.close()
    monkeypatch.setenv("QCODE_INDEX", "0")
    assert busy.exit_code == 0 and busy.stdout == runner.invoke(app, args).stdout


def test_after_a_migration_a_coders_change_maps_only_her_log_again(tmp_path, runner,
                                                                    monkeypatch):
    """On a migrated project every log's codings were mapped again, from a full read,
    whenever any log changed (22 s and 600 MB for `agree` after one decision at a million
    lines); each log's mapped codings are now kept for the steps and that log, so a
    decision maps only its coder's codings again, and the result is the full replay's."""
    from qcode.coding import apply

    project = _coordinated_study(tmp_path / "study", 17, 14)
    rename_coordination(project)
    args = [["agree", "--format", "json"], ["cooccur", "--format", "csv"],
            ["audit", "stats", "--format", "json"]]
    for a in args:  # the index and the mapped tables made
        assert runner.invoke(app, [*a, "--project", str(project.root)]).exit_code == 0
    mapped: list[set[str]] = []
    real = codings.map_codings

    def counted(found, steps):
        mapped.append({c.coder for c in found})
        return real(found, steps)

    monkeypatch.setattr(codings, "map_codings", counted)
    apply(project, INTERVIEW, "teamwork", span="50:90", coder="ben", clock=clock(95_000))
    got = [runner.invoke(app, [*a, "--project", str(project.root)]) for a in args]
    assert mapped == [{"ben"}]  # ben's log alone, once for all three commands
    monkeypatch.undo()
    _as_full_replay(runner, monkeypatch, project, args, got)


def test_equal_versions_of_another_type_map_alike_in_any_order(tmp_path, runner,
                                                                monkeypatch):
    """The mapping cached a version's steps by its value, so a line made under codebook
    2.0 (written by hand) decided for another coder's line made under 2, or not, by
    which log came first; mapped one log at a time, the index and a full replay then
    differed. Each is now mapped by its own value and type."""
    project = _autonomy_study(tmp_path / "study", anna={"codebook": 2.0},
                              ben={"codebook": 2})
    rename_coordination(project)
    args = ["audit", "stats", "--by", "code", "--format", "csv", "--project", str(project.root)]
    warm = runner.invoke(app, args)
    shutil.rmtree(project.cache_dir)
    monkeypatch.setenv("QCODE_INDEX", "0")
    full = runner.invoke(app, args)
    assert warm.exit_code == full.exit_code == 0, warm.output
    assert warm.stdout == full.stdout
    rows = {line.split(",")[0]: line for line in full.stdout.splitlines()}
    assert rows["teamwork"].startswith("teamwork,0,1,")  # ben's, made under 2, renamed
    assert rows["coordination"].startswith("coordination,1,0,")  # anna's 2.0 is no version


def test_an_odd_source_after_a_migration_counts_as_in_a_full_replay(tmp_path, runner,
                                                                            monkeypatch):
    """A hand-written line whose source is a number crashed `agree` and `audit stats` with
    the index on a migrated project."""
    project = _autonomy_study(tmp_path / "study", anna={"source": 5})
    rename_coordination(project)
    commands = [["agree", "--format", "json"], ["audit", "stats", "--format", "json"],
                ["audit", "stats", "--by", "code", "--format", "csv"]]
    warm = [runner.invoke(app, [*a, "--project", str(project.root)]) for a in commands]
    shutil.rmtree(project.cache_dir)
    _as_full_replay(runner, monkeypatch, project, commands, warm)


@pytest.mark.parametrize("fields", [{"code": 5}, {"doc": 7}, {"code": True}])
def test_a_coding_whose_code_or_document_is_no_text_is_ignored_not_a_crash(
        tmp_path, runner, monkeypatch, fields):
    """A hand-written apply line whose code or document is a number crashed every replay
    (codings are sorted by them); it is now ignored with a warning naming the line, with
    the index and without, as a line that lacks what it needs is."""
    project = _autonomy_study(tmp_path / "study", ben=fields)
    commands = [["agree", "--format", "json"], ["audit", "stats", "--format", "json"],
                ["codings", "--format", "csv"]]
    warm = [runner.invoke(app, [*a, "--project", str(project.root)]) for a in commands]
    shutil.rmtree(project.cache_dir)
    _as_full_replay(runner, monkeypatch, project, commands, warm)
    assert "audit/ben.log line 2" in warm[2].stderr and "ignored" in warm[2].stderr


def _coordinated_study(root, seed: int, steps: int):
    """A study after ``steps`` random team steps, with a coordination coding by each coder."""
    from qcode.coding import apply

    project = make_study(root)
    team = Team(project, seed)
    for _ in range(steps):
        team.step()
    for coder, span in (("anna", "0:40"), ("ben", "10:40")):
        apply(project, INTERVIEW, "coordination", span=span, coder=coder, clock=clock(90_000))
    return project


def _autonomy_study(root, **hostile: dict):
    """A study where anna and ben each code the interview's first 40 characters, and then
    ``hostile`` (coder -> fields) hand-written lines are appended to their logs."""
    from qcode.coding import apply

    project = make_study(root)
    apply(project, INTERVIEW, "autonomy", span="0:40", coder="anna", clock=clock(1000))
    apply(project, INTERVIEW, "autonomy", span="0:40", coder="ben", clock=clock(2000))
    for coder, fields in hostile.items():
        with project.log_path(coder).open("ab") as fh:
            fh.write(_hostile(seq=900, actor=coder, span="0:40", **fields))
    return project


def _as_full_replay(runner, monkeypatch, project, commands, got) -> None:
    """Each command's result ``got`` is what it gives without the index."""
    monkeypatch.setenv("QCODE_INDEX", "0")
    for args, result in zip(commands, got, strict=True):
        want = runner.invoke(app, [*args, "--project", str(project.root)])
        assert result.exit_code == want.exit_code == 0, (args, result.output)
        assert result.stdout == want.stdout, args
