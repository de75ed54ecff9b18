"""Agreement results as records with a stable schema, and the runners behind ``qcode agree``.

Every result is one :class:`Agreement`; :meth:`Agreement.record` gives the JSON
object ``{"coefficient", "level", "code", "value", "units", "coders", "ci_low", "ci_high"}``
(plus ``group`` or ``doc`` where a command adds them). An undefined value is
``None``, never a number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import stats
from ..errors import InputError
from .alpha import Statistic
from .coefficients import COEFFICIENTS, statistic
from .data import ReliabilityData, read_matrix_csv
from .unitized import UNITIZED, parse_continuum, read_segments_csv, unitized

SCHEMA = ("coefficient", "level", "code", "value", "units", "coders", "ci_low", "ci_high")
ALPHA_NAMES = ("alpha", "alpha-jaccard", "alpha-masi", *UNITIZED)


@dataclass(frozen=True, slots=True)
class Agreement:
    coefficient: str
    level: str
    code: str | None
    value: float | None
    units: int
    coders: int
    ci: tuple[float, float] | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def band(self) -> str:
        return band(self.coefficient, self.value)

    def record(self) -> dict[str, Any]:
        rec = {
            "coefficient": self.coefficient,
            "level": self.level,
            "code": self.code,
            "value": self.value,
            "units": self.units,
            "coders": self.coders,
            "ci_low": self.ci[0] if self.ci is not None else None,
            "ci_high": self.ci[1] if self.ci is not None else None,
        }
        rec.update(self.extra)
        return rec


def band(coefficient: str, value: float | None) -> str:
    """Plain words: Krippendorff (2004, p. 241) for alpha; Landis & Koch (1977) for kappas."""
    if value is None:
        return "undefined"
    if coefficient == "percent":
        return ""
    if coefficient in ALPHA_NAMES:
        if value >= 0.800:
            return "reliable"
        return "tentative" if value >= 0.667 else "unreliable"
    for limit, words in (
        (0.0, "poor"),
        (0.20, "slight"),
        (0.40, "fair"),
        (0.60, "moderate"),
        (0.80, "substantial"),
    ):
        if value <= limit:
            return words
    return "almost perfect"


def evaluate(
    stat: Statistic,
    *,
    code: str | None = None,
    ci: str | None = None,
    n_replicates: int = stats.DEFAULT_REPLICATES,
    seed: int | None = 0,
    extra: dict[str, Any] | None = None,
) -> Agreement:
    """Point estimate and, when ``ci`` names a method, a bootstrap interval."""
    value = stat.value()
    interval = None
    if ci is not None and value is not None:
        if ci not in stats.METHODS:
            raise InputError(f"Unknown --ci {ci!r}; use one of {', '.join(stats.METHODS)}.")
        found = stats.interval(stat, ci, n_replicates, seed).as_list()
        interval = (found[0], found[1]) if found is not None else None
    level = stat.level if stat.name in ALPHA_NAMES else "nominal"
    return Agreement(stat.name, level, code, value, stat.n_units, stat.n_coders, interval, extra or {})


def matrix_agreement(
    data: ReliabilityData,
    coefficients: Sequence[str] = ("alpha",),
    *,
    ci: str | None = None,
    n_replicates: int = stats.DEFAULT_REPLICATES,
    seed: int | None = 0,
) -> list[Agreement]:
    """The requested coefficients on one table of reliability data."""
    out = []
    for name in coefficients:
        if name not in COEFFICIENTS:
            raise InputError(f"Unknown coefficient {name!r}; use one of {', '.join(COEFFICIENTS)}.")
        out.append(evaluate(statistic(name, data), ci=ci, n_replicates=n_replicates, seed=seed))
    return out


def matrix_file_agreement(
    path: Path | str,
    *,
    level: str = "nominal",
    coefficients: Sequence[str] = ("alpha",),
    categories: Sequence[str] | None = None,
    ci: str | None = None,
    n_replicates: int = stats.DEFAULT_REPLICATES,
    seed: int | None = 0,
) -> list[Agreement]:
    data = read_matrix_csv(path, level=level, categories=categories)
    return matrix_agreement(data, coefficients, ci=ci, n_replicates=n_replicates, seed=seed)


def segments_file_agreement(
    path: Path | str,
    *,
    coefficients: Sequence[str] = UNITIZED,
    continuum: str | None = None,
) -> list[Agreement]:
    """Unitized coefficients on a ``coder,begin,end,code`` CSV."""
    segments = read_segments_csv(path)
    span = parse_continuum(continuum) if continuum else None
    results = unitized(segments, coefficients, continuum=span)
    coders = len({s.coder for s in segments})
    lo = span[0] if span else min(s.begin for s in segments)
    hi = span[1] if span else max(s.end for s in segments)
    return [Agreement(r.coefficient, "nominal", r.code, r.value, hi - lo, coders) for r in results]
