"""Vectorised bootstrap confidence intervals: percentile and BCa (Efron 1987).

Units are resampled with replacement. The resampling indices come from one
seeded ``numpy.random.Generator``, drawn block by block by
:func:`resample_blocks`; a replicate is the coefficient recomputed from the
per-unit summaries, for a whole block at once: ``finish(W @ S)`` where ``W``
holds how often each unit was drawn. A plain loop that calls the point estimate
on ``data.take(units[idx])`` for the same indices gives the same replicates.

BCa follows Efron (1987) and Efron & Tibshirani (1993, 14.3 and eq. 14.15),
exactly as ``scipy.stats.bootstrap`` computes it: z0 from the share of
replicates below (and half of those equal to) the estimate, the acceleration
from the jackknife (leave one unit out, also from the summaries), and
linear-interpolated quantiles of the replicates.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from .alpha import Statistic

METHODS = ("percentile", "bca")
DEFAULT_REPLICATES = 10_000
_BLOCK_ELEMENTS = 1 << 17  # indices per block: small enough to stay in cache
_NORMAL = NormalDist()


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


def block_size(n_units: int) -> int:
    """Replicates per block: a fixed function of the number of units, so streams are reproducible."""
    return max(1, min(1024, _BLOCK_ELEMENTS // max(n_units, 1)))


def resample_blocks(n_units: int, replicates: int, seed: int | None) -> Iterator[np.ndarray]:
    """Yield (k, n_units) arrays of unit indices, ``replicates`` rows in all, from Generator(seed)."""
    rng = np.random.default_rng(seed)
    size = block_size(n_units)
    done = 0
    while done < replicates:
        k = min(size, replicates - done)
        yield rng.integers(0, n_units, size=(k, n_units), dtype=np.uint32)
        done += k


def resample_weights(indices: np.ndarray, n_units: int) -> np.ndarray:
    """(k, n_units) counts: how often each unit appears in each resample."""
    k = indices.shape[0]
    flat = (indices + np.arange(k, dtype=np.int64)[:, None] * n_units).ravel()
    return np.bincount(flat, minlength=k * n_units).reshape(k, n_units).astype(np.float64)


def replicates(stat: Statistic, n_replicates: int = DEFAULT_REPLICATES, seed: int | None = 0) -> np.ndarray:
    """Bootstrap replicates of ``stat`` (nan where undefined), one matrix product per block."""
    n = stat.n_units
    if n == 0:
        return np.full(n_replicates, np.nan)
    out = [
        stat.finish(resample_weights(idx, n) @ stat.summaries)
        for idx in resample_blocks(n, n_replicates, seed)
    ]
    return np.concatenate(out) if out else np.empty(0)


def jackknife(stat: Statistic) -> np.ndarray:
    """Leave-one-unit-out values of ``stat``, all at once from the summaries."""
    return stat.finish(stat.summaries.sum(axis=0) - stat.summaries)


def percentile_interval(reps: np.ndarray, confidence: float = 0.95) -> Interval:
    finite = reps[np.isfinite(reps)]
    undefined = int(reps.size - finite.size)
    if finite.size < 2:
        return Interval(None, None, "percentile", confidence, int(reps.size), undefined)
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(finite, [tail, 1.0 - tail])
    return Interval(float(low), float(high), "percentile", confidence, int(reps.size), undefined)


def acceleration(jackknife_values: Sequence[np.ndarray]) -> float:
    """a = sum d^3 / (6 (sum d^2)^1.5), d = mean - theta_(i), summed over samples (scipy's form)."""
    num = den = 0.0
    for theta in jackknife_values:
        n = float(theta.size)
        u = (n - 1.0) * (theta.mean() - theta)
        num += float((u**3).sum()) / n**3
        den += float((u**2).sum()) / n**2
    if den == 0.0:
        return 0.0  # no jackknife variation: no skewness correction
    return num / (6.0 * den**1.5)


def bca_interval(
    estimate: float | None,
    reps: np.ndarray,
    jackknife_values: Sequence[np.ndarray],
    confidence: float = 0.95,
) -> Interval:
    """BCa interval from replicates and the jackknife values of each resampled sample."""
    finite = reps[np.isfinite(reps)]
    undefined = int(reps.size - finite.size)
    bad = Interval(None, None, "bca", confidence, int(reps.size), undefined)
    if estimate is None or finite.size < 2 or any(not np.all(np.isfinite(j)) for j in jackknife_values):
        return bad
    share = (np.count_nonzero(finite < estimate) + np.count_nonzero(finite <= estimate)) / (2.0 * finite.size)
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
