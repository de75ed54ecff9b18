"""Percent agreement and the kappa family, with missing values (Gwet 2014, ch. 2-3).

All coefficients share the observed agreement of Fleiss (1971) generalised to
missing values: over the n2 units rated by at least two coders,

    p_a = (1/n2) sum_u sum_k r_uk (r_uk - 1) / (r_u (r_u - 1)),

and differ in the chance agreement p_e; kappa = (p_a - p_e) / (1 - p_e).
Units no coder rated are dropped. With complete data and two coders they reduce
to the textbook formulas of Cohen (1960), Scott (1955), Brennan & Prediger (1981)
and Gwet (2008). Each is a :class:`~qcode.agreement.alpha.Statistic`, so the
bootstrap resamples units and recomputes from per-unit summaries.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..errors import InputError
from .alpha import Statistic, alpha_statistic
from .data import ReliabilityData

COEFFICIENTS = ("percent", "cohen", "scott", "fleiss", "conger", "brennan-prediger", "gwet-ac1", "alpha")
TWO_CODER_ONLY = ("cohen", "scott")


def _rated(data: ReliabilityData) -> tuple[ReliabilityData, np.ndarray, np.ndarray]:
    """Units at least one coder rated: (data, counts, row numbers)."""
    counts = data.counts()
    rows = np.flatnonzero(counts.sum(axis=1) >= 1)
    return data.take(rows), counts[rows].astype(np.float64), rows


def _agreement_columns(counts: np.ndarray) -> np.ndarray:
    """Per unit: [a_u * e_u, e_u] with e_u = [r_u >= 2] and a_u the unit's pairwise agreement."""
    r = counts.sum(axis=1)
    two = r >= 2
    denom = np.where(two, r * (r - 1.0), 1.0)
    a = np.where(two, (counts * (counts - 1.0)).sum(axis=1) / denom, 0.0)
    return np.column_stack([a, two.astype(np.float64)])


def _kappa(p_a: np.ndarray, p_e: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (p_a - p_e) / (1.0 - p_e)
    return np.where(np.isfinite(out) & (p_e < 1.0), out, np.nan)


def _p_a(t: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(t[..., 1] > 0, t[..., 0] / t[..., 1], np.nan)


def percent_statistic(data: ReliabilityData) -> Statistic:
    _, counts, rows = _rated(data)
    return Statistic("percent", _agreement_columns(counts), _p_a, data.n_coders, rows=rows)


def _pi_statistic(name: str, data: ReliabilityData,
                  chance: Callable[[np.ndarray], np.ndarray]) -> Statistic:
    """Coefficients whose chance term uses pi_k = (1/n) sum_u r_uk / r_u (Fleiss, AC1)."""
    _, counts, rows = _rated(data)
    share = counts / counts.sum(axis=1, keepdims=True)
    summaries = np.column_stack([_agreement_columns(counts), np.ones(len(counts)), share])

    def finish(t: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            pi = t[..., 3:] / t[..., 2:3]
        return _kappa(_p_a(t), chance(pi))

    return Statistic(name, summaries, finish, data.n_coders, rows=rows)


def fleiss_statistic(data: ReliabilityData) -> Statistic:
    """Fleiss' kappa: p_e = sum_k pi_k^2 (Fleiss 1971; missing values as in Gwet 2014)."""
    return _pi_statistic("fleiss", data, lambda pi: (pi**2).sum(axis=-1))


def scott_statistic(data: ReliabilityData) -> Statistic:
    """Scott's pi: Fleiss' kappa for exactly two coders (Scott 1955)."""
    _require_two(data, "Scott's pi", "fleiss")
    stat = fleiss_statistic(data)
    return Statistic("scott", stat.summaries, stat.finish, data.n_coders, rows=stat.rows)


def gwet_statistic(data: ReliabilityData) -> Statistic:
    """Gwet's AC1: p_e = sum_k pi_k (1 - pi_k) / (q - 1), q = number of categories (Gwet 2008)."""
    q = data.n_categories

    def chance(pi: np.ndarray) -> np.ndarray:
        if q < 2:
            return np.full(pi.shape[:-1], np.nan)
        return (pi * (1.0 - pi)).sum(axis=-1) / (q - 1.0)

    return _pi_statistic("gwet-ac1", data, chance)


def brennan_prediger_statistic(data: ReliabilityData) -> Statistic:
    """Brennan-Prediger kappa: p_e = 1/q with q the declared number of categories."""
    _, counts, rows = _rated(data)
    q = data.n_categories
    p_e = 1.0 / q if q >= 2 else np.nan

    def finish(t: np.ndarray) -> np.ndarray:
        p_a = _p_a(t)
        return _kappa(p_a, np.full(p_a.shape, p_e))

    return Statistic("brennan-prediger", _agreement_columns(counts), finish, data.n_coders, rows=rows)


def conger_statistic(data: ReliabilityData) -> Statistic:
    """Conger's kappa: p_e averages Cohen's chance term over coder pairs (Conger 1980).

    p_gk = n_gk / n_g is coder g's share of category k among the units she rated;
    p_e = sum_k [(sum_g p_gk)^2 - sum_g p_gk^2] / (r (r - 1)).
    """
    rated, counts, rows = _rated(data)
    r, q = data.n_coders, data.n_categories
    codes = rated.codes
    onehot = np.zeros((codes.shape[0], r, q))
    u, g = np.nonzero(codes >= 0)
    onehot[u, g, codes[u, g]] = 1.0
    summaries = np.column_stack([_agreement_columns(counts), onehot.reshape(len(codes), r * q)])

    def finish(t: np.ndarray) -> np.ndarray:
        n_gk = t[..., 2:].reshape(*t.shape[:-1], r, q)
        n_g = n_gk.sum(axis=-1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            p = n_gk / n_g
        col = p.sum(axis=-2)
        p_e = ((col**2).sum(axis=-1) - (p**2).sum(axis=(-2, -1))) / (r * (r - 1.0))
        return _kappa(_p_a(t), p_e)

    return Statistic("conger", summaries, finish, data.n_coders, rows=rows)


def cohen_statistic(data: ReliabilityData) -> Statistic:
    """Cohen's kappa: two coders, p_e = sum_k p_1k p_2k from each coder's own margins (Cohen 1960)."""
    _require_two(data, "Cohen's kappa", "conger")
    stat = conger_statistic(data)
    return Statistic("cohen", stat.summaries, stat.finish, data.n_coders, rows=stat.rows)


def _require_two(data: ReliabilityData, label: str, general: str) -> None:
    if data.n_coders != 2:
        raise InputError(
            f"{label} is defined for two coders, not {data.n_coders}; "
            f"use '{general}' (its generalisation) or pick two coders."
        )


BUILDERS: dict[str, Callable[[ReliabilityData], Statistic]] = {
    "percent": percent_statistic,
    "cohen": cohen_statistic,
    "scott": scott_statistic,
    "fleiss": fleiss_statistic,
    "conger": conger_statistic,
    "brennan-prediger": brennan_prediger_statistic,
    "gwet-ac1": gwet_statistic,
    "alpha": alpha_statistic,
}


def statistic(name: str, data: ReliabilityData) -> Statistic:
    """The named coefficient (one of :data:`COEFFICIENTS`) as a Statistic."""
    try:
        builder = BUILDERS[name]
    except KeyError:
        raise InputError(f"Unknown coefficient {name!r}; use one of {', '.join(COEFFICIENTS)}.") from None
    return builder(data)


def coefficient(name: str, data: ReliabilityData) -> float | None:
    """The named coefficient's point estimate, or ``None`` when undefined."""
    return statistic(name, data).value()


def percent_agreement(data: ReliabilityData) -> float | None:
    return percent_statistic(data).value()


def cohen_kappa(data: ReliabilityData) -> float | None:
    return cohen_statistic(data).value()


def scott_pi(data: ReliabilityData) -> float | None:
    return scott_statistic(data).value()


def fleiss_kappa(data: ReliabilityData) -> float | None:
    return fleiss_statistic(data).value()


def conger_kappa(data: ReliabilityData) -> float | None:
    return conger_statistic(data).value()


def brennan_prediger(data: ReliabilityData) -> float | None:
    return brennan_prediger_statistic(data).value()


def gwet_ac1(data: ReliabilityData) -> float | None:
    return gwet_statistic(data).value()
