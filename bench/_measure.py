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


_PEAK = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
         "r = subprocess.run(sys.argv[1:], stdin=sys.stdin, stdout=subprocess.DEVNULL, "
         "stderr=subprocess.PIPE); "
         "w = time.perf_counter() - t; u = resource.getrusage(resource.RUSAGE_CHILDREN); "
         "print(w, u.ru_maxrss, r.returncode, u.ru_utime + u.ru_stime); "
         "sys.stderr.write(r.stderr.decode(errors='replace')[-2000:])")


def process(command: list[str], runs: int = 3, *, stdin: str | None = None,
            env: dict[str, str] | None = None, cpu: bool = False) -> tuple[float, float]:
    """``(best seconds, peak resident MB)`` of a whole process, each run started by its
    own small parent, so the peak is that command's alone. The seconds are wall time,
    or with ``cpu`` the CPU time (user + system) of the process and its children: on a
    machine shared with others, wall time measures the others as much as the command."""
    import subprocess
    import sys

    best_time, peak = float("inf"), 0.0
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", _PEAK, *command], capture_output=True,
                             text=True, check=True, input=stdin, env=env)
        wall, rss, code, used = out.stdout.split()
        if code != "0":
            raise RuntimeError(f"{' '.join(command)} failed ({code}): {out.stderr}")
        seconds = float(used) if cpu else float(wall)
        best_time, peak = min(best_time, seconds), max(peak, int(rss) / 1024)
    return best_time, peak
