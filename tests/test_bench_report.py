"""bench/report.py --quick runs: it builds the sample study, times `qcode report` beside
`qcode agree --ci bca`, and prints the report's size (no figure is asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "report.py"


@pytest.mark.slow
def test_report_benchmark_quick_runs(tmp_path):
    done = subprocess.run([sys.executable, str(BENCH), "--quick", "--dir", str(tmp_path)],
                          capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    for row in ("qcode agree --ci bca", "qcode report ", "ratio to agree", "report.html",
                "gzipped", "report.md"):
        assert row in done.stdout, done.stdout
    assert not any(tmp_path.iterdir())  # the built project is removed afterwards
