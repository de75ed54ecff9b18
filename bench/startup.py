"""Start-up time: `qcode --help` against `python -c "import typer"`, same run.

Prints the median of 10 runs of each and their ratio (target: within 2x), and
checks that --help imports neither spaCy, numpy nor scipy.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

RUNS = 10


def median_seconds(cmd: list[str], runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv: list[str]) -> None:
    runs = 3 if "--quick" in argv else RUNS  # --quick: the test suite's run, so it cannot rot
    qcode = str(Path(sys.executable).with_name("qcode"))
    ours = median_seconds([qcode, "--help"], runs)
    ref = median_seconds([sys.executable, "-c", "import typer"], runs)
    probe = subprocess.run(
        [sys.executable, "-c",
         "import sys\nfrom qcode.cli import app\nfrom typer.main import get_command\n"
         "get_command(app)\nprint(','.join(m for m in ('spacy','numpy','scipy','textual') "
         "if m in sys.modules))"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    print(f"qcode --help        median {ours * 1000:7.1f} ms ({runs} runs)")
    print(f"python -c 'import typer' median {ref * 1000:7.1f} ms")
    print(f"ratio {ours / ref:.2f}x (target <= 2x); heavy modules imported by --help: {probe or 'none'}")


if __name__ == "__main__":
    main(sys.argv[1:])
