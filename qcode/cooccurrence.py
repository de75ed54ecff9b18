"""Code x code co-occurrence tables and crosstabs by document attribute.

Co-occurrence is counted within one coder's coding; the pooled table adds the
coders' tables. Modes:

* ``unit`` / ``doc``: n_i = units (documents) coded with i, n_ij = units coded
  with both: one product of the unit x code incidence matrix with its transpose.
* ``overlap``: n_i = codings (quotations) of i, n_ij = pairs of a coding of i and
  a coding of j whose spans overlap (as ATLAS.ti counts co-occurrences).
* ``window``: as overlap, but two codings also co-occur when at most N
  characters separate them.

Measures: ``count``; ``c`` = n_ij / (n_i + n_j - n_ij), ATLAS.ti's c-coefficient,
flagged when n_i and n_j differ more than five-fold; ``jaccard`` = |A & B| / |A | B|
of what the two codes cover: units in unit/doc mode (where it equals c),
characters in overlap and window mode.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from .errors import InputError
from .stats import Jackknife, Statistic, bca_interval, column_totals, replicates

MODES = ("unit", "doc", "overlap", "window")
MEASURES = ("count", "jaccard", "c")


@dataclass(frozen=True, slots=True, eq=False)
class Cooccurrence:
    """A symmetric code x code table; the diagonal holds the frequencies n_i."""

    codes: tuple[str, ...]
    counts: np.ndarray
    mode: str
    coder: str | None = None  # None: pooled over coders
    cover: np.ndarray | None = None  # covered characters (overlap/window), for Jaccard

    @property
    def frequencies(self) -> np.ndarray:
        return np.diag(self.counts).copy()

    def c_coefficient(self) -> np.ndarray:
        return _ratio_table(self.counts)

    def jaccard(self) -> np.ndarray:
        return _ratio_table(self.counts if self.cover is None else self.cover)

    def five_fold(self) -> np.ndarray:
        """True where the two codes' frequencies differ more than five-fold (c is unreliable)."""
        n = self.frequencies.astype(np.float64)
        lo, hi = np.minimum.outer(n, n), np.maximum.outer(n, n)
        return hi > 5.0 * lo

    def table(self, measure: str = "count") -> np.ndarray:
        if measure == "count":
            return self.counts
        if measure == "jaccard":
            return self.jaccard()
        if measure == "c":
            return self.c_coefficient()
        raise InputError(f"Unknown measure {measure!r}; use one of {', '.join(MEASURES)}.")

    def records(self) -> list[dict[str, Any]]:
        """Long format: one record per pair of codes (i <= j), in codebook order."""
        c, jac, flag = self.c_coefficient(), self.jaccard(), self.five_fold()
        out = []
        for i, a in enumerate(self.codes):
            for j in range(i, len(self.codes)):
                out.append(
                    {
                        "coder": self.coder,
                        "code1": a,
                        "code2": self.codes[j],
                        "n1": int(self.counts[i, i]),
                        "n2": int(self.counts[j, j]),
                        "count": int(self.counts[i, j]),
                        "jaccard": _num(jac[i, j]),
                        "c": _num(c[i, j]),
                        "five_fold": bool(flag[i, j]),
                    }
                )
        return out


def _num(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def _ratio_table(counts: np.ndarray) -> np.ndarray:
    n = np.diag(counts).astype(np.float64)
    union = n[:, None] + n[None, :] - counts
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(union > 0, counts / union, np.nan)


def _exact_dtype(n_units: int) -> type[np.floating]:
    """float32 sums 0/1 exactly below 2**24 units (and halves the product's cost); else float64."""
    return np.float32 if n_units < 2**24 else np.float64


def incidence_counts(incidence: np.ndarray) -> np.ndarray:
    """n_ij = units with both codes, from a units x codes 0/1 matrix (one matrix product)."""
    x = np.asarray(incidence)
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(_exact_dtype(x.shape[0]))
    return np.rint(x.T @ x).astype(np.int64)


def incidence_from_pairs(unit: np.ndarray, code: np.ndarray, n_units: int, n_codes: int) -> np.ndarray:
    """Units x codes 0/1 matrix (float) from (unit, code) pairs; repeated pairs count once."""
    x = np.zeros((n_units, n_codes), dtype=_exact_dtype(n_units))
    x[np.asarray(unit, np.int64), np.asarray(code, np.int64)] = 1.0
    return x


def from_incidence(
    incidence: np.ndarray, codes: Sequence[str], mode: str = "unit", coder: str | None = None
) -> Cooccurrence:
    return Cooccurrence(tuple(codes), incidence_counts(incidence), mode, coder)


# ---------------------------------------------------------------- spans


def _close_pairs(start: np.ndarray, end: np.ndarray, gap: int) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (a, b), a != b, of spans in one document that overlap (gap -1) or lie
    at most ``gap`` characters apart. Spans must be sorted by start."""
    reach = end + gap if gap >= 0 else end - 1  # b qualifies when start_b <= reach_a
    hi = np.searchsorted(start, reach, side="right")
    count = np.maximum(hi - np.arange(start.size) - 1, 0)
    a = np.repeat(np.arange(start.size), count)
    offset = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    return a, a + 1 + offset


def span_cooccurrence(
    codings: Iterable[Any],
    codes: Sequence[str],
    *,
    gap: int = -1,
    lengths: Mapping[str, int] | None = None,
    coder: str | None = None,
) -> Cooccurrence:
    """Overlap (gap -1) or window (gap N) co-occurrence of one coder's codings."""
    index = {c: i for i, c in enumerate(codes)}
    rows = sorted((c.doc, c.start, c.end, index[c.code]) for c in codings if c.code in index)
    k = len(codes)
    counts = np.zeros((k, k), dtype=np.int64)
    by_doc: dict[str, list[tuple[int, int, int]]] = {}
    for doc, s, e, j in rows:
        by_doc.setdefault(doc, []).append((s, e, j))
    for spans in by_doc.values():
        arr = np.array(spans, dtype=np.int64)
        a, b = _close_pairs(arr[:, 0], arr[:, 1], gap)
        ca, cb = arr[a, 2], arr[b, 2]
        pair = np.bincount(ca * k + cb, minlength=k * k).reshape(k, k)
        counts += pair + pair.T
    counts[np.diag_indices(k)] = np.bincount([r[3] for r in rows], minlength=k)
    cover = _char_cover(by_doc, k, lengths) if lengths is not None else None
    return Cooccurrence(tuple(codes), counts, "overlap" if gap < 0 else "window", coder, cover)


def _char_cover(by_doc: Mapping[str, list[tuple[int, int, int]]], k: int,
                lengths: Mapping[str, int]) -> np.ndarray:
    """Characters covered by codes i and j (diagonal: by i), summed over documents."""
    total = np.zeros((k, k))
    for doc, spans in by_doc.items():
        length = lengths.get(doc, max(e for _, e, _ in spans))
        diff = np.zeros((length + 1, k), dtype=np.int64)
        arr = np.clip(np.array(spans, dtype=np.int64), 0, length)
        np.add.at(diff, (arr[:, 0], arr[:, 2]), 1)
        np.add.at(diff, (arr[:, 1], arr[:, 2]), -1)
        covered = (np.cumsum(diff[:-1], axis=0) > 0).astype(np.float64)
        total += covered.T @ covered
    return np.rint(total).astype(np.int64)


def pooled(tables: Sequence[Cooccurrence]) -> Cooccurrence:
    """The sum of per-coder tables."""
    if not tables:
        raise InputError("No codings to count co-occurrences in.")
    first = tables[0]
    counts = np.sum([t.counts for t in tables], axis=0)
    cover = None if first.cover is None else np.sum([t.cover for t in tables if t.cover is not None], axis=0)
    return Cooccurrence(first.codes, counts, first.mode, None, cover)


def examples(
    codings: Iterable[Any], code1: str, code2: str, *, gap: int = -1, texts: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """Passages where one coder's codings of code1 and code2 overlap (or lie within ``gap``)."""
    out = []
    rows = sorted((c.coder, c.doc, c.start, c.end, c.code) for c in codings if c.code in (code1, code2))
    groups: dict[tuple[str, str], list[tuple[int, int, str]]] = {}
    for coder, doc, s, e, code in rows:
        groups.setdefault((coder, doc), []).append((s, e, code))
    for (coder, doc), spans in groups.items():
        arr = np.array([(s, e) for s, e, _ in spans], dtype=np.int64)
        for a, b in zip(*_close_pairs(arr[:, 0], arr[:, 1], gap), strict=True):
            if {spans[a][2], spans[b][2]} != {code1, code2}:
                continue
            start, end = int(min(arr[a, 0], arr[b, 0])), int(max(arr[a, 1], arr[b, 1]))
            rec = {"coder": coder, "doc": doc, "start": start, "end": end}
            if texts is not None and doc in texts:
                rec["text"] = texts[doc][start:end]
            out.append(rec)
    return out


# ---------------------------------------------------------------- crosstabs


@dataclass(frozen=True, slots=True, eq=False)
class Crosstab:
    """Code frequencies by attribute value: ``coded[v, c]`` of ``n[v]`` units (or documents)."""

    attribute: str
    values: tuple[str, ...]
    codes: tuple[str, ...]
    n: np.ndarray
    coded: np.ndarray

    def proportions(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.n[:, None] > 0, self.coded / self.n[:, None], np.nan)

    def records(self) -> list[dict[str, Any]]:
        p = self.proportions()
        return [
            {
                "code": code,
                self.attribute: value,
                "n": int(self.n[v]),
                "coded": int(self.coded[v, c]),
                "proportion": _num(p[v, c]),
            }
            for c, code in enumerate(self.codes)
            for v, value in enumerate(self.values)
        ]


def _groups(groups: Sequence[str | None], values: Sequence[str] | None) -> tuple[tuple[str, ...], np.ndarray]:
    seen = tuple(values) if values is not None else tuple(sorted({g for g in groups if g is not None}))
    index = {v: i for i, v in enumerate(seen)}
    return seen, np.array([index.get(g, -1) if g is not None else -1 for g in groups], dtype=np.int64)


def crosstab(
    incidence: np.ndarray,
    groups: Sequence[str | None],
    codes: Sequence[str],
    *,
    attribute: str,
    values: Sequence[str] | None = None,
) -> Crosstab:
    """Units with no value for the attribute are left out."""
    x = np.asarray(incidence, dtype=bool)
    vals, g = _groups(groups, values)
    keep = g >= 0
    n = np.bincount(g[keep], minlength=len(vals))
    coded = np.zeros((len(vals), len(codes)), dtype=np.int64)
    np.add.at(coded, g[keep], x[keep].astype(np.int64))
    return Crosstab(attribute, vals, tuple(codes), n, coded)


def _share(t: np.ndarray, n: int) -> np.ndarray:
    return t / n


def proportion_differences(
    incidence: np.ndarray,
    groups: Sequence[str | None],
    codes: Sequence[str],
    *,
    attribute: str,
    values: Sequence[str] | None = None,
    n_replicates: int = 10_000,
    seed: int | None = 0,
    confidence: float = 0.95,
) -> list[dict[str, Any]]:
    """p_a - p_b for every code and pair of attribute values, with bootstrap BCa intervals.

    Units are resampled within each group (two independent samples); the
    acceleration uses the jackknife of both groups, as scipy.stats.bootstrap does.
    """
    x = np.asarray(incidence, dtype=np.float64)
    vals, g = _groups(groups, values)
    samples = [Statistic("proportions", x[g == v], partial(_share, n=0), 1) for v in range(len(vals))]
    return differences_of(samples, vals, codes, attribute=attribute, n_replicates=n_replicates,
                          seed=seed, confidence=confidence)


def differences_of(
    samples: Sequence[Statistic],
    vals: Sequence[str],
    codes: Sequence[str],
    *,
    attribute: str,
    n_replicates: int = 10_000,
    seed: int | None = 0,
    confidence: float = 0.95,
) -> list[dict[str, Any]]:
    """:func:`proportion_differences` from each group's units as summaries (units x codes
    0/1 rows, or their distinct rows with how many units each stands for: a crosstab made
    part by part, see :func:`qcode.stats.collapsed`)."""
    reps, jack, est = [], [], []
    k = len(codes)
    for v, sample in enumerate(samples):
        n = sample.n_units
        stat = Statistic("proportions", sample.summaries, partial(_share, n=n), 1,
                         weights=sample.weights)  # finish -> (..., codes)
        with np.errstate(divide="ignore", invalid="ignore"):
            reps.append(
                replicates(stat, n_replicates, None if seed is None else [seed, v])
                if n
                else np.full((n_replicates, k), np.nan)
            )
            total = column_totals(stat.summaries, stat.weights)
            jack.append(((total - stat.summaries) / (n - 1.0), stat.weights))
            est.append(total / n)
    out = []
    for c, code in enumerate(codes):
        for a in range(len(vals)):
            for b in range(a + 1, len(vals)):
                diff = est[a][c] - est[b][c]
                ci = bca_interval(
                    _num(diff),
                    reps[a][:, c] - reps[b][:, c],
                    [_jack(jack[a][0][:, c] - est[b][c], jack[a][1]),
                     _jack(est[a][c] - jack[b][0][:, c], jack[b][1])],
                    confidence,
                )
                out.append(
                    {
                        "code": code,
                        "attribute": attribute,
                        "value1": vals[a],
                        "value2": vals[b],
                        "p1": _num(est[a][c]),
                        "p2": _num(est[b][c]),
                        "difference": _num(diff),
                        "ci_low": ci.low if ci.high is not None else None,
                        "ci_high": ci.high if ci.low is not None else None,
                    }
                )
    return out


def _jack(values: np.ndarray, weights: np.ndarray | None) -> Jackknife:
    return values if weights is None else (values, weights)
