"""Alpha over sets of codes per unit, with the Jaccard or MASI distance.

When a coder may give a unit several codes, the value of a cell is the set of
codes she applied. Krippendorff's alpha then uses a distance between sets:

- Jaccard: d(A, B) = 1 - |A & B| / |A | B|   (two empty sets: 0)
- MASI (Passonneau 2006): d(A, B) = 1 - J(A, B) * M(A, B), where M is 1 when
  A = B, 2/3 when one contains the other, 1/3 when they only overlap, 0 when
  disjoint.

The distance itself is alpha's difference function delta_ck (as in Passonneau
2006), so with one code per cell Jaccard and MASI alpha equal nominal alpha.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InputError
from ..stats import column_totals, is_sparse
from .alpha import Statistic, fixed_delta_finish, fixed_delta_parts, pairable
from .coded_units import CodedUnits
from .data import ReliabilityData, unit_counts

DISTANCES = ("jaccard", "masi")


def set_data(
    present: np.ndarray,
    missing: np.ndarray,
    *,
    codes: Sequence[str],
    coders: Sequence[str],
) -> ReliabilityData:
    """Reliability data whose values are code sets.

    ``present[u, i, c]`` says coder ``i`` applied code ``c`` to unit ``u``;
    ``missing[u, i]`` marks cells with no value (the coder did not code that
    document). The domain is the distinct sets seen, as frozensets of code ids.
    """
    present = np.asarray(present, dtype=bool)
    missing = np.asarray(missing, dtype=bool)
    n_units, n_coders, n_codes = present.shape
    if missing.shape != (n_units, n_coders) or len(codes) != n_codes or len(coders) != n_coders:
        raise InputError("Set data: shapes of present, missing, codes and coders do not agree.")
    keys = _set_keys(present.reshape(-1, n_codes)[~missing.ravel()])
    # the distinct sets, in the order of np.unique over the rows (first code most significant)
    found, inverse = np.unique(keys, return_inverse=True)
    patterns = _set_rows(found, n_codes)
    cells = np.full(n_units * n_coders, -1, dtype=np.int64)
    cells[~missing.ravel()] = inverse.ravel()
    domain = tuple(frozenset(codes[j] for j in np.flatnonzero(p)) for p in patterns)
    # ``numeric`` holds the sets' 0/1 indicator rows, from which distances are computed.
    return ReliabilityData(
        cells.reshape(n_units, n_coders), domain, tuple(coders), "nominal", patterns.astype(np.float64)
    )


def coded_set_data(cu: CodedUnits) -> ReliabilityData:
    """:func:`set_data` of coded units, from their coded cells: each (unit, coder) cell's
    set as one integer, without a dense units x coders x codes array (same result)."""
    n_codes = len(cu.codes)
    if n_codes > 63:
        return set_data(cu.present, cu.missing, codes=cu.codes, coders=cu.coders)
    pair, code = np.divmod(cu.cells, max(n_codes, 1))
    kind = np.int16 if n_codes < 16 else np.int32 if n_codes < 32 else np.int64
    keys = np.zeros(cu.missing.size, dtype=kind)  # the narrowest integer for the sets
    np.bitwise_or.at(keys, pair, np.left_shift(1, n_codes - 1 - code).astype(kind))
    seen = ~cu.missing.ravel()
    found, inverse = np.unique(keys[seen], return_inverse=True)
    cells = np.full(cu.missing.size, -1, dtype=np.int64)
    cells[seen] = inverse.ravel()
    domain = tuple(frozenset(cu.codes[j] for j in np.flatnonzero(p)) for p in _set_rows(found, n_codes))
    return ReliabilityData(cells.reshape(cu.missing.shape), domain, cu.coders, "nominal",
                           _set_rows(found, n_codes).astype(np.float64))


def _set_keys(rows: np.ndarray) -> np.ndarray:
    """Each row of 0/1 cells as one integer (code 0 the highest bit), or the row's bytes
    when there are too many codes for 63 bits: sorting integers orders the sets as
    ``np.unique(rows, axis=0)`` does, without sorting rows as records."""
    n_codes = rows.shape[1]
    if n_codes > 63:
        return np.ascontiguousarray(rows).view(np.dtype((np.void, n_codes))).reshape(-1)
    keys = np.zeros(rows.shape[0], dtype=np.int64)
    for j in range(n_codes):  # a column at a time: no int64 copy of the whole rows
        keys <<= 1
        keys |= rows[:, j]
    return keys


def _set_rows(keys: np.ndarray, n_codes: int) -> np.ndarray:
    """The 0/1 rows back from :func:`_set_keys`."""
    if keys.dtype.kind == "V":
        return np.frombuffer(keys.tobytes(), dtype=bool).reshape(-1, n_codes)
    shifts = np.arange(n_codes - 1, -1, -1, dtype=np.int64)
    return ((keys[:, None] >> shifts) & 1).astype(bool)


def set_distance_matrix(patterns: np.ndarray, distance: str) -> np.ndarray:
    """Pairwise distances between the sets given as 0/1 indicator rows."""
    p = np.asarray(patterns, dtype=np.float64)
    inter = p @ p.T
    size = p.sum(axis=1)
    union = size[:, None] + size[None, :] - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        jac = np.where(union > 0, inter / union, 1.0)
    if distance == "jaccard":
        return 1.0 - jac
    if distance != "masi":
        raise InputError(f"Unknown set distance {distance!r}; use one of {', '.join(DISTANCES)}.")
    equal = (inter == size[:, None]) & (inter == size[None, :])
    subset = (inter == size[:, None]) | (inter == size[None, :])
    mono = np.where(equal, 1.0, np.where(subset, 2.0 / 3.0, np.where(inter > 0, 1.0 / 3.0, 0.0)))
    return 1.0 - jac * mono


def set_alpha_statistic(data: ReliabilityData, distance: str = "masi") -> Statistic:
    """Krippendorff's alpha over code sets (built by :func:`set_data`)."""
    if data.numeric is None:
        raise InputError("Set alpha needs data built by set_data().")
    delta = set_distance_matrix(data.numeric, distance)
    if data.n_categories > _DENSE_SETS:
        return _sparse_set_alpha(data, delta, distance)
    counts = unit_counts(data.codes, data.n_categories)
    rows = np.flatnonzero(pairable(counts))
    return _set_alpha(counts[rows].astype(np.float64), delta, distance, data.n_coders, rows)


_DENSE_SETS = 16  # above this many distinct sets, per-unit summaries are kept sparse
_ROWS_PER_BLOCK = 1 << 12


def _sparse_set_alpha(data: ReliabilityData, delta: np.ndarray, distance: str) -> Statistic:
    """The same statistic with sparse summaries ``[d_u, counts]``: a unit has at most one
    set per coder, so its row has a handful of non-zero cells among possibly hundreds of
    sets (a dense units x sets array was most of the time and memory of ``agree --ci``)."""
    from scipy import sparse

    n_units, k = data.codes.shape[0], data.n_categories
    seen = data.codes >= 0
    unit = np.broadcast_to(np.arange(n_units)[:, None], data.codes.shape)[seen]
    counts = sparse.csr_matrix((np.ones(unit.size), (unit, data.codes[seen])), shape=(n_units, k))
    counts.sum_duplicates()
    m = np.asarray(counts.sum(axis=1)).reshape(-1)
    rows = np.flatnonzero(m >= 2)
    return _set_alpha(counts[rows], delta, distance, data.n_coders, rows)


def _set_alpha(counts: Any, delta: np.ndarray, distance: str, n_coders: int,
               rows: np.ndarray) -> Statistic:
    """Set alpha from the pairable units' counts of each set (dense, or a CSR matrix when
    there are many sets): summaries ``[d_u, counts]``."""
    if not is_sparse(counts):
        summaries, finish = fixed_delta_parts(counts, delta)
        return Statistic(f"alpha-{distance}", summaries, finish, n_coders, "nominal", rows)
    from scipy import sparse

    m = np.asarray(counts.sum(axis=1)).reshape(-1)
    d_u = np.concatenate([np.asarray((counts[a:a + _ROWS_PER_BLOCK] @ delta)
                                     * counts[a:a + _ROWS_PER_BLOCK].toarray()).sum(axis=1)
                          for a in range(0, m.size, _ROWS_PER_BLOCK)] or [np.empty(0)])
    summaries = sparse.hstack([sparse.csr_matrix((d_u / (m - 1.0))[:, None]), counts], format="csr")
    return Statistic(f"alpha-{distance}", summaries, fixed_delta_finish(delta), n_coders,
                     "nominal", rows)


# ---------------------------------------------------------------- part by part


@dataclass(frozen=True, slots=True, eq=False)
class SetCells:
    """What one part of an analysis (a run of documents) keeps for alpha over code sets:
    each pairable unit's sets as ``(unit, set, coders)`` triples (units numbered across
    the parts), and every set given to a unit at all (the domain, as :func:`coded_set_data`
    finds it). Sets are integers as in :func:`coded_set_data` (63 codes at most)."""

    unit: np.ndarray
    key: np.ndarray
    count: np.ndarray
    seen: np.ndarray


def set_cells(cu: CodedUnits, first_unit: int) -> SetCells:
    """The :class:`SetCells` of these coded units, the first numbered ``first_unit``."""
    n_codes, n_coders = len(cu.codes), len(cu.coders)
    if n_codes > 63:
        raise ValueError("code sets of more than 63 codes are not kept part by part")
    pair, code = np.divmod(cu.cells, max(n_codes, 1))
    keys = np.zeros(cu.missing.size, dtype=np.int64)
    np.bitwise_or.at(keys, pair, np.left_shift(np.int64(1), n_codes - 1 - code))
    valued = np.flatnonzero(~cu.missing.ravel())
    unit, key = valued // max(n_coders, 1), keys[valued]
    seen = np.unique(key)
    m = np.bincount(unit, minlength=len(cu.units))
    keep = m[unit] >= 2
    unit, key = unit[keep], key[keep]
    order = np.lexsort((key, unit))
    unit, key = unit[order], key[order]
    new = np.ones(unit.size, dtype=bool)
    new[1:] = (unit[1:] != unit[:-1]) | (key[1:] != key[:-1])
    at = np.flatnonzero(new)
    count = np.diff(np.append(at, unit.size))
    return SetCells(unit[at] + first_unit, key[at], count, seen)


@dataclass(slots=True)
class SetTotals:
    """Alpha over code sets added up part by part when no interval is asked for: the sum
    of the units' ``d_u`` terms, how often each set was given in pairable units, and how
    many units were pairable; the statistic of the whole is made from these alone."""

    distance: str
    d: float = 0.0
    counts: dict[int, float] | None = None
    units: int = 0

    def add(self, cu: CodedUnits) -> None:
        data = coded_set_data(cu)
        stat = set_alpha_statistic(data, self.distance)
        totals = column_totals(stat.summaries)
        assert data.numeric is not None  # made by coded_set_data
        keys = _set_keys(data.numeric.astype(np.int64))
        counts = self.counts if self.counts is not None else {}
        for key, n in zip(keys.tolist(), totals[1:].tolist(), strict=True):
            counts[key] = counts.get(key, 0.0) + n
        self.counts, self.d, self.units = counts, self.d + float(totals[0]), self.units + stat.n_units

    def statistic(self, codes: Sequence[str], n_coders: int) -> Statistic:
        """The whole's statistic: one row, the mean of the units' summaries, standing for
        all of them (its value is the whole's; it is not for resampling)."""
        counts = self.counts or {}
        domain = np.array(sorted(counts), dtype=np.int64)
        delta = set_distance_matrix(_set_rows(domain, len(codes)).astype(np.float64), self.distance)
        totals = np.array([self.d, *(counts[k] for k in domain.tolist())], dtype=np.float64)
        n = max(self.units, 1)
        return Statistic(f"alpha-{self.distance}", (totals / n)[None, :], fixed_delta_finish(delta),
                         n_coders, "nominal", None, np.array([float(self.units)]))


_MAX_PATTERNS = 1 << 14  # distinct patterns kept before the units' own cells are kept
_PATTERN_CELLS = 1 << 22  # patterns x sets beyond which the collapsed rows are not made dense
_GROUP_RATIO = 16  # as qcode.stats draws by group: at most 1/16 as many rows as units


@dataclass(slots=True)
class SetPatterns:
    """Alpha over code sets with an interval, part by part. A pairable unit's row of
    summaries follows from its *pattern* (which sets it was given, and by how many
    coders), so the units are kept as their distinct patterns, and each unit as the
    number of its pattern (4 bytes). A coded project has few patterns whatever its size
    (most of a unit's coders give it the empty set): then the statistic is kept
    collapsed, its distinct rows with how many units each stands for, and drawn by group
    as the whole would be. With many patterns the whole is drawn unit by unit, so the
    units' cells are made again in their order (:func:`set_alpha_of_parts`); past
    :data:`_MAX_PATTERNS` they are kept as cells from then on (:class:`SetCells`)."""

    patterns: dict[tuple[tuple[int, ...], tuple[int, ...]], int]
    seen: set[int]
    order: list[np.ndarray]  # each part's pairable units, as the numbers of their patterns
    cells: list[SetCells] | None = None  # past the patterns' bound
    units: int = 0  # pairable units so far (numbered across the parts)

    @classmethod
    def empty(cls) -> SetPatterns:
        return cls({}, set(), [])

    def add(self, cu: CodedUnits) -> None:
        """A part's units."""
        part = set_cells(cu, 0)
        self.seen.update(part.seen.tolist())
        unit = part.unit
        if not unit.size:  # no unit of this run has two coders
            return
        first = np.flatnonzero(np.r_[True, unit[1:] != unit[:-1]])
        if self.cells is not None:
            self.cells.append(_renumbered(part, first, self.units))
            self.units += first.size
            return
        last = np.r_[first[1:], unit.size].astype(np.int64)
        keys, counts = part.key.tolist(), part.count.tolist()
        found = self.patterns
        ids = [found.setdefault((tuple(keys[a:b]), tuple(counts[a:b])), len(found))
               for a, b in zip(first.tolist(), last.tolist(), strict=True)]
        self.order.append(np.array(ids, dtype=np.int32))
        self.units += len(ids)
        if len(found) > _MAX_PATTERNS:  # too varied to pay: the units' own cells from here
            self.cells, self.patterns, self.order = [self._expanded()], {}, []

    def _expanded(self) -> SetCells:
        """The units so far as their cells, in their order."""
        table = list(self.patterns)
        size = np.array([len(k) for k, _ in table], dtype=np.int64)
        start = np.concatenate([[0], np.cumsum(size)[:-1]]).astype(np.int64)
        flat_keys = np.array([x for k, _ in table for x in k], dtype=np.int64)
        flat_counts = np.array([x for _, c in table for x in c], dtype=np.int64)
        ids = np.concatenate(self.order) if self.order else np.empty(0, np.int32)
        n = size[ids]
        unit = np.repeat(np.arange(ids.size, dtype=np.int64), n)
        # each cell's place in the flat table: its pattern's start plus its rank within it
        rank = np.arange(unit.size, dtype=np.int64) - np.repeat(np.cumsum(n) - n, n)
        at = start[ids][unit] + rank
        return SetCells(unit, flat_keys[at], flat_counts[at], np.array(sorted(self.seen), np.int64))

    def statistic(self, codes: Sequence[str], n_coders: int, distance: str = "masi") -> Statistic:
        """The statistic of the parts' units taken together: collapsed when the whole
        would be drawn by group, otherwise :func:`set_alpha_of_parts` of the units' cells."""
        from ..stats import collapsed

        domain = np.array(sorted(self.seen), dtype=np.int64)
        n = len(self.patterns)
        if self.cells is not None or n * _GROUP_RATIO > self.units \
                or n * (domain.size + 1) > _PATTERN_CELLS:
            cells = self.cells if self.cells is not None else [self._expanded()]
            return set_alpha_of_parts(cells, codes, n_coders, distance)
        counts = np.zeros((n, domain.size))
        for i, (key, count) in enumerate(self.patterns):
            counts[i, np.searchsorted(domain, np.array(key, dtype=np.int64))] = count
        weights = np.bincount(np.concatenate(self.order), minlength=n).astype(np.float64)
        delta = set_distance_matrix(_set_rows(domain, len(codes)).astype(np.float64), distance)
        summaries, finish = fixed_delta_parts(counts, delta)
        return collapsed(f"alpha-{distance}", summaries, finish, n_coders, "nominal", weights)


def _renumbered(part: SetCells, first: np.ndarray, start: int) -> SetCells:
    """A part's cells with its pairable units numbered from ``start`` on."""
    number = np.cumsum(np.isin(np.arange(part.unit.size), first)) - 1 + start
    return SetCells(number.astype(np.int64), part.key, part.count, part.seen)


def set_alpha_of_parts(parts: Sequence[SetCells], codes: Sequence[str], n_coders: int,
                       distance: str = "masi") -> Statistic:
    """Set alpha over the units of all the parts: the statistic
    ``set_alpha_statistic(coded_set_data(cu))`` gives for their coded units taken together
    (the same domain, rows and summaries), without a units x coders array of the whole."""
    domain = np.unique(np.concatenate([p.seen for p in parts])) if parts else np.empty(0, np.int64)
    patterns = _set_rows(domain, len(codes)).astype(np.float64)
    delta = set_distance_matrix(patterns, distance)
    unit = np.concatenate([p.unit for p in parts]) if parts else np.empty(0, np.int64)
    col = np.searchsorted(domain, np.concatenate([p.key for p in parts])) if parts else unit
    count = np.concatenate([p.count for p in parts]).astype(np.float64) if parts else np.empty(0)
    rows, at = np.unique(unit, return_inverse=True)
    if domain.size > _DENSE_SETS:
        from scipy import sparse

        counts: Any = sparse.csr_matrix((count, (at.reshape(-1), col)), shape=(rows.size, domain.size))
        counts.sum_duplicates()
    else:
        counts = np.zeros((rows.size, domain.size))
        counts[at.reshape(-1), col] = count
    return _set_alpha(counts, delta, distance, n_coders, rows)


def set_alpha(data: ReliabilityData, distance: str = "masi") -> float | None:
    return set_alpha_statistic(data, distance).value()
