"""Reliability data: units x coders, with missing values, coded to category indices.

Every coefficient in this package starts from a :class:`ReliabilityData`: an
integer matrix ``codes`` (units x coders) whose cells index ``domain`` (the
sorted set of values, or the declared categories) and hold ``-1`` for a missing
value. Per-unit value counts (units x categories) are built with one
``np.bincount``; no Python loop runs over units or coders.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..fileio import read_text
from .plaincsv import read_plain

LEVELS = ("nominal", "ordinal", "interval", "ratio")
MISSING = -1


@dataclass(frozen=True, slots=True, eq=False)
class ReliabilityData:
    """Coded reliability data.

    ``codes[u, i]`` is the index into ``domain`` of the value coder ``i`` gave
    unit ``u``, or ``-1`` when that value is missing. ``domain`` is sorted
    (numerically for numeric data) and includes declared but unused categories.
    """

    codes: np.ndarray
    domain: tuple
    coders: tuple[str, ...]
    level: str = "nominal"
    numeric: np.ndarray | None = None  # float values of ``domain`` when numeric

    @property
    def n_units(self) -> int:
        return int(self.codes.shape[0])

    @property
    def n_coders(self) -> int:
        return int(self.codes.shape[1])

    @property
    def n_categories(self) -> int:
        return len(self.domain)

    def counts(self) -> np.ndarray:
        """Units x categories: how many coders gave each value to each unit."""
        return unit_counts(self.codes, self.n_categories)

    def take(self, units: np.ndarray) -> ReliabilityData:
        """The same data restricted to (or resampled as) the given unit rows."""
        return ReliabilityData(self.codes[units], self.domain, self.coders, self.level, self.numeric)


def unit_counts(codes: np.ndarray, n_categories: int) -> np.ndarray:
    """Units x categories counts from a codes matrix (missing = -1), by one bincount."""
    n_units, n_coders = codes.shape
    width = n_categories + 1  # a column for "missing" (-1), dropped at the end
    if n_units * width < 1 << 31:
        # one bincount of (unit, value + 1) pairs in 32-bit integers, missing included:
        # no mask, no index array of 64-bit integers the size of the matrix
        flat = codes.astype(np.int32)
        flat += (np.arange(n_units, dtype=np.int32) * width + 1)[:, None]
        counts = np.bincount(flat.ravel(), minlength=n_units * width)
        return counts.reshape(n_units, width)[:, 1:]
    present = codes >= 0
    rows = np.broadcast_to(np.arange(n_units, dtype=np.int64)[:, None], codes.shape)[present]
    flat = rows * n_categories + codes[present]
    counts = np.bincount(flat, minlength=n_units * n_categories)
    return counts.reshape(n_units, n_categories)


def from_values(
    values: np.ndarray | Sequence[Sequence[object]],
    *,
    coders: Sequence[str] | None = None,
    level: str = "nominal",
    categories: Sequence[object] | None = None,
) -> ReliabilityData:
    """Code a units x coders array (``nan`` or ``None`` = missing) into :class:`ReliabilityData`.

    Numeric arrays take a fast path: when every value is a small integer the
    domain is found with ``np.bincount`` instead of a sort.
    """
    if level not in LEVELS:
        raise InputError(f"Unknown level {level!r}; use one of {', '.join(LEVELS)}.")
    arr = np.asarray(values)
    if arr.ndim != 2:
        raise InputError("Reliability data must be a units x coders table.")
    names = tuple(coders) if coders is not None else tuple(f"coder{i + 1}" for i in range(arr.shape[1]))
    if len(names) != arr.shape[1]:
        raise InputError(f"{arr.shape[1]} columns but {len(names)} coder names.")
    if arr.dtype.kind in "fiub":
        codes, domain, numeric = _code_numeric(arr.astype(np.float64, copy=False), categories)
    else:
        codes, domain, numeric = _code_objects(arr, categories, level)
    return ReliabilityData(codes, domain, names, level, numeric)


def _code_numeric(arr: np.ndarray, categories: Sequence[object] | None
                  ) -> tuple[np.ndarray, tuple, np.ndarray | None]:
    present = ~np.isnan(arr)
    vals = arr[present]
    if categories is not None:
        declared = np.asarray([float(c) for c in categories], dtype=np.float64)  # type: ignore[arg-type]
        domain_vals = np.unique(declared)
        unknown = ~np.isin(vals, domain_vals)
        if unknown.any():
            raise InputError(
                f"Value {_fmt(vals[unknown][0])} is not among the declared categories "
                f"({', '.join(_fmt(v) for v in domain_vals)}); add it to --categories."
            )
    else:
        domain_vals = None
    codes = np.full(arr.shape, MISSING, dtype=np.int64)
    if vals.size and domain_vals is None and _small_integers(vals):
        lo = int(vals.min())
        seen = np.bincount((vals - lo).astype(np.int64))
        domain_vals = (np.flatnonzero(seen) + lo).astype(np.float64)
        lookup = np.cumsum(seen > 0) - 1
        codes[present] = lookup[(vals - lo).astype(np.int64)]
    else:
        if domain_vals is None:
            domain_vals = np.unique(vals)
        codes[present] = np.searchsorted(domain_vals, vals)
    domain = tuple(int(v) if float(v).is_integer() else float(v) for v in domain_vals)
    return codes, domain, np.asarray(domain_vals, dtype=np.float64)


def _small_integers(vals: np.ndarray) -> bool:
    lo, hi = vals.min(), vals.max()
    return bool(hi - lo < 1_000_000 and np.all(vals == np.floor(vals)))


def _code_objects(arr: np.ndarray, categories: Sequence[object] | None, level: str
                  ) -> tuple[np.ndarray, tuple, np.ndarray | None]:
    flat = arr.ravel()
    present = np.array([not _is_missing(v) for v in flat], dtype=bool)
    labels = tuple(sorted({str(v) for v in flat[present]}))
    first = {v: i for i, v in enumerate(labels)}
    codes = np.full(flat.shape, MISSING, dtype=np.int64)
    codes[present] = [first[str(v)] for v in flat[present]]
    codes, domain, numeric = _relabel(codes, labels, categories, level)
    return codes.reshape(arr.shape), domain, numeric


def _relabel(codes: np.ndarray, labels: tuple[str, ...], categories: Sequence[object] | None,
             level: str) -> tuple[np.ndarray, tuple, np.ndarray | None]:
    """Codes into the sorted distinct ``labels`` recoded into the domain: the declared
    categories, or the labels themselves (in numeric order where the level wants it)."""
    if categories is not None:
        domain = tuple(str(c) for c in categories)
        unknown = sorted(set(labels) - set(domain))
        if unknown:
            raise InputError(
                f"Value {unknown[0]!r} is not among the declared categories "
                f"({', '.join(domain)}); add it to --categories."
            )
    else:
        domain = labels
    numeric = None
    if level in ("interval", "ratio") or (level == "ordinal" and categories is None):
        numeric = _numeric_domain(domain, level)
        if numeric is not None and categories is None:
            order = np.argsort(numeric, kind="stable")
            domain = tuple(domain[i] for i in order)
            numeric = numeric[order]
    if domain != labels:
        index = {v: i for i, v in enumerate(domain)}
        remap = np.array([index[v] for v in labels] + [MISSING], dtype=np.int64)
        codes = remap[codes]  # a missing -1 takes the last entry, itself -1
    return codes, domain, numeric


def _numeric_domain(domain: tuple, level: str) -> np.ndarray | None:
    try:
        return np.asarray([float(v) for v in domain], dtype=np.float64)
    except ValueError:
        if level in ("interval", "ratio"):
            bad = next(v for v in domain if not _is_number(v))
            raise InputError(
                f"Value {bad!r} is not a number; {level} data must be numeric "
                "(use --level nominal for labels)."
            ) from None
        return None


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def read_matrix_csv(
    path: Path | str,
    *,
    level: str = "nominal",
    categories: Sequence[str] | None = None,
) -> ReliabilityData:
    """Read reliability data coded elsewhere: a header row of coder names, one row per unit.

    An empty cell is a missing value. Raises :class:`InputError` (one line naming
    the file, row and fix) for ragged rows, non-numeric interval/ratio values,
    fewer than two coders, or no unit with two values.
    """
    path = Path(path)

    text = read_text(path, encoding="utf-8-sig")
    data = _read_plain(path, text, level, categories)
    if data is None:
        data = _read_careful(path, text, level, categories)
    _check_pairable(path, data)
    return data


def _read_plain(path: Path, text: str, level: str,
                categories: Sequence[str] | None) -> ReliabilityData | None:
    """The vectorised reader's result, or None when the file needs the careful one."""
    plain = read_plain(text)
    if plain is None:
        return None
    if level in ("interval", "ratio") and not all(_is_number(v) for v in plain.labels):
        return None  # the careful reader names the row and column
    header = [h.strip() for h in plain.header]
    _check_header(path, header)
    codes, domain, numeric = _relabel(plain.codes, plain.labels, categories, level)
    return ReliabilityData(codes, domain, tuple(header), level, numeric)


def _read_careful(path: Path, text: str, level: str,
                  categories: Sequence[str] | None) -> ReliabilityData:
    reader = csv.reader(io.StringIO(text))
    numbered = [(reader.line_num, r) for r in reader if any(c.strip() for c in r)]
    if not numbered:
        raise InputError(f"{path} is empty; expected a header row of coder names, then one row per unit.")
    rows = [r for _, r in numbered]
    header = [h.strip() for h in rows[0]]
    _check_header(path, header)
    for lineno, row in numbered[1:]:
        if len(row) != len(header):
            raise InputError(
                f"{path}: row {lineno} has {len(row)} cells but the header names "
                f"{len(header)} coders; every row needs one cell per coder (empty = missing)."
            )
    cells = np.array([[c.strip() for c in row] for row in rows[1:]], dtype=object).reshape(-1, len(header))
    if level in ("interval", "ratio"):
        _check_numeric_cells(path, cells, level, [n for n, _ in numbered[1:]])
    return from_values(cells, coders=header, level=level, categories=categories)


def _check_header(path: Path, header: list[str]) -> None:
    if len(header) < 2:
        raise InputError(
            f"{path}: the header names {len(header)} coder; agreement needs at least two coder columns."
        )
    if any(not h for h in header):
        raise InputError(f"{path}: the header row has an empty coder name; name every column.")
    if len(set(header)) != len(header):
        dup = next(h for h in header if header.count(h) > 1)
        raise InputError(f"{path}: coder {dup!r} appears twice in the header; names must be unique.")


def _check_numeric_cells(path: Path, cells: np.ndarray, level: str, lines: list[int]) -> None:
    for (r, c), value in np.ndenumerate(cells):
        if value and not _is_number(value):
            raise InputError(
                f"{path}: row {lines[r]}, column {c + 1} holds {value!r}, not a number; "
                f"{level} data must be numeric (use --level nominal for labels)."
            )


def _check_pairable(path: Path, data: ReliabilityData) -> None:
    if data.n_units == 0 or not (data.codes >= 0).any():
        raise InputError(f"{path}: every cell is empty; there is nothing to compare.")
    if not ((data.codes >= 0).sum(axis=1) >= 2).any():
        raise InputError(
            f"{path}: no unit has values from two coders, so no agreement can be computed; "
            "check that the columns are coders and the rows are units."
        )
