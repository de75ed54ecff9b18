"""Bootstrap of alpha over code sets at scale: sparse per-unit summaries, the same results.

With many coders and codes a unit's cell is one of hundreds of code sets; its
summary row has one column per set but only a handful of non-zero cells. These
tests check that the statistic keeps them sparse (a dense units x sets array
was most of the time and memory of ``agree --ci``) and that every figure drawn
from them (value, replicates for a seed, jackknife, interval) is the one the
dense summaries give.
"""

from __future__ import annotations

import numpy as np
import pytest

from qcode import stats
from qcode.agreement.sets import set_alpha_statistic, set_data
from qcode.stats import Statistic

CODES = tuple(f"c{j}" for j in range(8))


def _sets(seed: int, units: int, coders: int, spread: float) -> tuple[np.ndarray, np.ndarray]:
    """``present`` (units, coders, codes) with a shared code per unit plus noise, and missing."""
    rng = np.random.default_rng(seed)
    base = rng.random((units, 1, len(CODES))) < spread
    noise = rng.random((units, coders, len(CODES))) < spread / 3
    present = base ^ noise
    missing = rng.random((units, coders)) < 0.1
    return present, missing


def _dense_twin(stat: Statistic) -> Statistic:
    return Statistic(stat.name, stat.summaries.toarray(), stat.finish, stat.n_coders, stat.level, stat.rows)


def _wide_statistic(seed: int = 1, units: int = 300, coders: int = 4) -> Statistic:
    present, missing = _sets(seed, units, coders, 0.3)
    data = set_data(present, missing, codes=CODES, coders=[f"k{i}" for i in range(coders)])
    assert data.n_categories > 16  # many distinct sets
    return set_alpha_statistic(data, "masi")


def test_set_alpha_over_many_sets_keeps_its_unit_summaries_sparse():
    stat = _wide_statistic()
    assert stats.is_sparse(stat.summaries)
    shape = stat.summaries.shape
    assert stat.summaries.nnz < shape[0] * shape[1] / 4  # a few sets per unit, not all of them


def test_sparse_set_alpha_gives_the_dense_figures_for_the_same_seed():
    stat = _wide_statistic()
    dense = _dense_twin(stat)
    assert not stats.resampling(stat.summaries).by_group  # drawn unit by unit
    assert stat.value() == pytest.approx(dense.value(), abs=1e-12)
    np.testing.assert_allclose(stats.replicates(stat, 300, seed=3), stats.replicates(dense, 300, seed=3),
                               rtol=0, atol=1e-12)
    np.testing.assert_allclose(stats.jackknife(stat), stats.jackknife(dense), rtol=0, atol=1e-12)
    a, b = stats.interval(stat, "bca", 500, seed=4), stats.interval(dense, "bca", 500, seed=4)
    assert a.as_list() == pytest.approx(b.as_list(), abs=1e-12)


def test_sparse_summaries_with_few_distinct_rows_are_drawn_by_the_same_groups():
    """Two coders, many units: few distinct rows, so counts are drawn per group, in the dense order."""
    present, missing = _sets(2, 8000, 2, 0.05)
    data = set_data(present, missing, codes=CODES, coders=["a", "b"])
    stat = set_alpha_statistic(data, "jaccard")
    sparse_plan, dense_plan = stats.resampling(stat.summaries), stats.resampling(stat.summaries.toarray())
    assert stats.is_sparse(stat.summaries) and sparse_plan.by_group and dense_plan.by_group
    np.testing.assert_array_equal(sparse_plan.rows, dense_plan.rows)
    np.testing.assert_array_equal(sparse_plan.group, dense_plan.group)
    np.testing.assert_array_equal(sparse_plan.sizes, dense_plan.sizes)
    np.testing.assert_allclose(stats.replicates(stat, 400, seed=8),
                               stats.replicates(_dense_twin(stat), 400, seed=8), rtol=0, atol=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_distinct_rows_are_numpys_unique_rows(seed):
    rng = np.random.default_rng(seed)
    s = rng.integers(-3, 4, size=(2000, 1 + seed)).astype(np.float64) / 2.0
    s[rng.random(s.shape) < 0.05] = -0.0
    rows, group, sizes = stats.distinct_rows(s)
    want_rows, want_group, want_sizes = np.unique(s, axis=0, return_inverse=True, return_counts=True)
    np.testing.assert_array_equal(rows, want_rows)
    np.testing.assert_array_equal(group, want_group.reshape(-1))
    np.testing.assert_array_equal(sizes, want_sizes)


@pytest.mark.parametrize("n_codes", [1, 3, 10, 70])
def test_code_sets_are_numpys_unique_rows_in_the_same_order(n_codes):
    """Sets are found from one integer (or byte string) per cell, in np.unique's row order."""
    rng = np.random.default_rng(n_codes)
    present = rng.random((200, 3, n_codes)) < 0.2
    missing = rng.random((200, 3)) < 0.1
    data = set_data(present, missing, codes=[f"c{i}" for i in range(n_codes)], coders=["a", "b", "c"])
    patterns, inverse = np.unique(present.reshape(-1, n_codes)[~missing.ravel()], axis=0,
                                  return_inverse=True)
    cells = np.full(600, -1)
    cells[~missing.ravel()] = inverse.ravel()
    np.testing.assert_array_equal(data.numeric, patterns.astype(np.float64))
    np.testing.assert_array_equal(data.codes.ravel(), cells)


@pytest.mark.parametrize("name", ["percent", "alpha", "fleiss", "conger", "brennan-prediger",
                                  "gwet-ac1", "cohen", "scott"])
def test_the_pooled_statistic_is_the_statistic_of_the_stacked_tables(name):
    """agree's pooled row, built from the codes' own statistics, equals the coefficient of
    every code's binary table stacked (what it was computed from before), seed for seed."""
    from qcode.agreement.coded_units import coded_units
    from qcode.agreement.coefficients import statistic
    from qcode.agreement.data import ReliabilityData
    from qcode.agreement.from_project import pooled_statistic

    rng = np.random.default_rng(7)
    coders = ("a", "b") if name in ("cohen", "scott") else ("a", "b", "c")
    spans = {f"d{k}": tuple((u * 10, u * 10 + 9) for u in range(40)) for k in range(3)}
    codings = [_Coding(c, d, u * 10, u * 10 + 5, code) for d in spans for c in coders
               for u in range(40) for code in CODES[:4]
               if rng.random() < 0.3 and not (c == "c" and d == "d2")]
    cu = coded_units(codings, spans, coders=coders, codes=CODES[:4])
    tables = [cu.code_data(code) for code in cu.codes]
    stacked = ReliabilityData(np.concatenate([t.codes for t in tables]), (0, 1), cu.coders, "nominal",
                              np.array([0.0, 1.0]))
    want = statistic(name, stacked)
    got = pooled_statistic([statistic(name, t) for t in tables], len(cu.units))
    np.testing.assert_array_equal(got.summaries, want.summaries)
    np.testing.assert_array_equal(got.rows, want.rows)
    assert got.value() == want.value()
    np.testing.assert_array_equal(stats.replicates(got, 200, seed=1), stats.replicates(want, 200, seed=1))


class _Coding:
    def __init__(self, coder: str, doc: str, start: int, end: int, code: str) -> None:
        self.coder, self.doc, self.start, self.end, self.code = coder, doc, start, end, code


def test_sparse_rows_that_repeat_are_counted_per_distinct_row_with_the_same_replicates():
    """Too many distinct rows to draw by group, but far fewer than units: units are drawn
    one by one as before and their draws counted per distinct row."""
    present, missing = _sets(3, 3000, 3, 0.08)
    stat = set_alpha_statistic(set_data(present, missing, codes=CODES, coders=["a", "b", "c"]), "masi")
    plan = stats.resampling(stat.summaries)
    assert not plan.by_group and plan.members is not None
    assert plan.rows.shape[0] * 2 <= stat.n_units
    np.testing.assert_allclose(stats.replicates(stat, 600, seed=6),
                               stats.replicates(_dense_twin(stat), 600, seed=6), rtol=0, atol=1e-12)
