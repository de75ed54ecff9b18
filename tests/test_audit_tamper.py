"""Tampering, swept through the library: every kind of change is found, at the right
line, and named. Each sweep tries every position of a 200-line log (a sweep costs the
square of the log's length); the edit sweep and the spot checks run on a 1,000-line
log, so one full-size sweep is kept."""

from __future__ import annotations

import json
import shutil

import pytest
from audit_support import PROJECT_ID, lines_of, write_lines, write_log

from qcode.audit import KEYS, check_log, genesis, verify
from qcode.audit.line import seal_line
from qcode.audit.log import append, read_head, read_log

N = 1000  # the full-size log
SWEEP = 200  # the log every position of which a sweep tries


def _pristine(tmp_path_factory, n: int):
    """audit/anna.log (``n`` varied lines) and audit/ben.log (50 lines)."""
    audit = tmp_path_factory.mktemp("pristine") / "audit"
    write_log(audit, "anna", n)
    write_log(audit, "ben", 50, start=10**6)
    return audit


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    return _pristine(tmp_path_factory, N)


@pytest.fixture(scope="module")
def pristine_short(tmp_path_factory):
    return _pristine(tmp_path_factory, SWEEP)


@pytest.fixture
def audit(pristine, tmp_path):
    """A fresh copy of the full-size logs to tamper with."""
    target = tmp_path / "audit"
    shutil.copytree(pristine, target)
    return target


@pytest.fixture
def short(pristine_short, tmp_path):
    """A fresh copy of the 200-line logs, for the sweeps over every position."""
    target = tmp_path / "audit"
    shutil.copytree(pristine_short, target)
    return target


def _check(path):
    return check_log(path, PROJECT_ID, [p for p in path.parent.glob("*.log") if p != path])


def test_the_pristine_logs_verify(pristine):
    report = verify(pristine, PROJECT_ID)
    assert report.ok, report.problems
    assert [(c.name, c.lines) for c in report.logs] == [("anna", N), ("ben", 50)]


def _edited(obj: dict, key: str, line_no: int):
    """A different value of the same kind for ``key``."""
    value = obj[key]
    if key == "seq":
        return value + 1 if line_no % 2 else value + 7
    if key == "hash":
        return ("f" if value[0] != "f" else "e") + value[1:]
    if key == "time":
        return value.replace("2025", "2024")
    if key == "span":
        return "1:2" if value != "1:2" else "1:3"
    if key in ("score", "codebook"):
        return 7 if value != 7 else 8
    if key == "data":
        return {"reason": "forged"} if value != {"reason": "forged"} else None
    if value is None:
        return "x"
    return value + "!" if line_no % 3 else value[:-1] or "y"


def _edit(lines: list[bytes], index: int, key: str) -> list[bytes]:
    obj = json.loads(lines[index])
    obj[key] = _edited(obj, key, index + 1)
    changed = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()
    assert changed != lines[index]
    return [*lines[:index], changed, *lines[index + 1:]]


def _cases():
    """Every line gets an edit (cycling through the fields), and three lines (first,
    a middle one, last) get an edit of every field: each field is edited at ~60
    positions spread over the log."""
    for index in range(N):
        yield index, KEYS[index % len(KEYS)]
    for index in (0, N // 2, N - 1):
        for key in KEYS:
            yield index, key


@pytest.mark.slow
def test_every_single_field_edit_is_found_at_its_line(audit):
    path = audit / "anna.log"
    lines = lines_of(path)
    misses = []
    for index, key in _cases():
        write_lines(path, _edit(lines, index, key))
        problem = _check(path).problem
        if problem is None or problem.line != index + 1 or problem.kind != "edited":
            misses.append((index + 1, key, problem))
    assert not misses, misses[:5]


@pytest.mark.slow
def test_every_deletion_is_found_at_its_line(short):
    path = short / "anna.log"
    lines = lines_of(path)
    misses = []
    for index in range(SWEEP - 1):  # deleting the last line is what seals are for
        write_lines(path, lines[:index] + lines[index + 1:])
        problem = _check(path).problem
        if problem is None or (problem.line, problem.kind) != (index + 1, "deleted"):
            misses.append((index + 1, problem))
    assert not misses, misses[:5]


def _forged(seq: int, prev: str | None) -> bytes:
    fields = {"seq": seq, "time": "2025-03-01T10:00:00.000Z", "actor": "anna",
              "action": "apply", "doc": "doc1", "span": "5:25", "code": "autonomy",
              "source": "manual"}
    return seal_line(fields, prev or "0" * 64)[1].encode()


@pytest.mark.slow
@pytest.mark.parametrize("chained", [False, True], ids=["unchained", "chained-to-its-predecessor"])
def test_every_insertion_of_a_forged_line_is_found_at_its_line(short, chained):
    path = short / "anna.log"
    lines = lines_of(path)
    hashes = [genesis(PROJECT_ID, "anna")] + [json.loads(x)["hash"] for x in lines]
    misses = []
    for index in range(SWEEP):  # before each existing line; after the last one is an append
        forged = _forged(index + 1, hashes[index] if chained else None)
        write_lines(path, [*lines[:index], forged, *lines[index:]])
        problem = _check(path).problem
        if problem is None or (problem.line, problem.kind) != (index + 1, "inserted"):
            misses.append((index + 1, problem))
    assert not misses, misses[:5]


def test_a_repeated_line_is_an_insertion(audit):
    path = audit / "anna.log"
    lines = lines_of(path)
    write_lines(path, [*lines[:300], lines[299], *lines[300:]])
    problem = _check(path).problem
    assert (problem.line, problem.kind) == (301, "inserted")


@pytest.mark.slow
def test_every_swap_of_adjacent_lines_is_found_at_its_line(short):
    path = short / "anna.log"
    lines = lines_of(path)
    misses = []
    for index in range(SWEEP - 1):
        swapped = [*lines[:index], lines[index + 1], lines[index], *lines[index + 2:]]
        write_lines(path, swapped)
        problem = _check(path).problem
        if problem is None or (problem.line, problem.kind) != (index + 1, "reordered"):
            misses.append((index + 1, problem))
    assert not misses, misses[:5]


@pytest.mark.parametrize("how", ["inserted", "replacing"])
@pytest.mark.parametrize("index", [0, 1, 499, 998, 999])
def test_a_line_copied_from_another_coders_log_is_found(audit, how, index):
    path = audit / "anna.log"
    lines = lines_of(path)
    theirs = lines_of(audit / "ben.log")[min(index, 49)]
    tail = lines[index:] if how == "inserted" else lines[index + 1:]
    write_lines(path, [*lines[:index], theirs, *tail])
    problem = _check(path).problem
    assert (problem.line, problem.kind) == (index + 1, "foreign"), problem
    assert "audit/ben.log" in problem.message


def test_a_line_from_a_deleted_log_is_found_by_its_actor(audit):
    path = audit / "anna.log"
    lines = lines_of(path)
    theirs = lines_of(audit / "ben.log")[10]
    (audit / "ben.log").unlink()
    write_lines(path, [*lines[:10], theirs, *lines[10:]])
    problem = _check(path).problem
    assert (problem.line, problem.kind) == (11, "foreign")
    assert "'ben'" in problem.message


@pytest.mark.slow
def test_truncation_at_every_line_boundary_is_found_against_a_later_seal(short):
    path = short / "anna.log"
    head = read_head(path, PROJECT_ID)
    append(short / "ben.log", PROJECT_ID, [{"actor": "ben", "action": "seal", "data": {
        "logs": {"anna": {"seq": head.seq, "hash": head.hash}}}}])
    assert verify(short, PROJECT_ID).ok
    lines = lines_of(path)
    misses = []
    for keep in range(SWEEP):
        write_lines(path, lines[:keep])
        problems = verify(short, PROJECT_ID, ["anna"]).problems
        if [(p.line, p.kind) for p in problems] != [(keep + 1, "truncated")]:
            misses.append((keep, problems))
    assert not misses, misses[:3]


def test_a_log_rewritten_and_rechained_from_scratch_is_found_by_a_seal(audit):
    path = audit / "anna.log"
    head = read_head(path, PROJECT_ID)
    append(audit / "ben.log", PROJECT_ID, [{"actor": "ben", "action": "seal", "data": {
        "logs": {"anna": {"seq": head.seq, "hash": head.hash}}}}])
    objs = [{k: getattr(e, k) for k in KEYS[:-1]} for e in read_log(path).events]
    objs[400]["code"] = "leadership"
    path.unlink()
    append(path, PROJECT_ID, [{k: v for k, v in o.items() if k != "seq"} for o in objs])
    assert _check(path).problem is None  # the chain alone is fooled
    problems = verify(audit, PROJECT_ID).problems
    assert [(p.log, p.line, p.kind) for p in problems] == [("anna", N, "rewritten")]


def test_a_missing_log_that_a_seal_names_is_found(audit):
    head = read_head(audit / "ben.log", PROJECT_ID)
    append(audit / "anna.log", PROJECT_ID, [{"actor": "anna", "action": "seal", "data": {
        "logs": {"ben": {"seq": head.seq, "hash": head.hash}}}}])
    (audit / "ben.log").unlink()
    problems = verify(audit, PROJECT_ID).problems
    assert [(p.log, p.kind) for p in problems] == [("ben", "missing")]


def test_the_first_bad_line_is_named_when_there_are_several(audit):
    path = audit / "anna.log"
    lines = _edit(_edit(lines_of(path), 700, "code"), 200, "memo")
    write_lines(path, lines)
    problem = _check(path).problem
    assert (problem.line, problem.kind) == (201, "edited")
    assert "audit/anna.log line 201" in problem.message
