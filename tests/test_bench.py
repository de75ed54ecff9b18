"""Every benchmark in bench/ runs at its --quick size, so that a refactor that breaks
one fails here rather than when someone next measures (the figures are not checked:
tests never assert on time)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
BENCHMARKS = sorted(p.name for p in BENCH.glob("*.py") if not p.name.startswith("_"))
TAKES_DIR = {"ingest.py", "report.py", "scale.py", "suggest.py",
             "suggest_quality.py"}  # they build in bench/out/ unless given --dir
# rows a reader of the benchmark's output relies on: each figure beside its reference
ROWS = {"report.py": ("qcode agree --ci bca", "qcode report ", "ratio to agree", "report.html",
                      "gzipped", "report.md"),
        "codebook.py": ("PyYAML C loader", "the bare load"),
        "suggest_quality.py": ("tfidf-lr", "macro-F1 minus baseline's", "time ratio")}


def test_every_benchmark_is_covered():
    assert BENCHMARKS == ["agreement.py", "audit.py", "codebook.py", "ingest.py", "recode.py",
                          "report.py", "scale.py", "startup.py", "suggest.py",
                          "suggest_quality.py", "tui.py"]


@pytest.mark.slow
@pytest.mark.parametrize("name", BENCHMARKS)
def test_benchmark_runs_at_its_quick_size(name, tmp_path):
    args = [sys.executable, str(BENCH / name), "--quick"]
    if name in TAKES_DIR:
        args += ["--dir", str(tmp_path)]
    done = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path, timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip(), done.stderr[-3000:]
    for row in ROWS.get(name, ()):
        assert row in done.stdout, done.stdout

