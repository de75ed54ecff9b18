"""Small measuring helpers shared by the benchmarks."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

DEFAULT_FOLDER = Path(__file__).resolve().parent / "out"  # ignored by git


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (a forked worker)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def work_folder(chosen: Path | None, prefix: str) -> Path:
    """A fresh folder to build a benchmark's corpus and projects in: under ``chosen``,
    else under bench/out/, a folder like the ones users keep their projects in.
    The system's temporary folder is not the default: on a much-used machine it
    can create files tens of times slower than the rest of the same disk, which
    would measure that folder instead of qcode (see :func:`create_cost`)."""
    parent = chosen if chosen is not None else DEFAULT_FOLDER
    parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=prefix, dir=parent))


def create_cost(folder: Path | None, files: int = 400) -> float:
    """Seconds to create, write and close ``files`` small new files in a fresh folder
    under ``folder`` (None: the system's temporary folder), as ingest does."""
    where = Path(tempfile.mkdtemp(prefix="qcode-bench-create-", dir=folder))
    try:
        started = time.perf_counter()
        for i in range(files):
            fd, _ = tempfile.mkstemp(dir=where, prefix=f".{i}.", suffix=".tmp")
            os.write(fd, b"x" * 4096)
            os.close(fd)
        return time.perf_counter() - started
    finally:
        shutil.rmtree(where, ignore_errors=True)


def describe_folder(root: Path) -> str:
    """Where a benchmark works, and what creating files costs there and in the
    system's temporary folder (a reader can tell a slow folder from slow code)."""
    here, tmp = create_cost(root.parent), create_cost(None)
    return (f"working in {root.parent}; creating 400 files there takes {1000 * here:.0f} ms "
            f"({1000 * tmp:.0f} ms in {tempfile.gettempdir()}; --dir chooses the folder)")
