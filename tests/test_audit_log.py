"""Appending: whole lines under a lock, crash residue, concurrent writers, SIGKILL."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from audit_support import PROJECT_ID, clock, lines_of

from qcode.audit import check_log, genesis, read_head, read_log, verify
from qcode.audit.line import parse_line, seal_line
from qcode.audit.log import append, locked_log
from qcode.codings import replay_dir
from qcode.errors import AuditError

REPO = Path(__file__).resolve().parent.parent


def memo(actor: str, text: str) -> dict:
    return {"actor": actor, "action": "memo", "memo": text}


def test_appends_number_and_chain_the_lines(tmp_path):
    path = tmp_path / "audit" / "anna.log"
    first, _ = append(path, PROJECT_ID, [memo("anna", "a"), memo("anna", "b")], clock=clock())
    second, _ = append(path, PROJECT_ID, [memo("anna", "c")], clock=clock(5))
    assert [e.seq for e in first + second] == [1, 2, 3]
    assert first[0].time == first[1].time == "2025-03-01T09:00:00.000Z"
    lines = lines_of(path)
    assert [parse_line(x) for x in lines] == list(first + second)
    assert read_head(path, PROJECT_ID).seq == 3
    assert read_head(path, PROJECT_ID).hash == second[0].hash
    assert read_head(tmp_path / "audit" / "nobody.log", PROJECT_ID).hash == genesis(
        PROJECT_ID, "nobody")
    assert append(path, PROJECT_ID, []) == ((), ())
    assert check_log(path, PROJECT_ID).problem is None


def _three(path: Path) -> None:
    append(path, PROJECT_ID, [memo("anna", str(i)) for i in range(3)])


def test_a_partial_last_line_is_reported_then_moved_aside_by_the_next_writer(tmp_path):
    path = tmp_path / "audit" / "anna.log"
    _three(path)
    fragment = b'{"seq":4,"time":"2025-03-01T09:0'
    with open(path, "ab") as fh:
        fh.write(fragment)
    report = verify(path.parent, PROJECT_ID)
    assert report.ok and any("partial line of 32 bytes" in n for n in report.notes)
    replayed = replay_dir(path.parent)
    assert len(replayed.memos) == 3 and "partial line" in replayed.warnings[0]

    events, warnings = append(path, PROJECT_ID, [memo("anna", "after")])
    assert events[0].seq == 4
    assert "moved it to audit/anna.log.partial" in warnings[0]
    assert (path.parent / "anna.log.partial").read_bytes() == fragment + b"\n"
    assert len(lines_of(path)) == 4 and path.read_bytes().endswith(b"\n")
    report = verify(path.parent, PROJECT_ID)
    assert report.ok and any("1 fragment(s)" in n for n in report.notes)


def test_a_whole_line_without_its_newline_is_completed_not_dropped(tmp_path):
    path = tmp_path / "audit" / "anna.log"
    _three(path)
    head = read_head(path, PROJECT_ID)
    _, line = seal_line({"seq": 4, "time": "2025-03-01T09:00:00.000Z", "actor": "anna",
                         "action": "memo", "memo": "in flight"}, head.hash)
    with open(path, "ab") as fh:
        fh.write(line.encode())
    assert any("newline is missing" in n for n in verify(path.parent, PROJECT_ID).notes)
    events, warnings = append(path, PROJECT_ID, [memo("anna", "next")])
    assert events[0].seq == 5 and "completed it" in warnings[0]
    assert [e.memo for e in read_log(path).events][-2:] == ["in flight", "next"]
    assert not (path.parent / "anna.log.partial").exists()
    assert verify(path.parent, PROJECT_ID).ok


def test_a_damaged_last_line_stops_the_writer_and_changes_nothing(tmp_path):
    path = tmp_path / "audit" / "anna.log"
    _three(path)
    with open(path, "ab") as fh:
        fh.write(b"this is not an audit line\n")
    before = path.read_bytes()
    with pytest.raises(AuditError, match="line 4: the hash chain is broken"):
        append(path, PROJECT_ID, [memo("anna", "x")])
    assert path.read_bytes() == before


def test_appended_lines_stay_and_an_unwritable_event_writes_nothing(tmp_path):
    path = tmp_path / "audit" / "anna.log"
    _three(path)
    before = path.read_bytes()
    with pytest.raises(RuntimeError), locked_log(path, PROJECT_ID) as log:
        log.append([memo("anna", "kept")])
        raise RuntimeError("a later step failed")
    assert path.read_bytes() != before  # what append() returned for is on disk
    with pytest.raises(AuditError), locked_log(path, PROJECT_ID) as log:
        log.append([{"actor": "anna", "action": "memo", "score": float("inf")}])
    assert len(lines_of(path)) == 4


WRITER = textwrap.dedent("""
    import sys
    sys.path.insert(0, {repo!r})
    from pathlib import Path
    from qcode.audit.log import append
    path, worker, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    for i in range(count):
        append(path, {pid!r}, [{{"actor": "anna", "action": "memo", "memo": f"{{worker}}-{{i}}"}}])
""")


def test_eight_processes_appending_500_lines_each_lose_nothing(tmp_path):
    path = tmp_path / "audit" / "anna.log"
    script = WRITER.format(repo=str(REPO), pid=PROJECT_ID)
    procs = [subprocess.Popen([sys.executable, "-c", script, str(path), f"w{w}", "500"])
             for w in range(8)]
    assert [p.wait(timeout=300) for p in procs] == [0] * 8
    events = read_log(path).events
    assert len(events) == 4000
    assert [e.seq for e in events] == list(range(1, 4001))
    assert verify(path.parent, PROJECT_ID).ok
    memos = [e.memo for e in events]
    assert len(set(memos)) == 4000
    for w in range(8):
        mine = [int(m.split("-")[1]) for m in memos if m.startswith(f"w{w}-")]
        assert mine == list(range(500))


LOOPER = textwrap.dedent("""
    import sys
    sys.path.insert(0, {repo!r})
    from pathlib import Path
    from qcode.audit.log import append
    path, round_ = Path(sys.argv[1]), sys.argv[2]
    i = 0
    while True:
        size = 200_000 if i % 3 == 2 else 10
        event = {{"actor": "anna", "action": "memo", "memo": f"{{round_}}/{{i}}/" + "x" * size}}
        append(path, {pid!r}, [event])
        print(i, flush=True)
        i += 1
""")


def test_sigkill_while_appending_loses_and_duplicates_nothing(tmp_path):
    path = tmp_path / "audit" / "anna.log"
    script = LOOPER.format(repo=str(REPO), pid=PROJECT_ID)
    rng = random.Random(20)
    acknowledged: dict[str, int] = {}
    for round_ in range(20):
        proc = subprocess.Popen([sys.executable, "-c", script, str(path), f"r{round_}"],
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "0"
        time.sleep(rng.uniform(0.0, 0.05))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        acks = [int(x) for x in proc.stdout.read().split()]
        acknowledged[f"r{round_}"] = max([0, *acks])
        append(path, PROJECT_ID, [memo("anna", f"recovered after r{round_}")])
        assert verify(path.parent, PROJECT_ID).ok
    written = [e.memo.split("/") for e in read_log(path).events if "/" in (e.memo or "")]
    for round_, last in acknowledged.items():
        numbers = [int(m[1]) for m in written if m[0] == round_]
        assert numbers == list(range(len(numbers))), "lost or duplicated in " + round_
        assert len(numbers) - 1 in (last, last + 1), round_  # at most the one in flight
    partial = path.parent / "anna.log.partial"
    for fragment in partial.read_bytes().splitlines() if partial.exists() else []:
        assert not fragment.endswith(b"}")  # only unfinished lines were moved aside
        json_start = fragment.startswith(b'{"seq":')
        assert json_start


def test_verify_refuses_a_log_name_that_does_not_exist(tmp_path):
    audit = tmp_path / "audit"
    append(audit / "anna.log", PROJECT_ID, [memo("anna", "a")])
    with pytest.raises(AuditError, match="No log audit/zed.log"):
        verify(audit, PROJECT_ID, ["zed"])


def test_a_log_where_another_actor_writes_is_not_verified(tmp_path):
    audit = tmp_path / "audit"
    append(audit / "anna.log", PROJECT_ID, [memo("anna", "a"), memo("ben", "b")])
    problem = verify(audit, PROJECT_ID).problems[0]
    assert (problem.line, problem.kind) == (2, "edited")
    assert json.loads(lines_of(audit / "anna.log")[1])["actor"] == "ben"
