"""Statistics helpers shared by agreement and co-occurrence: a coefficient as
per-unit summaries (:class:`Statistic`) and its bootstrap.

Vectorised bootstrap confidence intervals: percentile and BCa (Efron 1987).

Units are resampled with replacement. A replicate is the coefficient recomputed
from the per-unit summaries, a whole block of replicates at once:
``finish(W @ S)`` where ``W`` holds how often each unit was drawn. Two ways of
drawing ``W`` give the same distribution (n independent uniform draws of a unit):

* **by unit**: ``n`` unit indices per replicate, counted;
* **by group**: units whose summary rows are identical contribute identically,
  so only how many draws fall in each group matters. Those counts are
  multinomial(n, group size / n) and are drawn directly, and ``S`` shrinks to
  the distinct rows. Coded text has few distinct rows (a binary code on two
  coders has at most four), so this is the usual case; it is used when there
  are at most 1/16 as many groups as units.

Summaries may be a ``scipy.sparse`` CSR matrix (alpha over code sets), never made
dense as a whole: identical rows are found from two random projections (checked
exactly), a block of replicates is ``(S.T @ W.T).T`` over the non-zero cells, the
jackknife runs over blocks of rows. The groups, their order and the draws are those
of the dense summaries, so results for a seed do not depend on the representation.

Replicates are drawn in chunks of :data:`CHUNK` from independent streams
spawned from ``SeedSequence(seed)``; chunks run on worker threads (numpy's
random draws, counting and matrix products release the GIL), and the result
does not depend on how many threads ran. :func:`resample_blocks` yields, from
the same streams, the unit indices of each replicate, so a plain loop that
calls the point estimate on ``data.take(units[idx])`` gives the same replicates.

BCa follows Efron (1987) and Efron & Tibshirani (1993, 14.3 and eq. 14.15),
exactly as ``scipy.stats.bootstrap`` computes it: z0 from the share of
replicates below (and half of those equal to) the estimate, the acceleration
from the jackknife (leave one unit out, also from the summaries), and
linear-interpolated quantiles of the replicates.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np

METHODS = ("percentile", "bca")
DEFAULT_REPLICATES = 10_000
CHUNK = 256  # replicates per random stream (small enough for their counts to stay in cache)
_BLOCK_ELEMENTS = 1 << 17  # unit indices per block when drawing by unit: stays in cache
_GROUP_RATIO = 16  # draw by group when groups * 16 <= units (a multinomial draw per group
# costs about as much as 16 unit indices, counted)
_COLLAPSE_RATIO = 2  # sparse rows drawn by unit are counted per distinct row when
# there are at most half as many distinct rows as units
_SPARSE_PRODUCT_ELEMENTS = 1 << 18  # unit counts multiplied at once by sparse summaries
_THREADED_WORK = 1 << 22  # draws below which threads cost more than they save
_NORMAL = NormalDist()
_TIE = 1e-12  # replicates this close to the estimate (relative and absolute) are ties


@dataclass(frozen=True, slots=True, eq=False)
class Statistic:
    """A coefficient as per-unit summaries plus a vectorised finish.

    ``finish`` maps totals of shape (..., p) to values of shape (...), with
    ``nan`` where the coefficient is undefined.
    """

    name: str
    summaries: np.ndarray  # or a scipy.sparse CSR matrix of the same shape
    finish: Callable[[np.ndarray], np.ndarray]
    n_coders: int
    level: str = "nominal"
    rows: np.ndarray | None = None  # which rows of the data the summaries describe
    weights: np.ndarray | None = None  # units per summary row (None: one each; dense only)

    @property
    def n_units(self) -> int:
        if self.weights is not None:
            return int(self.weights.sum())
        return int(self.summaries.shape[0])

    def value(self) -> float | None:
        """The point estimate, or ``None`` when undefined."""
        return defined(self.finish(column_totals(self.summaries, self.weights)))


def collapsed(name: str, summaries: np.ndarray, finish: Callable[[np.ndarray], np.ndarray],
              n_coders: int, level: str = "nominal", weights: np.ndarray | None = None) -> Statistic:
    """The statistic of these (dense, finite) summary rows, each standing for ``weights``
    units (None: one each), kept as their distinct rows with how many units each stands
    for. Summaries gathered part by part (documents of a big project) are collapsed as
    they come: a part's rows plus the distinct rows so far make the new distinct rows,
    so memory follows the distinct rows, not the units. Drawn by group, its replicates
    are those of the rows it stands for whenever those are drawn by group (see
    :func:`resampling`)."""
    s = np.asarray(summaries, dtype=np.float64)
    w = np.ones(s.shape[0]) if weights is None else np.asarray(weights, dtype=np.float64)
    if s.shape[0] and np.isfinite(s).all():
        rows, group, _ = distinct_rows(s)
        w = np.bincount(group, weights=w, minlength=rows.shape[0]).astype(np.float64)
        s = rows
    return Statistic(name, s, finish, n_coders, level, None, w)


def merged(a: Statistic, b: Statistic) -> Statistic:
    """One collapsed statistic over the units of two of the same coefficient (each
    collapsed or not)."""
    return collapsed(a.name, np.concatenate([a.summaries, b.summaries]), a.finish, a.n_coders,
                     a.level, np.concatenate([_unit_weights(a), _unit_weights(b)]))


def _unit_weights(stat: Statistic) -> np.ndarray:
    return np.ones(stat.summaries.shape[0]) if stat.weights is None else stat.weights


def is_sparse(summaries: object) -> bool:
    """A scipy.sparse matrix (told apart without importing scipy)."""
    return hasattr(summaries, "tocsr")


def column_totals(summaries: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Column sums of dense or sparse summaries, as a 1-D array (``weights``: units per
    row of dense summaries)."""
    if is_sparse(summaries):
        return np.asarray(summaries.sum(axis=0), dtype=np.float64).reshape(-1)
    if weights is not None:
        return np.asarray(weights @ np.asarray(summaries, dtype=np.float64))
    return np.asarray(summaries.sum(axis=0))


def defined(value: np.ndarray | float) -> float | None:
    """A float, or ``None`` for an undefined (nan or infinite) value."""
    v = float(np.asarray(value))
    return v if np.isfinite(v) else None


@dataclass(frozen=True, slots=True)
class Interval:
    """A bootstrap confidence interval; ``low``/``high`` are ``None`` when it cannot be formed."""

    low: float | None
    high: float | None
    method: str
    confidence: float
    replicates: int
    undefined: int  # replicates where the coefficient was undefined (left out)

    def as_list(self) -> list[float] | None:
        if self.low is None or self.high is None:
            return None
        return [self.low, self.high]


@dataclass(frozen=True, slots=True, eq=False)
class Resampling:
    """How replicates of one set of summaries are drawn: by unit or by group of identical rows."""

    n_units: int
    rows: np.ndarray  # what W multiplies: the summaries (maybe sparse), or their distinct rows
    group: np.ndarray | None  # each unit's row in ``rows`` (None: drawn by unit)
    sizes: np.ndarray | None  # units per group
    members: np.ndarray | None = None  # drawn by unit, counted per distinct row of ``rows``

    @property
    def by_group(self) -> bool:
        return self.group is not None


def resampling(summaries: np.ndarray, weights: np.ndarray | None = None) -> Resampling:
    """Group identical summary rows when that makes drawing cheaper (``weights``: the rows
    of a collapsed statistic, always drawn by group)."""
    if weights is not None:
        k = summaries.shape[0]
        return Resampling(int(weights.sum()), np.asarray(summaries, dtype=np.float64),
                          np.arange(k), np.asarray(weights, dtype=np.float64))
    if is_sparse(summaries):
        sparse: Any = summaries
        csr = sparse.tocsr()
        csr.sum_duplicates()  # canonical: sorted column indices, so equal rows hash equally
        return _sparse_resampling(csr)
    s = np.asarray(summaries, dtype=np.float64)
    n = s.shape[0]
    if n and np.isfinite(s).all():
        rows, group, sizes = distinct_rows(s)
        if rows.shape[0] * _GROUP_RATIO <= n:
            return Resampling(n, rows, group, sizes)
    return Resampling(n, s, None, None)


def distinct_rows(s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``np.unique(s, axis=0, return_inverse=True, return_counts=True)`` for a finite 2-D
    float array, from one 1-D sort per column (the rows come out in the same lexicographic
    order; sorting whole rows as records took seconds on a million rows)."""
    n, p = s.shape
    key = np.zeros(n, dtype=np.int64)
    span = 1
    for j in range(p):
        values, inverse = np.unique(s[:, j], return_inverse=True)
        if span * values.size >= 1 << 62:  # renumber the keys so far before they overflow
            key = np.unique(key, return_inverse=True)[1].reshape(-1).astype(np.int64)
            span = int(key.max()) + 1 if n else 1
        key = key * values.size + inverse.reshape(-1)
        span *= values.size
    _, first, group, sizes = np.unique(key, return_index=True, return_inverse=True, return_counts=True)
    return s[first], group.reshape(-1), sizes


def _sparse_resampling(s: Any) -> Resampling:
    """Groups of identical rows of a CSR matrix, as :func:`resampling` finds them dense;
    with too many to draw by group, units drawn one by one are counted per distinct row."""
    n, p = s.shape
    if not n or not np.isfinite(s.data).all():
        return Resampling(n, s, None, None)
    probe = np.random.default_rng(0x51A7).random((p, 2))
    hashes = np.asarray(s @ probe, dtype=np.float64)
    _, group, sizes = distinct_rows(hashes)
    if sizes.size * _COLLAPSE_RATIO > n:
        return Resampling(n, s, None, None)
    first = np.full(sizes.size, n, dtype=np.int64)
    np.minimum.at(first, group, np.arange(n))
    if (s - s[first[group]]).count_nonzero():
        return Resampling(n, s, None, None)  # two rows hashed alike
    if sizes.size * _GROUP_RATIO > n:
        return Resampling(n, s[first], None, None, members=group)
    dense = np.asarray(s[first].toarray(), dtype=np.float64)
    rows, rank, _ = distinct_rows(dense)  # the dense order of the groups
    return Resampling(n, rows, rank[group], np.bincount(rank[group], minlength=rows.shape[0]))


def block_size(n_units: int) -> int:
    """Replicates per block when drawing by unit: fixed by the unit count, so streams reproduce."""
    return max(1, min(CHUNK, _BLOCK_ELEMENTS // max(n_units, 1)))


def _chunks(n_replicates: int, seed: int | Sequence[int] | None) -> list[tuple[int, np.random.SeedSequence]]:
    counts = [min(CHUNK, n_replicates - start) for start in range(0, n_replicates, CHUNK)]
    return list(zip(counts, np.random.SeedSequence(seed).spawn(len(counts)), strict=True))


def _index_blocks(n: int, k: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """(rows, n) int64 unit indices, ``k`` rows in all, block by block."""
    size = block_size(n)
    done = 0
    while done < k:
        rows = min(size, k - done)
        yield rng.integers(0, n, size=(rows, n), dtype=np.int64)
        done += rows


def _counts(plan: Resampling, k: int, rng: np.random.Generator) -> np.ndarray:
    """(k, groups) multinomial counts: how many of the n draws fall in each group."""
    assert plan.sizes is not None  # drawn by group
    return rng.multinomial(plan.n_units, plan.sizes / plan.n_units, size=k)


def _weights(idx: np.ndarray, n: int, out: np.ndarray | None = None) -> np.ndarray:
    """(rows, n) float64 counts of each unit in each row of indices (``idx`` is reused;
    ``out``, if given, is filled: a buffer reused across blocks is not allocated and
    faulted in again for every block, which cost more than the counting)."""
    rows = idx.shape[0]
    idx += np.arange(0, rows * n, n, dtype=np.int64)[:, None]
    counts = np.bincount(idx.reshape(-1), minlength=rows * n).reshape(rows, n)
    if out is None:
        return counts.astype(np.float64)
    np.copyto(out[:rows], counts)
    return out[:rows]


def _chunk_replicates(stat: Statistic, plan: Resampling, k: int, ss: np.random.SeedSequence,
                      transposed: Any = None) -> np.ndarray:
    rng = np.random.default_rng(ss)
    with np.errstate(divide="ignore", invalid="ignore"):
        if plan.by_group:
            return stat.finish(_counts(plan, k, rng).astype(np.float64) @ plan.rows)
        n = plan.n_units
        if transposed is not None:
            return _sparse_chunk(stat, transposed, n, k, rng, plan.members)
        buffer = np.empty((block_size(n), n))
        return np.concatenate([stat.finish(_weights(idx, n, buffer) @ plan.rows)
                               for idx in _index_blocks(n, k, rng)])


def _sparse_chunk(stat: Statistic, transposed: Any, n: int, k: int, rng: np.random.Generator,
                  members: np.ndarray | None) -> np.ndarray:
    """Replicates from sparse summaries (``transposed``: their transpose, CSR): index blocks
    drawn as for dense ones, several counted together (per distinct row with ``members``)
    and multiplied at once (a product per small block spent its time in overhead)."""
    per = max(block_size(n), _SPARSE_PRODUCT_ELEMENTS // max(n, 1))
    out, pending, rows = [], [], 0
    for idx in _index_blocks(n, k, rng):
        pending.append(idx)
        rows += idx.shape[0]
        if rows >= per:
            out.append(_sparse_block(stat, transposed, pending, members))
            pending, rows = [], 0
    if pending:
        out.append(_sparse_block(stat, transposed, pending, members))
    return np.concatenate(out)


def _sparse_block(stat: Statistic, transposed: Any, blocks: list[np.ndarray],
                  members: np.ndarray | None) -> np.ndarray:
    idx = np.concatenate(blocks)
    if members is not None:
        idx = members[idx]
    weights = np.ascontiguousarray(_weights(idx, transposed.shape[1]).T)  # rows x replicates
    return stat.finish(np.asarray(transposed @ weights).T)


def _workers(work: int, chunks: int) -> int:
    if work < _THREADED_WORK or chunks < 2:
        return 1
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(cpus, chunks))


def replicates(
    stat: Statistic,
    n_replicates: int = DEFAULT_REPLICATES,
    seed: int | Sequence[int] | None = 0,
) -> np.ndarray:
    """Bootstrap replicates of ``stat`` (nan where undefined), one matrix product per block."""
    if stat.n_units == 0:
        return np.full(n_replicates, np.nan)
    plan = resampling(stat.summaries, stat.weights)
    chunks = _chunks(n_replicates, seed)
    if not chunks:
        return np.empty(0)
    per = plan.rows.shape[0] * 4 if plan.by_group else plan.n_units
    workers = _workers(n_replicates * per, len(chunks))
    sparse: Any = plan.rows
    transposed = sparse.T.tocsr() if is_sparse(sparse) else None
    if workers == 1:
        out = [_chunk_replicates(stat, plan, k, ss, transposed) for k, ss in chunks]
    else:
        with ThreadPoolExecutor(workers) as pool:
            out = list(pool.map(lambda c: _chunk_replicates(stat, plan, c[0], c[1], transposed), chunks))
    return np.concatenate(out)


def resample_blocks(
    summaries: np.ndarray | int, n_replicates: int, seed: int | Sequence[int] | None
) -> Iterator[np.ndarray]:
    """Yield (k, n_units) arrays of unit indices: the resamples :func:`replicates` uses
    for these ``summaries`` (a number of units: units that all differ).

    Drawing by group, each replicate's group counts are the same as in
    :func:`replicates`; which unit of a group is drawn (uniformly, from a later
    part of the same stream) does not change the coefficient, only makes the
    indices an ordinary resample of units.
    """
    if isinstance(summaries, int | np.integer):
        summaries = np.arange(int(summaries), dtype=np.float64)[:, None]
    plan = resampling(summaries)
    n = plan.n_units
    for k, ss in _chunks(n_replicates, seed):
        rng = np.random.default_rng(ss)
        if not plan.by_group:
            yield from _index_blocks(n, k, rng)
            continue
        counts = _counts(plan, k, rng)
        assert plan.group is not None and plan.sizes is not None  # drawn by group
        order = np.argsort(plan.group, kind="stable")
        sizes = plan.sizes
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        block = np.empty((k, n), dtype=np.int64)
        for r in range(k):
            g = np.repeat(np.arange(len(sizes)), counts[r])
            block[r] = order[starts[g] + rng.integers(0, sizes[g])]
        yield block


Jackknife = np.ndarray | tuple[np.ndarray, np.ndarray]  # values, or (values, units per value)


def jackknife(stat: Statistic) -> Jackknife:
    """Leave-one-unit-out values of ``stat``, all at once from the summaries (sparse
    summaries block by block, never dense as a whole); of a collapsed statistic, one
    value per distinct row with the units it stands for."""
    total = column_totals(stat.summaries, stat.weights)
    if stat.weights is not None:
        return stat.finish(total - stat.summaries), stat.weights
    if not is_sparse(stat.summaries):
        return stat.finish(total - stat.summaries)
    sparse: Any = stat.summaries
    n, p = sparse.shape
    step = max(1, _BLOCK_ELEMENTS // max(p, 1))
    blocks = [stat.finish(total - sparse[a:a + step].toarray()) for a in range(0, n, step)]
    return np.concatenate(blocks) if blocks else np.empty(0)


def percentile_interval(reps: np.ndarray, confidence: float = 0.95) -> Interval:
    finite = reps[np.isfinite(reps)]
    undefined = int(reps.size - finite.size)
    if finite.size < 2:
        return Interval(None, None, "percentile", confidence, int(reps.size), undefined)
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(finite, [tail, 1.0 - tail])
    return Interval(float(low), float(high), "percentile", confidence, int(reps.size), undefined)


def _weighted(values: Jackknife) -> tuple[np.ndarray, np.ndarray | None]:
    if isinstance(values, tuple):
        return np.asarray(values[0]), np.asarray(values[1], dtype=np.float64)
    return np.asarray(values), None


def acceleration(jackknife_values: Sequence[Jackknife]) -> float:
    """a = sum d^3 / (6 (sum d^2)^1.5), d = mean - theta_(i), summed over samples (scipy's
    form); a sample given as (values, units per value) counts each value that many times."""
    num = den = 0.0
    for item in jackknife_values:
        theta, w = _weighted(item)
        if w is None:
            n = float(theta.size)
            u = (n - 1.0) * (theta.mean() - theta)
            num += float((u**3).sum()) / n**3
            den += float((u**2).sum()) / n**2
            continue
        n = float(w.sum())
        u = (n - 1.0) * (float(w @ theta) / n - theta)
        num += float(w @ u**3) / n**3
        den += float(w @ u**2) / n**2
    if den == 0.0:
        return 0.0  # no jackknife variation: no skewness correction
    return num / (6.0 * den**1.5)


def bca_interval(
    estimate: float | None,
    reps: np.ndarray,
    jackknife_values: Sequence[Jackknife],
    confidence: float = 0.95,
) -> Interval:
    """BCa interval from replicates and the jackknife values of each resampled sample."""
    finite = reps[np.isfinite(reps)]
    undefined = int(reps.size - finite.size)
    bad = Interval(None, None, "bca", confidence, int(reps.size), undefined)
    if (estimate is None or finite.size < 2
            or any(not np.all(np.isfinite(_weighted(j)[0])) for j in jackknife_values)):
        return bad
    # A replicate equal to the estimate up to rounding is a tie: replicates are made by
    # matrix products and the estimate by a sum, so the same number may differ in its last
    # bits, and coded data has many replicates equal to the estimate.
    tie = np.isclose(finite, estimate, rtol=_TIE, atol=_TIE)
    below = np.count_nonzero((finite < estimate) & ~tie)
    share = (2 * below + np.count_nonzero(tie)) / (2.0 * finite.size)
    if not 0.0 < share < 1.0:
        return bad
    z0 = _NORMAL.inv_cdf(share)
    a = acceleration(jackknife_values)
    tail = (1.0 - confidence) / 2.0
    levels = []
    for z in (_NORMAL.inv_cdf(tail), -_NORMAL.inv_cdf(tail)):
        num = z0 + z
        levels.append(_NORMAL.cdf(z0 + num / (1.0 - a * num)))
    low, high = np.quantile(finite, levels)
    return Interval(float(low), float(high), "bca", confidence, int(reps.size), undefined)


def interval(
    stat: Statistic,
    method: str = "bca",
    n_replicates: int = DEFAULT_REPLICATES,
    seed: int | None = 0,
    confidence: float = 0.95,
) -> Interval:
    """Bootstrap confidence interval for a coefficient (resampling its units)."""
    reps = replicates(stat, n_replicates, seed)
    if method == "percentile":
        return percentile_interval(reps, confidence)
    if method == "bca":
        return bca_interval(stat.value(), reps, [jackknife(stat)], confidence)
    raise ValueError(f"unknown bootstrap method {method!r}")
