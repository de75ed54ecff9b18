"""Benchmark: `qcode report` on the sample study, next to `qcode agree --ci bca` alone.

Run: python bench/report.py [--quick] [--runs N] [--dir FOLDER]

Both are whole `qcode` processes on the same project in this run, with the same
bootstrap (10,000 replicates by default; --quick uses 500): the report computes
agreement with intervals for two coefficients per code (alpha and Cohen's kappa),
the crosstab's BCa differences, co-occurrence, disagreements and the rest, then
renders HTML. Printed: best wall time and CPU time of each, their ratio, and the
report's size (plain and gzipped, as a mail client would compress it) and the
Markdown version's size.
"""

from __future__ import annotations

import argparse
import gzip
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from _measure import describe_folder, work_folder

QCODE = str(Path(sys.executable).with_name("qcode"))


def timed(args: list[str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one `qcode` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([QCODE, *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def best(args: list[str], cwd: Path, runs: int) -> tuple[float, float]:
    results = [timed(args, cwd) for _ in range(runs)]
    return min(r[0] for r in results), min(r[1] for r in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500 replicates, one run each")
    parser.add_argument("--runs", type=int, default=2, help="runs of each command (best is kept)")
    parser.add_argument("--dir", type=Path, default=None, help="folder to build the project in")
    opts = parser.parse_args()
    replicates, runs = ("500", 1) if opts.quick else ("10000", opts.runs)
    root = work_folder(opts.dir, "qcode-bench-report-")
    try:
        print(describe_folder(root))
        from qcode.demo import init_sample

        study = root / "study"
        init_sample(study)
        os.environ.pop("QCODE_PROJECT", None)
        agree = best(["agree", "--ci", "bca", "--replicates", replicates], study, runs)
        report = best(["report", "--replicates", replicates, "--out", "report.html"], study, runs)
        markdown = best(["report", "--replicates", replicates, "--format", "markdown",
                         "--out", "report.md"], study, 1)
        html = (study / "report.html").read_bytes()
        print(f"sample study, {replicates} bootstrap replicates, best of {runs} run(s):")
        print(f"  qcode agree --ci bca  {agree[0]:6.2f} s wall  {agree[1]:6.2f} s CPU")
        print(f"  qcode report          {report[0]:6.2f} s wall  {report[1]:6.2f} s CPU"
              f"   ratio to agree: {report[0] / agree[0]:.2f} wall, {report[1] / agree[1]:.2f} CPU")
        print(f"  qcode report --format markdown  {markdown[0]:6.2f} s wall  {markdown[1]:6.2f} s CPU")
        print(f"  report.html {len(html):,} bytes ({len(gzip.compress(html)):,} gzipped); "
              f"report.md {(study / 'report.md').stat().st_size:,} bytes")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
