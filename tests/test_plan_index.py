"""A write plans against the coder's own log through the index (issue: `apply` folded the
coder's whole log, 20,000 lines at a million, on every decision).

The plan takes the log's fold from the index only when the log's bytes up to the
indexed point hash to the index's digest (the log is locked by the writer, so they
cannot change while it plans); a replaced log, an index that is busy, damaged or off
gives the full fold. Whatever the index holds, what is written is what a full fold
would have written."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from tui_support import INTERVIEW, briefs, clock, make_study

from qcode import codings, index
from qcode.coding import apply, plan, remove


@pytest.fixture
def study(tmp_path):
    project = make_study(tmp_path / "study")
    for i, code in enumerate(("coordination", "autonomy", "collaboration")):
        apply(project, INTERVIEW, code, span=f"{i * 10}:{i * 10 + 5}", coder="anna",
              clock=clock(100 * i))
    return project


@pytest.fixture
def folds(monkeypatch):
    """The logs folded in full (the real fold runs: this only counts); cleared by
    :func:`warm`."""
    seen: list[str] = []
    real = codings.fold_log

    def counted(path, **kw):
        seen.append(path.stem)
        return real(path, **kw)

    monkeypatch.setattr(plan, "fold_log", counted)
    monkeypatch.setattr(index, "fold_log", counted)
    return seen


def warm(project, folds: list[str]) -> None:
    index.replay(project)
    folds.clear()


def test_warm_index_is_not_folded_again(study, folds):
    warm(study, folds)
    out = apply(study, INTERVIEW, "coordination", span="0:5", coder="anna")
    assert out.written == 0 and "already has" in out.notes[0]
    out = apply(study, INTERVIEW, "coordination", span="40:45", coder="anna", clock=clock(900))
    assert out.written == 1
    assert folds == []  # both plans read the index
    # lines appended since the index last read the log are folded on, not ignored
    out = remove(study, INTERVIEW, "coordination", span="40:45", coder="anna", clock=clock(950))
    assert out.written == 1 and folds == []
    assert codings.replay(study).codings == index.replay(study).codings


def test_no_index_folds_the_log(study, folds, monkeypatch):
    (study.cache_dir / "index.sqlite").unlink(missing_ok=True)
    apply(study, INTERVIEW, "autonomy", span="60:65", coder="anna", clock=clock(700))
    assert folds == ["anna"]  # no index: the plan does not build one
    assert not (study.cache_dir / "index.sqlite").exists()
    warm(study, folds)
    monkeypatch.setenv("QCODE_INDEX", "0")
    apply(study, INTERVIEW, "autonomy", span="70:75", coder="anna", clock=clock(800))
    assert folds == ["anna"]


def test_replaced_log_is_folded_not_trusted(study, folds):
    log = study.log_path("anna")
    before = log.read_bytes()  # three codings
    apply(study, INTERVIEW, "autonomy", span="80:85", coder="anna",
          clock=clock(500))
    warm(study, folds)  # the index has read four codings
    log.write_bytes(before)  # a checkout brings back the log with three
    out = apply(study, INTERVIEW, "autonomy", span="80:85", coder="anna", clock=clock(600))
    assert out.written == 1  # the index's fourth coding is not believed
    assert folds == ["anna"]
    assert codings.replay(study).codings == index.replay(study).codings


def test_busy_index_neither_waits_nor_is_dropped(study, folds):
    warm(study, folds)
    cache = study.cache_dir / "index.sqlite"
    other = sqlite3.connect(cache, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another process holds the index
    try:
        started = time.monotonic()
        done = threading.Event()
        result: list = []

        def write():
            result.append(apply(study, INTERVIEW, "autonomy", span="90:95", coder="anna",
                                clock=clock(1000)))
            done.set()

        threading.Thread(target=write, daemon=True).start()
        assert done.wait(20), "the write waited on the index"
        assert time.monotonic() - started < 20
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert result[0].written == 1  # read from its last commit: WAL readers do not wait
    assert cache.exists()  # busy is not damaged: the index is kept
    assert briefs(study, "anna")[-1][:4] == ("apply", INTERVIEW, "90:95", "autonomy")


def test_damaged_index_gives_the_full_fold(study, folds):
    warm(study, folds)
    cache = study.cache_dir / "index.sqlite"
    db = sqlite3.connect(cache, isolation_level=None)
    db.execute("UPDATE codings SET flags = 'not json' WHERE log = 'anna'")
    db.close()
    out = apply(study, INTERVIEW, "coordination", span="0:5", coder="anna")
    assert out.written == 0 and folds == ["anna"]
