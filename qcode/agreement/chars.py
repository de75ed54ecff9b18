"""NVivo-compatible agreement on characters: Cohen's kappa per code per document.

NVivo's coding comparison treats every character of a source as a unit that
each of two coders either coded with the code or not, and reports Cohen's
kappa and percent agreement per code and source. This mode reproduces that, so
figures computed elsewhere can be checked. Two differences, both stated in the
output: a document one coder never coded is left out (not counted as "nothing
applies"), and when neither coder used the code in a document kappa is
undefined (reported as none; NVivo shows 1), while percent agreement is 1.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import InputError
from .coded_units import CodingLike
from .coefficients import cohen_statistic, percent_statistic
from .data import ReliabilityData


def coverage(spans: Sequence[tuple[int, int]], length: int) -> np.ndarray:
    """Boolean mask of the characters of [0, length) inside any of the spans."""
    diff = np.zeros(length + 1, dtype=np.int64)
    if spans:
        arr = np.clip(np.array(spans, dtype=np.int64), 0, length)
        np.add.at(diff, arr[:, 0], 1)
        np.add.at(diff, arr[:, 1], -1)
    return np.cumsum(diff[:-1]) > 0


def char_data(
    codings: Iterable[CodingLike], doc: str, length: int, coders: Sequence[str], code: str
) -> ReliabilityData:
    """Characters x coders binary data for one code in one document."""
    cols = []
    for coder in coders:
        spans = [(c.start, c.end) for c in codings if c.doc == doc and c.coder == coder and c.code == code]
        cols.append(coverage(spans, length))
    cells = np.stack(cols, axis=1).astype(np.int64) if cols else np.empty((length, 0), np.int64)
    return ReliabilityData(cells, (0, 1), tuple(coders), "nominal", np.array([0.0, 1.0]))


def char_agreement(
    codings: Iterable[CodingLike],
    lengths: Mapping[str, int],
    *,
    coders: Sequence[str],
    codes: Sequence[str],
    coded_docs: Mapping[str, Iterable[str]] | None = None,
) -> list[dict[str, Any]]:
    """Per code: one record per document both coders coded, then a pooled record (doc None)."""
    if len(coders) != 2:
        raise InputError(
            f"Character mode compares two coders (as NVivo does), not {len(coders)}; pick two with --coder."
        )
    codings = [c for c in codings if c.coder in coders]
    done = _coded_docs(codings, coders, coded_docs)
    codings = [c for c in codings if c.code in codes]
    docs = [d for d in lengths if all(d in done[c] for c in coders)]
    out = []
    for code in codes:
        mine = [c for c in codings if c.code == code]
        parts = [char_data(mine, d, lengths[d], coders, code) for d in docs]
        out += [_record(code, d, p) for d, p in zip(docs, parts, strict=True)]
        if parts:
            pooled = np.concatenate([p.codes for p in parts])
            out.append(_record(code, None, ReliabilityData(pooled, (0, 1), tuple(coders))))
    return out


def _coded_docs(codings: Iterable[CodingLike], coders: Sequence[str],
                coded_docs: Mapping[str, Iterable[str]] | None) -> dict[str, set[str]]:
    if coded_docs is not None:
        return {c: set(coded_docs.get(c, ())) for c in coders}
    done: dict[str, set[str]] = {c: set() for c in coders}
    for c in codings:
        done[c.coder].add(c.doc)
    return done


def _record(code: str, doc: str | None, data: ReliabilityData) -> dict[str, Any]:
    return {
        "code": code,
        "doc": doc,
        "chars": data.n_units,
        "coded": [int(n) for n in (data.codes == 1).sum(axis=0)],
        "kappa": cohen_statistic(data).value(),
        "percent": percent_statistic(data).value(),
    }
