"""LiveReplay, the terminal view's replay, equals a full replay after every step of
generated sessions: appends of every action (voids included) by several coders,
partial last lines, logs that appear, and a log rewritten behind its back."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from audit_support import PROJECT_ID, clock
from hypothesis import given, settings
from hypothesis import strategies as st

from qcode.audit.log import append
from qcode.codings import replay_dir
from qcode.errors import AuditError
from qcode.livereplay import LiveReplay

CODERS = ("anna", "ben", "sigrid")


def _event(coder: str, action: str, n: int, code: str, ref: int) -> dict:
    span = f"{n * 10}:{n * 10 + 8}"
    base = {"actor": coder, "doc": f"d{n % 2}", "span": span, "code": code}
    if action == "void":
        return {"actor": coder, "action": "void", "ref": f"{coder}:{ref}"}
    if action == "remove":
        return {**base, "action": "remove", "ref": f"{coder}:{ref}"}
    if action == "memo":
        return {**base, "action": "memo", "memo": f"note {n}", "ref": f"{coder}:{ref}"}
    if action in ("accept", "reject"):
        return {**base, "action": action, "source": "suggest:rules.v1", "score": 0.5,
                "data": {"reason": "keyword"}}
    return {**base, "action": "apply"}


_STEP = st.one_of(
    st.tuples(st.just("append"), st.sampled_from(CODERS), st.lists(st.tuples(
        st.sampled_from(["apply", "apply", "remove", "void", "memo", "accept", "reject"]),
        st.integers(0, 4), st.sampled_from(["a", "b"]), st.integers(1, 12)),
        min_size=1, max_size=4)),
    st.tuples(st.just("partial"), st.sampled_from(CODERS), st.just(None)),
    st.tuples(st.just("rewrite"), st.sampled_from(CODERS), st.just(None)),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_STEP, min_size=1, max_size=14))
def test_live_replay_equals_a_full_replay_after_every_step(steps):
    with tempfile.TemporaryDirectory() as tmp:
        audit = Path(tmp) / "audit"
        audit.mkdir()
        live = LiveReplay(audit)
        ticks = iter(range(0, 10**6, 1000))
        rewritten: set[Path] = set()
        for kind, coder, batch in steps:
            path = audit / f"{coder}.log"
            if kind == "append":
                events = [_event(coder, *item) for item in batch]
                before = path.read_bytes() if path.exists() else None
                try:
                    append(path, PROJECT_ID, events, clock=clock(next(ticks)))
                except AuditError:  # a log whose chain an edit broke takes no more lines
                    kept = path.read_bytes()  # every whole line (an interrupted one is cut)
                    assert path in rewritten and before is not None
                    assert before.startswith(kept) and kept.endswith(b"\n")
                    assert b"\n" not in before[len(kept):]
            elif kind == "partial" and path.exists():
                with open(path, "ab") as fh:  # an interrupted write
                    fh.write(b'{"seq":')
            elif kind == "rewrite" and path.exists():
                data, stat = path.read_bytes(), path.stat()  # same size, a line changed
                path.write_bytes(data.replace(b'"code":"a"', b'"code":"b"', 1))
                rewritten.add(path)
                later = stat.st_mtime_ns + 10**9  # as any edit a tick later would
                os.utime(path, ns=(later, later))
            assert live.replay() == replay_dir(audit)


def test_appends_are_folded_on_without_reading_earlier_lines_again(tmp_path):
    """Shown with an edit that keeps the log's size and time (which only tampering
    does; `qcode audit verify` is what finds that): the live view does not see it,
    because it reads only the lines appended since, while a full replay does."""
    audit = tmp_path / "audit"
    path = audit / "anna.log"
    append(path, PROJECT_ID, [_event("anna", "apply", 1, "a", 1)], clock=clock())
    live = LiveReplay(audit)
    assert [(c.id, c.code) for c in live.replay()] == [("anna:1", "a")]
    data, stat = path.read_bytes(), path.stat()
    path.write_bytes(data.replace(b'"code":"a"', b'"code":"b"', 1))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    # qcode refuses to extend a broken log, so the next line is chained on a pristine twin
    # and its bytes added by hand, as a second writer that did not look would
    twin = tmp_path / "twin" / "anna.log"
    twin.parent.mkdir()
    twin.write_bytes(data)
    append(twin, PROJECT_ID, [_event("anna", "apply", 2, "c", 1)], clock=clock(5000))
    with open(path, "ab") as fh:
        fh.write(twin.read_bytes()[len(data):])
    assert sorted((c.id, c.code) for c in live.replay()) == [("anna:1", "a"), ("anna:2", "c")]
    assert sorted((c.id, c.code) for c in replay_dir(audit)) == [("anna:1", "b"),
                                                                ("anna:2", "c")]
    append(twin, PROJECT_ID, [_event("anna", "void", 3, "a", 2)], clock=clock(9000))
    with open(path, "ab") as fh:
        fh.write(twin.read_bytes()[len(path.read_bytes()):])
    assert live.replay() == replay_dir(audit)  # a void: everything is read again
