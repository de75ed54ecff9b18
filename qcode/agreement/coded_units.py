"""From codings on text to reliability data: which coder coded which unit with which code.

A unit (sentence, turn, paragraph, or a fixed character window) counts as coded
with code C by a coder when her spans for C overlap it by at least
``min_chars`` characters and at least ``min_fraction`` of the unit (default:
any overlap). Her spans of one code are merged first, so overlapping spans are
not counted twice. A document she has not coded at all is *missing* for her,
not "nothing applies": its cells are left out of every coefficient.

Codings are a :class:`qcode.columns.CodingTable`, or any objects with ``.coder``,
``.doc``, ``.start``, ``.end`` and ``.code`` (the records :func:`qcode.codings.replay`
returns).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from ..columns import CODE, CODER, DOC, END, START, CodingLike, CodingTable
from ..errors import InputError
from .data import ReliabilityData


@dataclass(frozen=True, slots=True, eq=False)
class Units:
    """Units of analysis across documents, in document order then text order."""

    docs: tuple[str, ...]  # the documents, in order
    doc: np.ndarray  # index into ``docs`` of each unit
    number: np.ndarray  # 1-based unit number within its document
    start: np.ndarray
    end: np.ndarray

    def __len__(self) -> int:
        return int(self.doc.size)


@dataclass(frozen=True, eq=False)
class CodedUnits:
    """Which coder coded which unit with which code, kept sparse: ``cells`` holds the
    coded (unit u, coder i, code c) cells as sorted flat indices ``(u * coders + i) *
    codes + c`` (a dense units x coders x codes array was most of the memory of an
    analysis on a big project); ``missing[u, i]``: she did not code u's document at all
    (never a coded cell)."""

    units: Units
    coders: tuple[str, ...]
    codes: tuple[str, ...]
    cells: np.ndarray
    missing: np.ndarray

    @cached_property
    def present(self) -> np.ndarray:
        """``present[u, i, c]`` as a dense array, made on first use: for small scopes only
        (the per-unit comparison, reports); the analyses use the per-code and per-coder views."""
        out = np.zeros((len(self.units), len(self.coders), len(self.codes)), dtype=bool)
        out.ravel()[self.cells] = True
        return out

    def code_present(self, j: int) -> np.ndarray:
        """units x coders: who coded each unit with code ``j``."""
        out = np.zeros((len(self.units), len(self.coders)), dtype=bool)
        chosen = self.cells[self.cells % len(self.codes) == j]
        out.ravel()[chosen // len(self.codes)] = True
        return out

    def coder_present(self, i: int) -> np.ndarray:
        """units x codes: the codes coder ``i`` gave each unit."""
        k, n = len(self.codes), len(self.coders)
        out = np.zeros((len(self.units), k), dtype=bool)
        chosen = self.cells[self.cells // k % n == i]
        out.ravel()[chosen // (n * k) * k + chosen % k] = True
        return out

    def coded_any(self) -> np.ndarray:
        """units x coders: who gave each unit any code."""
        out = np.zeros((len(self.units), len(self.coders)), dtype=bool)
        out.ravel()[self.cells // len(self.codes)] = True
        return out

    def any_present(self) -> np.ndarray:
        """units x codes: the codes any coder gave each unit."""
        k, n = len(self.codes), len(self.coders)
        out = np.zeros((len(self.units), k), dtype=bool)
        out.ravel()[self.cells // (n * k) * k + self.cells % k] = True
        return out

    def take(self, rows: np.ndarray) -> CodedUnits:
        """These units only (``rows``: increasing unit positions)."""
        u = self.units
        width = len(self.coders) * len(self.codes)
        where = np.full(len(u), -1, dtype=np.int64)
        where[rows] = np.arange(rows.size)
        moved = where[self.cells // width]
        keep = moved >= 0
        cells = moved[keep] * width + self.cells[keep] % width
        units = Units(u.docs, u.doc[rows], u.number[rows], u.start[rows], u.end[rows])
        return CodedUnits(units, self.coders, self.codes, np.sort(cells), self.missing[rows])

    def code_data(self, code: str) -> ReliabilityData:
        """Binary reliability data (1 coded, 0 not, missing) for one code."""
        j = self.codes.index(code)
        cells = np.where(self.missing, np.int8(-1), self.code_present(j).astype(np.int8))
        return ReliabilityData(cells, (0, 1), self.coders, "nominal", np.array([0.0, 1.0]))

    def missing_cells(self) -> dict[str, list[str]]:
        """Per coder, the documents she has not coded (reported in the output)."""
        out: dict[str, list[str]] = {}
        for i, coder in enumerate(self.coders):
            docs = np.unique(self.units.doc[self.missing[:, i]])
            if docs.size:
                out[coder] = [self.units.docs[d] for d in docs]
        return out


def char_windows(length: int, size: int) -> tuple[tuple[int, int], ...]:
    """Consecutive windows of ``size`` characters covering [0, length); the last may be shorter."""
    if size < 1:
        raise InputError(f"A character window must be at least 1 character, not {size}.")
    starts = range(0, length, size)
    return tuple((s, min(s + size, length)) for s in starts)


def build_units(unit_spans: Mapping[str, Sequence[tuple[int, int]]]) -> Units:
    """Units from per-document spans (dict order is document order)."""
    docs = tuple(unit_spans)
    sizes = [len(unit_spans[d]) for d in docs]
    pairs = np.array([s for d in docs for s in unit_spans[d]], dtype=np.int64).reshape(-1, 2)
    doc = np.repeat(np.arange(len(docs)), sizes)
    number = np.concatenate([np.arange(1, n + 1) for n in sizes]) if sizes else np.empty(0, np.int64)
    return Units(docs, doc, number.astype(np.int64), pairs[:, 0], pairs[:, 1])


def coded_units(
    codings: Iterable[CodingLike] | CodingTable,
    unit_spans: Mapping[str, Sequence[tuple[int, int]]],
    *,
    coders: Sequence[str],
    codes: Sequence[str],
    coded_docs: Mapping[str, Iterable[str]] | None = None,
    min_chars: int = 1,
    min_fraction: float = 0.0,
) -> CodedUnits:
    """Which coder coded which unit with which code, with documents a coder skipped as missing.

    ``coded_docs`` maps a coder to the documents she coded; by default, those
    where she has at least one coding (of any code).
    """
    if min_chars < 1 or not 0.0 <= min_fraction <= 1.0:
        raise InputError("Minimum overlap must be at least 1 character and a fraction between 0 and 1.")
    table = codings if isinstance(codings, CodingTable) else CodingTable.of(codings)
    units = build_units(unit_spans)
    coders, codes = tuple(coders), tuple(codes)
    rows = table.rows
    doc = table.positions(DOC, units.docs)[rows[:, DOC]]
    coder = table.positions(CODER, coders)[rows[:, CODER]]
    cells = _present(table, doc, coder, units, coders, codes, min_chars, min_fraction)
    missing = _missing(doc, coder, units, coders, coded_docs)
    cells = cells[~missing.ravel()[cells // max(len(codes), 1)]]
    return CodedUnits(units, coders, codes, cells, missing)


def _missing(doc: np.ndarray, coder: np.ndarray, units: Units, coders: Sequence[str],
             coded_docs: Mapping[str, Iterable[str]] | None) -> np.ndarray:
    """``missing[u, i]``: coder i did not code unit u's document at all (``doc`` and
    ``coder``: each coding's document and coder as positions in the analysis, -1 out)."""
    n = len(coders)
    if coded_docs is None:
        seen = (doc >= 0) & (coder >= 0)
        done = np.zeros(len(units.docs) * n, dtype=bool)
        done[doc[seen] * n + coder[seen]] = True
    else:
        sets = [set(coded_docs.get(c, ())) for c in coders]
        done = np.array([d in s for d in units.docs for s in sets], dtype=bool)
    return ~done.reshape(len(units.docs), n)[units.doc]


def _present(table: CodingTable, doc: np.ndarray, coder: np.ndarray, units: Units,
             coders: Sequence[str], codes: Sequence[str], min_chars: int,
             min_fraction: float) -> np.ndarray:
    """The cells (flat, sorted; see :class:`CodedUnits`) where coder i's merged spans of
    code c cover at least ``min_chars`` characters and ``min_fraction`` of unit u. The
    overlaps are summed only for the (unit, coder, code) cells some span touches (a
    sparse sum), never for all of them: a float per cell of a large project took gigabytes."""
    none = np.empty(0, dtype=np.int64)
    rows = table.rows
    code = table.positions(CODE, codes)[rows[:, CODE]]
    start, end = rows[:, START].astype(np.int64), rows[:, END].astype(np.int64)
    keep = (doc >= 0) & (coder >= 0) & (code >= 0) & (end > start)
    if not keep.any() or not len(units):
        return none
    key = (doc[keep] * len(coders) + coder[keep]) * len(codes) + code[keep]
    key, s, e = merge_grouped(key, start[keep], end[keep])
    d = key // (len(coders) * len(codes))
    # unit rows overlapping each merged span: units of the same doc, sorted by start
    order = np.lexsort((units.start, units.doc))
    u_doc, u_start, u_end = units.doc[order], units.start[order], units.end[order]
    first = np.searchsorted(u_doc * _BIG + u_end, d * _BIG + s, side="right")
    last = np.searchsorted(u_doc * _BIG + u_start, d * _BIG + e, side="left")
    count = np.maximum(last - first, 0)
    span = np.repeat(np.arange(key.size), count)
    unit = np.repeat(first - np.cumsum(count) + count, count) + np.arange(count.sum())
    length = np.minimum(e[span], u_end[unit]) - np.maximum(s[span], u_start[unit])
    keep = length > 0
    cell = order[unit[keep]] * (len(coders) * len(codes)) + key[span[keep]] % (len(coders) * len(codes))
    cells, which = np.unique(cell, return_inverse=True)
    covered = np.bincount(which, weights=length[keep])
    size = (units.end - units.start).astype(np.float64)[cells // (len(coders) * len(codes))]
    return cells[(covered >= min_chars) & (covered >= min_fraction * size)].astype(np.int64)


_BIG = np.int64(1) << 40  # offsets are below 2**40; doc index goes above


def merge_grouped(key: np.ndarray, start: np.ndarray, end: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge overlapping [start, end) spans within each key; touching spans stay apart."""
    order = np.lexsort((end, start, key))
    k, s, e = key[order], start[order], end[order]
    group_start = np.ones(k.size, dtype=bool)
    group_start[1:] = k[1:] != k[:-1]
    reach = _running_max_by_group(e, group_start)
    new = group_start.copy()
    new[1:] |= s[1:] >= reach[:-1]
    idx = np.flatnonzero(new)
    return k[idx], s[idx], np.maximum.reduceat(e, idx)


def _running_max_by_group(values: np.ndarray, group_start: np.ndarray) -> np.ndarray:
    """Running maximum of ``values`` that restarts where ``group_start`` is True."""
    group = np.cumsum(group_start) - 1
    lifted = values + group.astype(np.int64) * _BIG  # later groups dominate earlier ones
    return np.maximum.accumulate(lifted) - group.astype(np.int64) * _BIG


# ---------------------------------------------------------------- disagreements


def disagreements(
    coded: CodedUnits,
    *,
    texts: Mapping[str, str] | None = None,
    context: int = 60,
    codes: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """One record per (code, unit) where the coders who coded the document differ."""
    out: list[dict[str, Any]] = []
    for code in codes or coded.codes:
        yes = coded.code_present(coded.codes.index(code))
        seen = ~coded.missing
        differ = (yes & seen).any(axis=1) & (~yes & seen).any(axis=1)
        for u in np.flatnonzero(differ):
            out.append(_disagreement(coded, code, int(u), yes[u], seen[u], texts, context))
    order = {c: i for i, c in enumerate(coded.codes)}
    out.sort(key=lambda r: (order[r["code"]], r["doc_order"], r["start"]))
    for r in out:
        del r["doc_order"]
    return out


def _disagreement(coded: CodedUnits, code: str, u: int, yes: np.ndarray, seen: np.ndarray,
                  texts: Mapping[str, str] | None, context: int) -> dict[str, Any]:
    units = coded.units
    doc = units.docs[units.doc[u]]
    start, end = int(units.start[u]), int(units.end[u])
    rec: dict[str, Any] = {
        "code": code,
        "doc": doc,
        "doc_order": int(units.doc[u]),
        "unit": int(units.number[u]),
        "start": start,
        "end": end,
        "coded_by": [c for c, y, s in zip(coded.coders, yes, seen, strict=True) if y and s],
        "not_coded_by": [c for c, y, s in zip(coded.coders, yes, seen, strict=True) if s and not y],
        "missing": [c for c, s in zip(coded.coders, seen, strict=True) if not s],
    }
    if texts is not None and doc in texts:
        rec.update(text_around(texts[doc], start, end, context))
    return rec


def text_around(text: str, start: int, end: int, context: int) -> dict[str, str]:
    """A unit's text with up to ``context`` characters before and after it."""
    return {"before": text[max(0, start - context):start], "text": text[start:end],
            "after": text[end:end + context]}
