"""bench/scale.py --quick: the benchmark of the scale issue builds its project with the
bulk loader and runs every command it times (no figure is asserted, only that each
command ran and was measured beside the full replay)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "scale.py"


@pytest.mark.slow
def test_scale_benchmark_quick_runs_every_command(tmp_path):
    done = subprocess.run([sys.executable, str(BENCH), "--quick", "--dir", str(tmp_path)],
                          capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    for row in ("full replay (reference)", "first build of the index", "codings --doc",
                "show DOC -c A -c B", "code DOC --plain (open)", "docs", "audit show | head",
                "audit stats", "agree", "agree --ci bca", "cooccur", "crosstab --by team",
                "apply (one decision)", "codings --doc, no index"):
        assert f"  {row} " in out, out
    assert "x replay" in out and "MB" in out
    assert not any(tmp_path.iterdir())  # the built project is removed afterwards
