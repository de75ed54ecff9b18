"""Small helpers shared by every layer (the base layer: imports nothing of qcode)."""

from __future__ import annotations


def did_you_mean(value: str, choices: tuple[str, ...] | list[str]) -> str:
    """``"; did you mean 'x'?"`` from rapidfuzz, or ``""`` when nothing is close."""
    if not choices:
        return ""
    from rapidfuzz import fuzz, process  # third-party, loaded only when a name is wrong

    best = process.extractOne(value, list(choices), scorer=fuzz.WRatio, score_cutoff=75)
    return f"; did you mean {best[0]!r}?" if best else ""
