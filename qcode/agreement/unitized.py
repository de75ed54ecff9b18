"""Agreement on unitizing: where coders put boundaries, not only which units they coded.

Two families, both on raw half-open character spans over a continuum [B, B + L):

* ``u-alpha-2004``: Krippendorff's alpha for unitizing (1995; 2004, sec. 11.6),
  per code and overall. Each coder's continuum is cut, for code k, into units
  of k and gaps. Observed disagreement sums squared boundary distances between
  overlapping sections of different coders; expected disagreement is that over
  all possible placements of the same sections.
* the 2016 family of Krippendorff, Mathet, Bouvry & Widlöcher (also Krippendorff
  2019, sec. 12.6): ``u-alpha``, ``bar-u-alpha`` (|u-alpha), ``c-bar-u-alpha``
  (c|u-alpha) and ``k-u-alpha`` ((k)u-alpha, per code). These use a coincidence
  matrix of lengths between the values of overlapping sections, gaps being the
  value "empty".

The formulas are written out in docs/agreement.md. All sums over sections and
pairs of sections are vectorised over the elementary intervals between
consecutive section boundaries.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from ..fileio import read_text

FAMILY_2016 = ("u-alpha", "bar-u-alpha", "c-bar-u-alpha", "k-u-alpha")
UNITIZED = ("u-alpha-2004", *FAMILY_2016)


@dataclass(frozen=True, slots=True)
class Segment:
    """A half-open span [begin, end) that ``coder`` coded with ``code``."""

    coder: str
    begin: int
    end: int
    code: str


@dataclass(frozen=True, slots=True)
class UnitizedResult:
    coefficient: str
    code: str | None
    value: float | None
    observed: float | None = None  # observed disagreement (u-alpha-2004)
    expected: float | None = None  # expected disagreement (u-alpha-2004)


@dataclass(frozen=True, slots=True, eq=False)
class _Sections:
    """One coder's partition of the continuum: starts, ends and value index (-1 = gap)."""

    begin: np.ndarray
    end: np.ndarray
    value: np.ndarray


# ---------------------------------------------------------------- input


def continuum_of(segments: Sequence[Segment], continuum: tuple[int, int] | None) -> tuple[int, int]:
    if continuum is None:
        if not segments:
            raise InputError("No segments: unitized agreement needs coded spans.")
        return min(s.begin for s in segments), max(s.end for s in segments)
    lo, hi = continuum
    if hi <= lo:
        raise InputError(f"The continuum {lo}:{hi} is empty; give BEGIN:END with BEGIN < END.")
    outside = next((s for s in segments if s.begin < lo or s.end > hi), None)
    if outside is not None:
        raise InputError(
            f"Segment {outside.begin}-{outside.end} of {outside.coder!r} lies outside the "
            f"continuum {lo}:{hi}; widen --continuum."
        )
    return lo, hi


def _merge(begins: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Union of spans, keeping touching spans apart (they are separate units)."""
    order = np.lexsort((ends, begins))
    b, e = begins[order], ends[order]
    if b.size == 0:
        return b, e
    reach = np.maximum.accumulate(e)
    new = np.ones(b.size, dtype=bool)
    new[1:] = b[1:] >= reach[:-1]
    group = np.cumsum(new) - 1
    return b[new], np.maximum.reduceat(e, np.flatnonzero(new))[: group[-1] + 1]


def _partition(begins: np.ndarray, ends: np.ndarray, values: np.ndarray, lo: int,
               hi: int) -> _Sections:
    """Fill the gaps between sorted, non-overlapping units with value -1."""
    order = np.argsort(begins, kind="stable")
    b, e, v = begins[order], ends[order], values[order]
    gap_b = np.concatenate([[lo], e])
    gap_e = np.concatenate([b, [hi]])
    keep = gap_e > gap_b
    all_b = np.concatenate([b, gap_b[keep]])
    all_e = np.concatenate([e, gap_e[keep]])
    all_v = np.concatenate([v, np.full(int(keep.sum()), -1)])
    order = np.argsort(all_b, kind="stable")
    return _Sections(all_b[order], all_e[order], all_v[order])


def _elementary(parts: list[_Sections]) -> tuple[np.ndarray, np.ndarray]:
    """Boundaries of the elementary intervals and, per coder, the section covering each."""
    bounds = np.unique(np.concatenate([p.begin for p in parts] + [p.end for p in parts]))
    starts = bounds[:-1]
    index = np.stack([np.searchsorted(p.begin, starts, side="right") - 1 for p in parts])
    return bounds, index


# ---------------------------------------------------------------- 1995/2004


def _pair_distance(p: _Sections, q: _Sections, gi: np.ndarray, hj: np.ndarray) -> np.ndarray:
    """Squared distances between overlapping sections g of p and h of q (Krippendorff 2004)."""
    bg, eg, vg = p.begin[gi], p.end[gi], p.value[gi] >= 0
    bh, eh, vh = q.begin[hj], q.end[hj], q.value[hj] >= 0
    both = vg & vh
    g_in_gap = vg & ~vh & (bh <= bg) & (eg <= eh)
    h_in_gap = vh & ~vg & (bg <= bh) & (eh <= eg)
    return np.where(
        both,
        (bg - bh) ** 2 + (eg - eh) ** 2,
        np.where(g_in_gap, (eg - bg) ** 2, np.where(h_in_gap, (eh - bh) ** 2, 0)),
    ).astype(np.float64)


def _observed_2004(parts: list[_Sections], length: int) -> float:
    m = len(parts)
    _, index = _elementary(parts)
    total = 0.0
    for i in range(m):
        for j in range(i + 1, m):
            si, sj = index[i], index[j]
            change = np.ones(si.size, dtype=bool)
            change[1:] = (si[1:] != si[:-1]) | (sj[1:] != sj[:-1])
            total += float(_pair_distance(parts[i], parts[j], si[change], sj[change]).sum())
    return 2.0 * total / (m * (m - 1) * float(length) ** 2)


def _expected_2004(parts: list[_Sections], length: int) -> float:
    m = len(parts)
    units = np.concatenate([(p.end - p.begin)[p.value >= 0] for p in parts]).astype(np.float64)
    gaps = np.sort(np.concatenate([(p.end - p.begin)[p.value < 0] for p in parts]).astype(np.float64))
    n_k = units.size
    within = (n_k - 1) * (2 * units**3 - 3 * units**2 + units) / 3.0
    # sum over gaps h with l_h >= l_g of (l_h - l_g + 1), via sorted gaps and suffix sums
    first = np.searchsorted(gaps, units, side="left")
    suffix = np.concatenate([np.cumsum((gaps + 1.0)[::-1])[::-1], [0.0]])
    fits = suffix[first] - (gaps.size - first) * units
    numerator = float((within + units**2 * fits).sum())
    denominator = m * length * (m * length - 1.0) - float((units * (units - 1)).sum())
    return 2.0 / length * numerator / denominator


def u_alpha_2004(
    segments: Sequence[Segment],
    *,
    coders: Sequence[str] | None = None,
    codes: Sequence[str] | None = None,
    continuum: tuple[int, int] | None = None,
) -> list[UnitizedResult]:
    """Krippendorff's u-alpha (1995/2004) per code, then overall (code ``None``).

    Overall alpha is 1 - sum_k D_o(k) / sum_k D_e(k). Overlapping spans of one
    code by one coder are merged; touching spans stay separate units.
    """
    lo, hi = continuum_of(segments, continuum)
    coders = _coders(segments, coders)
    codes = _codes(segments, codes)
    results, d_o_all, d_e_all = [], 0.0, 0.0
    for code in codes:
        parts = [_code_partition(segments, coder, code, lo, hi) for coder in coders]
        d_o, d_e = _observed_2004(parts, hi - lo), _expected_2004(parts, hi - lo)
        d_o_all, d_e_all = d_o_all + d_o, d_e_all + d_e
        results.append(UnitizedResult("u-alpha-2004", code, _one_minus(d_o, d_e), d_o, d_e))
    results.append(UnitizedResult("u-alpha-2004", None, _one_minus(d_o_all, d_e_all), d_o_all, d_e_all))
    return results


def _code_partition(segments: Sequence[Segment], coder: str, code: str, lo: int, hi: int) -> _Sections:
    spans = [(s.begin, s.end) for s in segments if s.coder == coder and s.code == code]
    b = np.array([s[0] for s in spans], dtype=np.int64)
    e = np.array([s[1] for s in spans], dtype=np.int64)
    b, e = _merge(b, e)
    return _partition(b, e, np.zeros(b.size, dtype=np.int64), lo, hi)


def _one_minus(d_o: float, d_e: float) -> float | None:
    if not np.isfinite(d_e) or d_e <= 0:
        return None
    return float(1.0 - d_o / d_e)


# ---------------------------------------------------------------- 2016 family


def _value_partition(segments: Sequence[Segment], coder: str, codes: Sequence[str], lo: int,
                     hi: int) -> _Sections:
    """One coder's sections with values (code index; -1 = gap); her spans of one code are merged."""
    b_all, e_all, v_all = [], [], []
    for j, code in enumerate(codes):
        spans = [(s.begin, s.end) for s in segments if s.coder == coder and s.code == code]
        b, e = _merge(
            np.array([x[0] for x in spans], dtype=np.int64), np.array([x[1] for x in spans], dtype=np.int64)
        )
        b_all.append(b)
        e_all.append(e)
        v_all.append(np.full(b.size, j, dtype=np.int64))
    b, e, v = np.concatenate(b_all), np.concatenate(e_all), np.concatenate(v_all)
    order = np.lexsort((e, b))
    b, e, v = b[order], e[order], v[order]
    clash = np.flatnonzero(b[1:] < e[:-1])
    if clash.size:
        i = int(clash[0])
        raise InputError(
            f"Coder {coder!r} has overlapping spans {b[i]}-{e[i]} ({codes[v[i]]}) and "
            f"{b[i + 1]}-{e[i + 1]} ({codes[v[i + 1]]}); the 2016 coefficients need each coder's "
            "spans of different codes not to overlap (use u-alpha-2004, which works per code)."
        )
    return _partition(b, e, v, lo, hi)


def _coincidences_2016(parts: list[_Sections], n_values: int) -> tuple[np.ndarray, ...]:
    """Length coincidences u (value 0 = gap, k + 1 = code k), margins and self-pair corrections."""
    m = len(parts)
    bounds, index = _elementary(parts)
    width = np.diff(bounds).astype(np.float64)
    vals = np.stack([p.value[idx] for p, idx in zip(parts, index, strict=True)]) + 1  # (m, E)
    counts = np.zeros((width.size, n_values + 1))
    for row in vals:
        counts[np.arange(width.size), row] += 1.0
    weighted = counts * width[:, None]
    u = (weighted.T @ counts - np.diag(weighted.sum(axis=0))) / (m - 1.0)
    corr = np.zeros(n_values + 1)
    for p in parts:
        length = (p.end - p.begin).astype(np.float64)
        np.add.at(corr, p.value + 1, np.where(p.value >= 0, length**2, length))
    return u, corr, vals, width, index


def _expected_2016(margins: np.ndarray, corr: np.ndarray) -> np.ndarray:
    total = margins.sum()
    denom = total**2 - corr.sum()
    return total * (np.outer(margins, margins) - np.diag(corr)) / denom


def _alpha_nominal(u: np.ndarray, e: np.ndarray, delta: np.ndarray) -> float | None:
    return _one_minus(float((u * delta).sum()), float((e * delta).sum()))


def family_2016(
    segments: Sequence[Segment],
    *,
    coders: Sequence[str] | None = None,
    codes: Sequence[str] | None = None,
    continuum: tuple[int, int] | None = None,
) -> list[UnitizedResult]:
    """u-alpha, |u-alpha, c|u-alpha (code ``None``) and (k)u-alpha per code (2016 family)."""
    lo, hi = continuum_of(segments, continuum)
    coders = _coders(segments, coders)
    codes = _codes(segments, codes)
    parts = [_value_partition(segments, c, codes, lo, hi) for c in coders]
    k = len(codes)
    u, corr, vals, width, index = _coincidences_2016(parts, k)
    e = _expected_2016(u.sum(axis=1), corr)
    nominal = 1.0 - np.eye(k + 1)
    binary = np.zeros((k + 1, k + 1))
    binary[0, 1:] = binary[1:, 0] = 1.0
    out = [
        UnitizedResult("u-alpha", None, _alpha_nominal(u, e, nominal)),
        UnitizedResult("bar-u-alpha", None, _alpha_nominal(u, e, binary)),
    ]
    u_star, e_star = _coding_given_units(parts, u, vals, width, index, k)
    out.append(UnitizedResult("c-bar-u-alpha", None, _alpha_nominal(u_star, e_star, 1.0 - np.eye(k))))
    for j, code in enumerate(codes):
        out.append(UnitizedResult("k-u-alpha", code, _per_value(u_star, e_star, j)))
    return out


def _coding_given_units(parts: list[_Sections], u: np.ndarray, vals: np.ndarray, width: np.ndarray,
                        index: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """c|u: coincidences among valued sections only; self-pair correction from pairable lengths."""
    u_star = u[1:, 1:]
    valued = vals > 0  # (m, E)
    others = valued.sum(axis=0)[None, :] - valued  # other coders valued at each interval
    corr = np.zeros(k)
    for i, p in enumerate(parts):
        pairable = np.bincount(
            index[i], weights=width * (valued[i] & (others[i] > 0)), minlength=p.value.size
        )
        keep = p.value >= 0
        np.add.at(corr, p.value[keep], pairable[keep] ** 2)
    total = u_star.sum()
    if total <= 0 or corr.sum() >= total**2:
        return u_star, np.full_like(u_star, np.nan)
    return u_star, _expected_2016(u_star.sum(axis=1), corr)


def _per_value(u_star: np.ndarray, e_star: np.ndarray, j: int) -> float | None:
    """(k)u-alpha = 1 - (D_o,k / u*_.k) / (D_e,k / e*_.k) over the c|u matrices."""
    obs_col, exp_col = u_star[:, j].sum(), e_star[:, j].sum()
    if not (obs_col > 0 and np.isfinite(exp_col) and exp_col > 0):
        return None
    d_o = (obs_col - u_star[j, j]) / obs_col
    d_e = (exp_col - e_star[j, j]) / exp_col
    return _one_minus(d_o, d_e)


# ---------------------------------------------------------------- helpers and CSV


def _coders(segments: Sequence[Segment], coders: Sequence[str] | None) -> list[str]:
    names = list(coders) if coders is not None else list(dict.fromkeys(s.coder for s in segments))
    if len(names) < 2:
        raise InputError(f"Unitized agreement needs at least two coders; found {len(names)}.")
    return names


def _codes(segments: Sequence[Segment], codes: Sequence[str] | None) -> list[str]:
    names = list(codes) if codes is not None else list(dict.fromkeys(s.code for s in segments))
    if not names:
        raise InputError("No codes: unitized agreement needs coded spans.")
    return names


def unitized(
    segments: Sequence[Segment],
    coefficients: Sequence[str] = UNITIZED,
    *,
    coders: Sequence[str] | None = None,
    codes: Sequence[str] | None = None,
    continuum: tuple[int, int] | None = None,
) -> list[UnitizedResult]:
    """The requested unitized coefficients, in the order of :data:`UNITIZED`."""
    unknown = [c for c in coefficients if c not in UNITIZED]
    if unknown:
        raise InputError(f"Unknown unitized coefficient {unknown[0]!r}; use one of {', '.join(UNITIZED)}.")
    out: list[UnitizedResult] = []
    kw: dict[str, Any] = {"coders": coders, "codes": codes, "continuum": continuum}
    if "u-alpha-2004" in coefficients:
        out += u_alpha_2004(segments, **kw)
    if any(c in FAMILY_2016 for c in coefficients):
        out += [r for r in family_2016(segments, **kw) if r.coefficient in coefficients]
    return out


def parse_continuum(text: str) -> tuple[int, int]:
    try:
        lo, hi = (int(x) for x in text.split(":"))
    except ValueError:
        raise InputError(f"--continuum {text!r} is not BEGIN:END with whole numbers, e.g. 0:1200.") from None
    if hi <= lo:
        raise InputError(f"--continuum {text!r} is empty; BEGIN must be below END.")
    return lo, hi


def read_segments_csv(path: Path | str) -> list[Segment]:
    """Rows ``coder,begin,end,code`` (half-open character offsets); an optional header row."""
    path = Path(path)

    text = read_text(path, encoding="utf-8-sig")
    rows = [(n, r) for n, r in enumerate(csv.reader(io.StringIO(text)), start=1) if any(c.strip() for c in r)]
    if rows and [c.strip().lower() for c in rows[0][1]] == ["coder", "begin", "end", "code"]:
        rows = rows[1:]
    segments = [_segment(path, n, row) for n, row in rows]
    if not segments:
        raise InputError(f"{path} has no segments; expected rows coder,begin,end,code.")
    return segments


def _segment(path: Path, lineno: int, row: list[str]) -> Segment:
    if len(row) != 4:
        raise InputError(f"{path}: row {lineno} has {len(row)} cells; expected coder,begin,end,code.")
    coder, begin, end, code = (c.strip() for c in row)
    try:
        b, e = int(begin), int(end)
    except ValueError:
        raise InputError(
            f"{path}: row {lineno}: begin and end must be whole numbers, got {begin!r}, {end!r}."
        ) from None
    if not coder or not code:
        raise InputError(f"{path}: row {lineno} lacks a coder or a code.")
    if b < 0 or e <= b:
        raise InputError(
            f"{path}: row {lineno}: the span {b}-{e} is empty or negative; need 0 <= begin < end."
        )
    return Segment(coder, b, e, code)
