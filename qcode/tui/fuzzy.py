"""Finding a code by what the coder types: its number, id, label or a fuzzy match."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ..errors import UnknownCodeError
from ..hints import did_you_mean

_SPLIT = re.compile(r"[\s/_.,:;-]+")
MIN_SCORE = 60.0


def _names(code: Any) -> tuple[str, ...]:
    return (code.label.casefold(), code.id.casefold())


def score(query: str, code: Any) -> float:
    """How well ``query`` names ``code``: rapidfuzz's WRatio, plus 100 when a name
    starts with the query and 50 when one of its words does (typing a prefix is
    what people do)."""
    from rapidfuzz import fuzz

    q = query.strip().casefold()
    names = _names(code)
    best = max(fuzz.WRatio(q, name) for name in names)
    if any(name.startswith(q) for name in names):
        return best + 100
    if any(word.startswith(q) for name in names for word in _SPLIT.split(name)):
        return best + 50
    return best


def rank(query: str, codes: Sequence[Any], limit: int | None = None) -> list[Any]:
    """Codes best first for ``query`` (all, in codebook order, for an empty query);
    weak matches are left out. Ties keep codebook order."""
    if not query.strip():
        found = list(codes)
    else:
        scored = [(-score(query, c), i, c) for i, c in enumerate(codes)]
        found = [c for s, _, c in sorted(scored, key=lambda t: (t[0], t[1])) if -s >= MIN_SCORE]
    return found[:limit] if limit else found


def resolve(text: str, codes: Sequence[Any]) -> Any:
    """The code meant by a typed name: a number (1 = first active code), an id or a
    label, else the one fuzzy match that clearly leads. UnknownCodeError otherwise."""
    wanted = text.strip()
    if wanted.isdigit() and 1 <= int(wanted) <= len(codes):
        return codes[int(wanted) - 1]
    folded = wanted.casefold()
    for code in codes:
        if folded in _names(code):
            return code
    ranked = [(score(wanted, c), c) for c in codes] if wanted else []
    ranked.sort(key=lambda t: -t[0])
    if ranked and ranked[0][0] >= 150 and (len(ranked) == 1 or ranked[1][0] < 150):
        return ranked[0][1]

    hint = did_you_mean(wanted, [c.id for c in codes])
    raise UnknownCodeError(f"No code {wanted!r} among the active codes; type its number, id or "
                           f"label (`help` lists them){hint or '.'}")
