"""Inter-coder agreement: coefficients, unitized agreement, bootstrap intervals.

Pure numpy functions over reliability data (units x coders). The CLI imports
this package inside its commands only, so ``qcode --help`` never loads numpy.
Formulas, missing-value handling and references: docs/agreement.md.
"""

from __future__ import annotations

from ..stats import (
    Interval,
    Statistic,
    bca_interval,
    interval,
    jackknife,
    percentile_interval,
    replicates,
    resample_blocks,
)
from .alpha import alpha_statistic, coincidences, krippendorff_alpha
from .coefficients import (
    COEFFICIENTS,
    brennan_prediger,
    coefficient,
    cohen_kappa,
    conger_kappa,
    fleiss_kappa,
    gwet_ac1,
    percent_agreement,
    scott_pi,
    statistic,
)
from .data import LEVELS, ReliabilityData, from_values, read_matrix_csv
from .sets import set_alpha, set_alpha_statistic, set_data
from .unitized import UNITIZED, Segment, UnitizedResult, read_segments_csv, unitized

__all__ = [
    "COEFFICIENTS",
    "LEVELS",
    "UNITIZED",
    "Interval",
    "ReliabilityData",
    "Segment",
    "Statistic",
    "UnitizedResult",
    "alpha_statistic",
    "bca_interval",
    "brennan_prediger",
    "coefficient",
    "coincidences",
    "cohen_kappa",
    "conger_kappa",
    "fleiss_kappa",
    "from_values",
    "gwet_ac1",
    "interval",
    "jackknife",
    "krippendorff_alpha",
    "percent_agreement",
    "percentile_interval",
    "read_matrix_csv",
    "read_segments_csv",
    "replicates",
    "resample_blocks",
    "scott_pi",
    "set_alpha",
    "set_alpha_statistic",
    "set_data",
    "statistic",
    "unitized",
]
