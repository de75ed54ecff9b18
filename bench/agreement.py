"""Benchmark: agreement and co-occurrence, each figure next to a reference measured in this run.

Run: python bench/agreement.py [--quick]

1. Krippendorff's alpha (nominal), 20 coders x 200,000 units, 10 categories, 10% missing,
   against the `krippendorff` package: time and peak traced memory.
2. 10,000 bootstrap replicates of alpha on 5 coders x 10,000 units, against a plain loop over
   the same resamples calling the point estimate (timed on a few hundred replicates and
   scaled); also against that loop calling the `krippendorff` package. The vectorised time
   is given with worker threads (the default) and on one thread.
3. Co-occurrence over 100,000 coded units and 50 codes (from unit/code pairs to the count,
   Jaccard and c tables), against the floor: one product of the unit x code incidence
   matrix with its transpose.

4. The whole process of `qcode agree matrix FILE` on a CSV of 20 coders x 200,000 units
   (10% empty cells) against `pandas.read_csv` + `krippendorff.alpha` in one Python process:
   best wall time of three runs and peak resident memory of each (`--matrix-only` runs just this).

Ratios above 1 mean qcode is faster (or smaller). Timings are the best of a few runs.
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np


def best(fn: Callable[[], object], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def peak_memory(fn: Callable[[], object]) -> float:
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1e6


def bench_alpha(units: int) -> None:
    import krippendorff

    from qcode.agreement import from_values, krippendorff_alpha

    rng = np.random.default_rng(0)
    x = rng.integers(0, 10, size=(units, 20)).astype(float)
    x[rng.random(x.shape) < 0.1] = np.nan

    def ours():
        return krippendorff_alpha(from_values(x))

    def ref():
        return krippendorff.alpha(x.T, level_of_measurement="nominal")

    a, b = ours(), ref()
    assert abs(a - b) < 1e-9, (a, b)
    t_ours, t_ref = best(ours), best(ref)
    m_ours, m_ref = peak_memory(ours), peak_memory(ref)
    print(f"1. alpha, 20 coders x {units:,} units, nominal")
    print(f"   qcode {t_ours:.3f} s, {m_ours:.0f} MB | krippendorff {t_ref:.3f} s, {m_ref:.0f} MB")
    print(f"   speed ratio {t_ref / t_ours:.1f}x, memory ratio {m_ref / m_ours:.1f}x")


def bench_bootstrap(replicates: int, looped: int) -> None:
    import krippendorff

    from qcode import stats as bootstrap
    from qcode.agreement import from_values, krippendorff_alpha, statistic

    rng = np.random.default_rng(1)
    x = rng.integers(0, 5, size=(10_000, 5)).astype(float)
    x[:, 1:] = np.where(rng.random((10_000, 4)) < 0.7, x[:, :1], x[:, 1:])
    x[rng.random(x.shape) < 0.1] = np.nan
    data = from_values(x)
    stat = statistic("alpha", data)
    t_vec = best(lambda: bootstrap.replicates(stat, replicates, seed=0), runs=3)
    threshold = bootstrap._THREADED_WORK
    bootstrap._THREADED_WORK = 1 << 62  # the same computation on one thread
    t_one = best(lambda: bootstrap.replicates(stat, replicates, seed=0), runs=3)
    bootstrap._THREADED_WORK = threshold
    ratio = bootstrap._GROUP_RATIO
    bootstrap._GROUP_RATIO = 1 << 62  # never group: every unit drawn, as data with many
    t_units = best(lambda: bootstrap.replicates(stat, replicates, seed=0), runs=3)  # distinct rows
    bootstrap._GROUP_RATIO = ratio
    plan = bootstrap.resampling(stat.summaries)
    how = f"{plan.rows.shape[0]} groups of identical unit summaries" if plan.by_group else "by unit"

    blocks = bootstrap.resample_blocks(stat.summaries, looped, seed=0)
    indices = np.concatenate(list(blocks))
    vec = bootstrap.replicates(stat, looped, seed=0)
    t = time.perf_counter()
    loop = [krippendorff_alpha(data.take(stat.rows[i])) for i in indices]
    t_loop = (time.perf_counter() - t) / looped * replicates
    assert np.allclose(vec, loop, atol=1e-12, rtol=0)
    sub = x[stat.rows]
    few = indices[: max(20, looped // 10)]
    t = time.perf_counter()
    for i in few:
        krippendorff.alpha(sub[i].T, level_of_measurement="nominal")
    t_pkg = (time.perf_counter() - t) / len(few) * replicates
    print(f"2. bootstrap, {replicates:,} replicates of alpha, 5 coders x 10,000 units")
    print(
        f"   vectorised {t_vec:.2f} s ({t_one:.2f} s on one thread; drawn {how})\n"
        f"   loop over the point estimate {t_loop:.1f} s "
        f"(from {looped}) | loop over krippendorff.alpha {t_pkg:.1f} s (from {len(few)})"
    )
    print(
        f"   ratio vs qcode loop {t_loop / t_vec:.0f}x ({t_loop / t_one:.0f}x on one thread), "
        f"vs krippendorff loop {t_pkg / t_vec:.0f}x"
    )
    print(f"   drawn unit by unit instead (data whose units are nearly all distinct): {t_units:.2f} s, "
          f"{t_loop / t_units:.0f}x the qcode loop")


def bench_cooccurrence(units: int, codes: int) -> None:
    from qcode.cooccurrence import from_incidence, incidence_from_pairs

    rng = np.random.default_rng(2)
    per_unit = rng.integers(1, 4, size=units)
    unit = np.repeat(np.arange(units), per_unit)
    code = rng.integers(0, codes, size=unit.size)
    names = [f"c{i}" for i in range(codes)]
    x = incidence_from_pairs(unit, code, units, codes).astype(np.float64)
    x32 = x.astype(np.float32)

    def floor():
        return x.T @ x

    def floor32():
        return x32.T @ x32

    def ours():
        t = from_incidence(incidence_from_pairs(unit, code, units, codes), names)
        return t.counts, t.jaccard(), t.c_coefficient(), t.five_fold()

    t_floor, t_floor32, t_ours = best(floor, runs=5), best(floor32, runs=5), best(ours, runs=5)
    print(f"3. co-occurrence, {units:,} coded units x {codes} codes")
    print(
        f"   qcode {t_ours * 1e3:.1f} ms (builds X from pairs, multiplies in float32, exact "
        f"below 2**24 units) | floor X'X float64 {t_floor * 1e3:.1f} ms, float32 {t_floor32 * 1e3:.1f} ms"
    )
    print(f"   ratio {t_ours / t_floor:.2f}x the float64 floor, {t_ours / t_floor32:.2f}x the float32 floor")


def matrix_csv(path: Path, units: int, coders: int) -> None:
    """A units x coders CSV of categories 0-9 with 10% of the cells empty."""
    rng = np.random.default_rng(3)
    x = rng.integers(0, 10, size=(units, coders))
    cells = np.where(rng.random(x.shape) < 0.1, "", x.astype(str))
    lines = [",".join(f"coder{i + 1}" for i in range(coders))]
    lines += [",".join(row) for row in cells.tolist()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


REFERENCE = ("import sys, krippendorff, pandas; d = pandas.read_csv(sys.argv[1]); "
             "print(krippendorff.alpha(d.to_numpy(dtype=float).T, level_of_measurement='nominal'))")


def qcode_matrix_command(path: Path) -> list[str]:
    """``qcode agree matrix FILE``, or ``agree --matrix FILE`` where the sub-command is not
    there yet."""
    import subprocess

    qcode = str(Path(sys.executable).with_name("qcode"))
    probe = subprocess.run([qcode, "agree", "--help"], capture_output=True, text=True)
    return [qcode, "agree", "--matrix", str(path)] if "--matrix" in probe.stdout else \
        [qcode, "agree", "matrix", str(path)]


def bench_matrix_process(units: int, coders: int) -> None:
    """The whole process: `qcode agree matrix FILE` against pandas.read_csv + krippendorff."""
    from _measure import process

    from qcode.agreement import krippendorff_alpha, read_matrix_csv
    from qcode.agreement.data import _read_careful

    folder = Path(__file__).resolve().parent / "out"
    folder.mkdir(exist_ok=True)
    path = folder / f"matrix-{coders}x{units}.csv"
    matrix_csv(path, units, coders)
    t = time.perf_counter()
    fast = read_matrix_csv(path)
    t_fast = time.perf_counter() - t
    t = time.perf_counter()
    careful = _read_careful(path, path.read_text(encoding="utf-8"), "nominal", None)
    t_careful = time.perf_counter() - t
    assert krippendorff_alpha(fast) == krippendorff_alpha(careful)
    ours = process(qcode_matrix_command(path))
    ref = process([sys.executable, "-c", REFERENCE, str(path)])
    ours_cpu = process(qcode_matrix_command(path), cpu=True)[0]
    ref_cpu = process([sys.executable, "-c", REFERENCE, str(path)], cpu=True)[0]
    print(f"4. whole process, {coders} coders x {units:,} units CSV ({path.stat().st_size / 1e6:.1f} MB), "
          "10% missing, nominal alpha")
    print(f"   reader alone: vectorised {t_fast:.3f} s | csv module, cell by cell {t_careful:.3f} s "
          f"({t_careful / t_fast:.1f}x)")
    print(f"   qcode agree {ours[0]:.2f} s, {ours[1]:.0f} MB peak | pandas.read_csv + krippendorff "
          f"{ref[0]:.2f} s, {ref[1]:.0f} MB peak")
    print(f"   CPU time: qcode {ours_cpu:.2f} s | pandas + krippendorff {ref_cpu:.2f} s")
    print(f"   speed ratio {ref[0] / ours[0]:.2f}x (wall), {ref_cpu / ours_cpu:.2f}x (CPU), "
          f"memory ratio {ref[1] / ours[1]:.2f}x")


def main(argv: list[str]) -> None:
    quick = "--quick" in argv
    if "--matrix-only" in argv:
        bench_matrix_process(20_000 if quick else 200_000, 20)
        return
    bench_alpha(20_000 if quick else 200_000)
    bench_bootstrap(1_000 if quick else 10_000, 50 if quick else 300)
    bench_cooccurrence(10_000 if quick else 100_000, 50)
    bench_matrix_process(20_000 if quick else 200_000, 20)


if __name__ == "__main__":
    main(sys.argv[1:])
