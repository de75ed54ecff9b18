"""Coders side by side on coded units: disagreements per unit, which codes are
confused with which, and the units where two codes co-occur.

:func:`qcode.agreement.coded_units.disagreements` lists one record per (code, unit);
a reconciliation meeting and the report read a unit once, with every coder's
codes on it and who was speaking. These functions return plain records over
:class:`~qcode.agreement.coded_units.CodedUnits`; nothing here renders.
"""

from __future__ import annotations

import bisect
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
    units: Sequence[int] | np.ndarray | None = None,
) -> list[dict[str, Any]]:
    """One record per unit where the coders who coded its document differ on any code
    (``units``: only these of them, as :func:`differing_units` numbers them).

    ``codes`` maps every coder to the codes she applied there, in codebook order
    (``None``: she has not coded the document); ``differ`` lists the codes not all of
    them applied. Records come in document order, then text order.
    """
    differ = _differ(coded)
    chosen = np.flatnonzero(differ.any(axis=1)) if units is None else units
    return [_unit_record(coded, int(u), differ[u], texts, turns, context) for u in chosen]


def differing_units(coded: CodedUnits) -> np.ndarray:
    """The units where the coders who coded its document differ on any code, in order."""
    return np.flatnonzero(_differ(coded).any(axis=1))


def _differ(coded: CodedUnits) -> np.ndarray:
    """units x codes: some coder who coded the unit's document applied the code there,
    and another did not."""
    seen = ~coded.missing
    yes = coded.present & seen[:, :, None]
    no = ~coded.present & seen[:, :, None]
    return yes.any(axis=1) & no.any(axis=1)


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
    unordered, written in codebook order. Most frequent first. Counted a pair of coders
    at a time over all units at once (a loop over units and pairs took 35 s for 40,000
    units and 50 coders)."""
    order = {c: k for k, c in enumerate(coded.codes)}
    n_codes = len(coded.codes)
    crossed = np.zeros((n_codes, n_codes), dtype=np.int64)  # [x, y]: x only one's, y only the other's
    alone = np.zeros(n_codes, dtype=np.int64)  # codes only one applied, the other adding none
    present, seen = coded.present, ~coded.missing
    n = len(coded.coders)
    for i in range(n):
        for j in range(i + 1, n):
            both = seen[:, i] & seen[:, j]
            if not both.any():
                continue
            a, b = present[both, i], present[both, j]
            only_a, only_b = a & ~b, b & ~a
            has_a, has_b = only_a.any(axis=1), only_b.any(axis=1)
            cross = has_a & has_b
            if cross.any():
                crossed += only_a[cross].T.astype(np.int64) @ only_b[cross].astype(np.int64)
            one = has_a ^ has_b
            alone += (only_a[one] | only_b[one]).sum(axis=0)
    counts: dict[tuple[str, str | None], int] = {}
    pair = crossed + crossed.T
    for x in range(n_codes):
        if alone[x]:
            counts[(coded.codes[x], NO_CODE)] = int(alone[x])
        for y in range(x + 1, n_codes):
            if pair[x, y]:
                counts[(coded.codes[x], coded.codes[y])] = int(pair[x, y])
    return [{"code1": a, "code2": b, "count": k}
            for (a, b), k in sorted(counts.items(), key=lambda x: (-x[1], order[x[0][0]],
                                                                  order.get(x[0][1] or "", len(order))))]


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
