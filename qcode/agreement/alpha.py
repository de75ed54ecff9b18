"""Krippendorff's alpha (nominal, ordinal, interval, ratio; any coders; missing values).

alpha = 1 - (n - 1) * sum_ck o_ck d_ck / sum_ck n_c n_k d_ck   (Krippendorff 2004, 2011)

``o`` is the coincidence matrix over pairable values (units with at least two
values), ``n_c`` its margins, ``n`` the number of pairable values and ``d`` the
squared difference function of the level of measurement.

Every coefficient here is written as a :class:`Statistic`: per-unit summaries
(units x p, built in matrix form) and a ``finish`` that turns column totals into
the coefficient. The point estimate is ``finish(S.sum(0))``; bootstrap
replicates are ``finish(W @ S)`` for a matrix ``W`` of resampling counts, and
jackknife values are ``finish(S.sum(0) - S)``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..errors import InputError
from ..stats import Statistic
from .data import ReliabilityData

# A level's per-unit summaries, and the function that makes alpha of their sums.
Parts = tuple[np.ndarray, Callable[[np.ndarray], np.ndarray]]


def pairable(counts: np.ndarray) -> np.ndarray:
    """Boolean mask of units with at least two values."""
    return counts.sum(axis=1) >= 2


# ---------------------------------------------------------------- distances


def delta_matrix(level: str, numeric: np.ndarray | None, n_c: np.ndarray) -> np.ndarray:
    """Squared difference d_ck for the level (ordinal uses the margins ``n_c``, shape (..., K))."""
    k = n_c.shape[-1]
    if level == "nominal":
        return 1.0 - np.eye(k)
    if level == "ordinal":
        return _ordinal_delta(n_c)
    values = _require_numeric(level, numeric)
    diff = values[:, None] - values[None, :]
    if level == "interval":
        return diff**2
    total = values[:, None] + values[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(total != 0, diff / np.where(total != 0, total, 1.0), 0.0)
    return ratio**2


def _ordinal_delta(n_c: np.ndarray) -> np.ndarray:
    """d_ck = (sum_{g=c..k} n_g - (n_c + n_k) / 2)^2, vectorised over leading axes."""
    idx = np.arange(n_c.shape[-1])
    lo, hi = np.minimum.outer(idx, idx), np.maximum.outer(idx, idx)
    cum = np.cumsum(n_c, axis=-1)
    between = cum[..., hi] - cum[..., lo] + n_c[..., lo]
    return (between - (n_c[..., :, None] + n_c[..., None, :]) / 2.0) ** 2


def _require_numeric(level: str, numeric: np.ndarray | None) -> np.ndarray:
    if numeric is None:
        raise InputError(f"{level} alpha needs numeric values; use --level nominal for labels.")
    return numeric


# ---------------------------------------------------------------- alpha


def coincidences(counts: np.ndarray) -> np.ndarray:
    """Coincidence matrix o_ck = sum_u (n_uc n_uk - [c=k] n_uc) / (m_u - 1) over pairable units."""
    counts = counts[pairable(counts)].astype(np.float64)
    m = counts.sum(axis=1)
    scaled = counts / (m - 1.0)[:, None]
    return scaled.T @ counts - np.diag(scaled.sum(axis=0))


def alpha_statistic(data: ReliabilityData) -> Statistic:
    """Krippendorff's alpha at ``data.level`` as a :class:`Statistic` over pairable units."""
    counts = data.counts()
    rows = np.flatnonzero(pairable(counts))
    counts = counts[rows].astype(np.float64)
    builder = {
        "nominal": _nominal_parts,
        "interval": _interval_parts,
        "ordinal": _ordinal_parts,
        "ratio": _ratio_parts,
    }[data.level]
    summaries, finish = builder(counts, data)
    return Statistic("alpha", summaries, finish, data.n_coders, data.level, rows)


def krippendorff_alpha(data: ReliabilityData) -> float | None:
    """Krippendorff's alpha, or ``None`` when undefined (no pairable values or no variation)."""
    return alpha_statistic(data).value()


def _alpha_from(n: np.ndarray, d_o: np.ndarray, d_e: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 1.0 - (n - 1.0) * d_o / d_e
    return np.where((d_e > 0) & (n > 1), out, np.nan)


def _nominal_parts(counts: np.ndarray, data: ReliabilityData) -> Parts:
    m = counts.sum(axis=1)
    d_u = (m**2 - (counts**2).sum(axis=1)) / (m - 1.0)
    summaries = np.column_stack([d_u, counts])

    def finish(t: np.ndarray) -> np.ndarray:
        n_c = t[..., 1:]
        n = n_c.sum(axis=-1)
        return _alpha_from(n, t[..., 0], n**2 - (n_c**2).sum(axis=-1))

    return summaries, finish


def _interval_parts(counts: np.ndarray, data: ReliabilityData) -> Parts:
    values = _require_numeric("interval", data.numeric)
    m = counts.sum(axis=1)
    total = m.sum()
    shift = (counts @ values).sum() / total if total else 0.0
    v = values - shift  # centre for numerical stability; alpha is shift-invariant
    s1 = counts @ v
    s2 = counts @ (v**2)
    mean_u = s1 / np.where(m > 0, m, 1)
    within = s2 - 2 * mean_u * s1 + m * mean_u**2  # sum of squared deviations in unit u
    d_u = 2.0 * m * within / (m - 1.0)
    summaries = np.column_stack([d_u, m, s1, s2])

    def finish(t: np.ndarray) -> np.ndarray:
        n, t1, t2 = t[..., 1], t[..., 2], t[..., 3]
        return _alpha_from(n, t[..., 0], 2.0 * (n * t2 - t1**2))

    return summaries, finish


def _ordinal_parts(counts: np.ndarray, data: ReliabilityData) -> Parts:
    """Ordinal: d_ck depends on the margins, so summaries are each unit's upper-triangle
    coincidences plus its counts."""
    k = counts.shape[1]
    iu, ju = np.triu_indices(k, 1)
    m = counts.sum(axis=1)
    pair = counts[:, iu] * counts[:, ju] / (m - 1.0)[:, None]
    summaries = np.column_stack([pair, counts])

    def finish(t: np.ndarray) -> np.ndarray:
        n_c = t[..., len(iu) :]
        n = n_c.sum(axis=-1)
        delta = _ordinal_delta(n_c)
        d_o = 2.0 * (t[..., : len(iu)] * delta[..., iu, ju]).sum(axis=-1)
        d_e = np.einsum("...c,...ck,...k->...", n_c, delta, n_c)
        return _alpha_from(n, d_o, d_e)

    return summaries, finish


def _ratio_parts(counts: np.ndarray, data: ReliabilityData) -> Parts:
    return fixed_delta_parts(counts, delta_matrix("ratio", data.numeric, counts[0]))


def fixed_delta_parts(counts: np.ndarray, delta: np.ndarray) -> Parts:
    """Any fixed difference matrix (ratio, set distances): summaries [d_u, counts]."""
    m = counts.sum(axis=1)
    d_u = ((counts @ delta) * counts).sum(axis=1) / (m - 1.0)
    return np.column_stack([d_u, counts]), fixed_delta_finish(delta)


def fixed_delta_finish(delta: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """Alpha from totals ``[sum d_u, n_c...]`` for a fixed difference matrix."""

    def finish(t: np.ndarray) -> np.ndarray:
        n_c = t[..., 1:]
        n = n_c.sum(axis=-1)
        return _alpha_from(n, t[..., 0], ((n_c @ delta) * n_c).sum(axis=-1))  # a BLAS product

    return finish
