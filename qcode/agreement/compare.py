"""Coders side by side on coded units: disagreements per unit, which codes are
confused with which, and the units where two codes co-occur.

:func:`qcode.agreement.coded_units.disagreements` lists one record per (code, unit);
a reconciliation meeting and the report read a unit once, with every coder's
codes on it and who was speaking. These functions return plain records over
:class:`~qcode.agreement.coded_units.CodedUnits`; nothing here renders.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import numpy as np

from .coded_units import CodedUnits, text_around

NO_CODE = None  # the second code of a confusion pair where the other coder applied none


class TurnLike(Protocol):
    start: int
    end: int
    speaker: str | None


def unit_disagreements(
    coded: CodedUnits,
    *,
    texts: Mapping[str, str] | None = None,
    turns: Mapping[str, Sequence[TurnLike]] | None = None,
    context: int = 80,
) -> list[dict[str, Any]]:
    """One record per unit where the coders who coded its document differ on any code.

    ``codes`` maps every coder to the codes she applied there, in codebook order
    (``None``: she has not coded the document); ``differ`` lists the codes not all of
    them applied. Records come in document order, then text order.
    """
    seen = ~coded.missing
    yes = coded.present & seen[:, :, None]
    no = ~coded.present & seen[:, :, None]
    differ = yes.any(axis=1) & no.any(axis=1)  # units x codes
    out = []
    for u in np.flatnonzero(differ.any(axis=1)):
        out.append(_unit_record(coded, int(u), differ[u], texts, turns, context))
    return out


def _unit_record(coded: CodedUnits, u: int, differ: np.ndarray, texts: Mapping[str, str] | None,
                 turns: Mapping[str, Sequence[TurnLike]] | None, context: int) -> dict[str, Any]:
    units = coded.units
    doc = units.docs[units.doc[u]]
    start, end = int(units.start[u]), int(units.end[u])
    codes: dict[str, list[str] | None] = {}
    for i, coder in enumerate(coded.coders):
        row = coded.present[u, i]
        mine = [c for c, y in zip(coded.codes, row, strict=True) if y]
        codes[coder] = None if coded.missing[u, i] else mine
    rec: dict[str, Any] = {
        "doc": doc, "unit": int(units.number[u]), "start": start, "end": end,
        "speaker": speaker_at(turns.get(doc, ()) if turns else (), start),
        "codes": codes,
        "differ": [c for c, d in zip(coded.codes, differ, strict=True) if d],
    }
    if texts is not None and doc in texts:
        rec.update(text_around(texts[doc], start, end, context))
    return rec


def speaker_at(turns: Sequence[TurnLike], offset: int) -> str | None:
    """The speaker of the turn holding ``offset`` (None: no turn, or a fieldnote entry)."""
    i = bisect.bisect_right([t.start for t in turns], offset) - 1
    if i >= 0 and turns[i].start <= offset < max(turns[i].end, turns[i].start + 1):
        return turns[i].speaker
    return None


def confusion_pairs(coded: CodedUnits) -> list[dict[str, Any]]:
    """Which codes are confused with which: for each pair of coders on each unit both
    coded, every code one applied and the other did not, paired with every code the
    other applied and the first did not (``code2`` None: the other applied no code the
    first lacks). ``count`` is the number of such (unit, pair of coders); the pair is
    unordered, written in codebook order. Most frequent first."""
    order = {c: k for k, c in enumerate(coded.codes)}
    counts: Counter[tuple[str, str | None]] = Counter()
    n = len(coded.coders)
    for u in range(len(coded.units)):
        for i in range(n):
            for j in range(i + 1, n):
                if coded.missing[u, i] or coded.missing[u, j]:
                    continue
                counts.update(_pairs(coded, coded.present[u, i], coded.present[u, j], order))
    return [{"code1": a, "code2": b, "count": k}
            for (a, b), k in sorted(counts.items(), key=lambda x: (-x[1], order[x[0][0]],
                                                                  order.get(x[0][1] or "", len(order))))]


def _pairs(coded: CodedUnits, a: np.ndarray, b: np.ndarray,
           order: Mapping[str, int]) -> list[tuple[str, str | None]]:
    only_a = [c for c, x, y in zip(coded.codes, a, b, strict=True) if x and not y]
    only_b = [c for c, x, y in zip(coded.codes, a, b, strict=True) if y and not x]
    if not only_a or not only_b:
        return [(c, NO_CODE) for c in only_a or only_b]
    pairs: list[tuple[str, str | None]] = []
    for x in only_a:
        for y in only_b:
            pairs.append((x, y) if order[x] < order[y] else (y, x))
    return pairs


def cooccurring_units(
    coded: CodedUnits,
    code1: str,
    code2: str,
    *,
    texts: Mapping[str, str] | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Units some coder coded with both codes, with who did, in document and text order."""
    j, k = coded.codes.index(code1), coded.codes.index(code2)
    both = coded.present[:, :, j] & coded.present[:, :, k]
    out = []
    for u in np.flatnonzero(both.any(axis=1))[:limit]:
        units = coded.units
        doc = units.docs[units.doc[u]]
        start, end = int(units.start[u]), int(units.end[u])
        rec: dict[str, Any] = {
            "doc": doc, "unit": int(units.number[u]), "start": start, "end": end,
            "coders": [c for c, y in zip(coded.coders, both[u], strict=True) if y],
        }
        if texts is not None and doc in texts:
            rec["text"] = texts[doc][start:end]
        out.append(rec)
    return out
