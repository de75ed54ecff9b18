"""Agreement coefficients against independent implementations, and their invariants."""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss

from qcode import stats as bootstrap
from qcode.agreement import (
    COEFFICIENTS,
    coefficient,
    from_values,
    krippendorff_alpha,
    statistic,
)
from qcode.agreement.sets import set_alpha, set_data, set_distance_matrix

LEVELS = ("nominal", "ordinal", "interval", "ratio")


def _random(seed: int, units: int, coders: int, values: int, missing: float, agree: float = 0.6):
    rng = np.random.default_rng(seed)
    x = rng.integers(1, values + 1, size=(units, coders)).astype(float)
    copy = rng.random((units, coders)) < agree
    x = np.where(copy, x[:, :1], x)
    x[rng.random(x.shape) < missing] = np.nan
    return x


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("seed", range(6))
def test_alpha_matches_krippendorff_package(level, seed):
    x = _random(seed, units=40 + seed * 7, coders=2 + seed % 4, values=3 + seed % 4, missing=0.2)
    expected = krippendorff.alpha(x.T, level_of_measurement=level)
    assert krippendorff_alpha(from_values(x, level=level)) == pytest.approx(expected, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_alpha_on_non_integer_values_matches(seed):
    rng = np.random.default_rng(seed)
    x = np.round(rng.normal(10, 3, size=(30, 3)), 1)
    x[rng.random(x.shape) < 0.1] = np.nan
    for level in ("interval", "ratio", "ordinal"):
        expected = krippendorff.alpha(x.T, level_of_measurement=level)
        assert krippendorff_alpha(from_values(x, level=level)) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("seed", range(8))
def test_cohen_matches_sklearn(seed):
    x = _random(seed, units=50, coders=2, values=2 + seed % 4, missing=0.0)
    expected = cohen_kappa_score(x[:, 0], x[:, 1])
    assert coefficient("cohen", from_values(x)) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("seed", range(8))
def test_fleiss_matches_statsmodels(seed):
    x = _random(seed, units=30, coders=3 + seed % 5, values=2 + seed % 4, missing=0.0)
    table, _ = aggregate_raters(x.astype(int))
    assert coefficient("fleiss", from_values(x)) == pytest.approx(sm_fleiss(table), rel=1e-12)


def test_brennan_prediger_matches_statsmodels_uniform():
    x = _random(3, units=30, coders=4, values=4, missing=0.0)
    table, _ = aggregate_raters(x.astype(int), n_cat=6)
    data = from_values(x, categories=[1, 2, 3, 4, 5, 6])
    assert coefficient("brennan-prediger", data) == pytest.approx(sm_fleiss(table, method="unif"))


@pytest.mark.parametrize("seed", range(4))
def test_matches_irrcac_with_missing_values(seed):
    pd = pytest.importorskip("pandas")
    irr = pytest.importorskip("irrCAC.raw")
    x = _random(seed, units=30, coders=3, values=4, missing=0.2)
    cats = [1.0, 2.0, 3.0, 4.0]
    cac = irr.CAC(pd.DataFrame(x), categories=cats)
    data = from_values(x, categories=cats)
    for name, method in [
        ("fleiss", cac.fleiss),
        ("conger", cac.conger),
        ("gwet-ac1", cac.gwet),
        ("brennan-prediger", cac.bp),
    ]:
        assert coefficient(name, data) == pytest.approx(method()["est"]["coefficient_value"], abs=6e-6)


values_table = st.integers(2, 5).flatmap(
    lambda c: st.lists(st.lists(st.integers(1, 4), min_size=c, max_size=c), min_size=3, max_size=25)
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values_table, st.randoms(use_true_random=False))
def test_symmetric_in_coder_order(rows, rnd):
    x = np.array(rows, dtype=float)
    order = list(range(x.shape[1]))
    rnd.shuffle(order)
    for name in COEFFICIENTS:
        if name in ("cohen", "scott") and x.shape[1] != 2:
            continue
        a = coefficient(name, from_values(x))
        b = coefficient(name, from_values(x[:, order]))
        assert (a is None and b is None) or a == pytest.approx(b, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(values_table)
def test_identical_coders_agree_perfectly(rows):
    col = np.array(rows, dtype=float)[:, :1]
    x = np.repeat(col, 3, axis=1)
    data = from_values(x, categories=[1, 2, 3, 4])
    for name in ("percent", "fleiss", "conger", "brennan-prediger", "gwet-ac1", "alpha"):
        value = coefficient(name, data)
        if len(np.unique(col)) == 1 and name in ("fleiss", "conger", "alpha"):
            assert value is None  # one category only: chance agreement is 1, undefined
        else:
            assert value == pytest.approx(1.0)


def test_undefined_is_none_not_a_number():
    x = np.ones((5, 3))
    assert krippendorff_alpha(from_values(x)) is None
    assert coefficient("fleiss", from_values(x)) is None
    assert coefficient("gwet-ac1", from_values(x)) is None  # one category: q - 1 = 0
    assert coefficient("percent", from_values(x)) == 1.0
    lonely = np.array([[1, np.nan], [np.nan, 2]])
    assert krippendorff_alpha(from_values(lonely)) is None  # no pairable values


def _loop_replicates(name, data, stat, n, seed):
    out = []
    for idx in bootstrap.resample_blocks(stat.summaries, n, seed):
        for row in idx:
            v = coefficient(name, data.take(stat.rows[row]))
            out.append(np.nan if v is None else v)
    return np.array(out)


@pytest.mark.parametrize("level", LEVELS)
def test_vectorised_bootstrap_equals_plain_loop_alpha(level):
    data = from_values(_random(1, units=35, coders=3, values=5, missing=0.15), level=level)
    stat = statistic("alpha", data)
    vec = bootstrap.replicates(stat, 200, seed=11)
    loop = _loop_replicates("alpha", data, stat, 200, seed=11)
    np.testing.assert_allclose(vec, loop, rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", [c for c in COEFFICIENTS if c != "alpha"])
def test_vectorised_bootstrap_equals_plain_loop_kappas(name):
    coders = 2 if name in ("cohen", "scott") else 4
    data = from_values(_random(2, units=30, coders=coders, values=3, missing=0.1))
    stat = statistic(name, data)
    vec = bootstrap.replicates(stat, 150, seed=5)
    loop = _loop_replicates(name, data, stat, 150, seed=5)
    np.testing.assert_allclose(vec, loop, rtol=0, atol=1e-12)


def test_blocks_are_reproducible_and_seeded():
    units = np.arange(50, dtype=float)[:, None]  # all rows distinct: drawn unit by unit
    a = np.concatenate(list(bootstrap.resample_blocks(units, 3000, 4)))
    b = np.concatenate(list(bootstrap.resample_blocks(units, 3000, 4)))
    c = np.concatenate(list(bootstrap.resample_blocks(units, 3000, 5)))
    assert a.shape == (3000, 50) and (a == b).all() and not (a == c).all()
    assert a.min() == 0 and a.max() == 49
    assert (np.concatenate(list(bootstrap.resample_blocks(50, 3000, 4))) == a).all()  # a count


@pytest.mark.parametrize("name", ["alpha", "cohen", "gwet-ac1"])
def test_bootstrap_by_group_equals_plain_loop(name):
    """Binary codes on two coders: few distinct unit summaries, so counts are drawn per group."""
    data = from_values(_random(3, units=400, coders=2, values=2, missing=0.05, agree=0.7))
    stat = statistic(name, data)
    assert bootstrap.resampling(stat.summaries).by_group
    vec = bootstrap.replicates(stat, 300, seed=2)
    loop = _loop_replicates(name, data, stat, 300, seed=2)
    np.testing.assert_allclose(vec, loop, rtol=0, atol=1e-12)


def test_resamples_by_group_are_uniform_over_units():
    """Multinomial group counts plus a uniform member give n independent uniform draws of a unit."""
    summaries = (np.arange(600) % 3 == 0).astype(float)[:, None]  # two groups: 200 and 400 units
    assert bootstrap.resampling(summaries).by_group
    idx = np.concatenate(list(bootstrap.resample_blocks(summaries, 2000, 9)))
    assert idx.shape == (2000, 600)
    counts = np.bincount(idx.ravel(), minlength=600)
    assert stats.chisquare(counts).pvalue > 1e-4  # every unit equally likely
    per_group = (summaries[idx, 0] == 1.0).sum(axis=1)  # draws in the 200-unit group
    assert per_group.mean() == pytest.approx(200, abs=1.0)
    assert per_group.std() == pytest.approx(np.sqrt(600 * (1 / 3) * (2 / 3)), rel=0.05)


def test_replicates_do_not_depend_on_threads(monkeypatch):
    data = from_values(_random(5, units=300, coders=3, values=4, missing=0.1))
    stat = statistic("alpha", data)
    monkeypatch.setattr(bootstrap, "_THREADED_WORK", 1 << 60)
    one = bootstrap.replicates(stat, 5000, seed=1)
    monkeypatch.setattr(bootstrap, "_THREADED_WORK", 0)
    many = bootstrap.replicates(stat, 5000, seed=1)
    assert np.array_equal(one, many)


def test_bca_counts_a_replicate_off_by_rounding_as_a_tie():
    reps = np.array([0.2, 0.5, 0.5 + 1e-16, 0.5 - 1e-16, 0.9] * 40)
    jack = [np.linspace(0.4, 0.6, 30)]
    exact = bootstrap.bca_interval(0.5, np.where(np.abs(reps - 0.5) < 1e-9, 0.5, reps), jack)
    assert bootstrap.bca_interval(0.5, reps, jack) == exact
    assert bootstrap.bca_interval(0.5 + 2e-16, reps, jack) == exact


@pytest.mark.parametrize("name", ["alpha", "fleiss", "gwet-ac1", "percent"])
def test_bca_matches_scipy_on_the_same_replicates(name):
    data = from_values(_random(7, units=40, coders=3, values=3, missing=0.1))
    stat = statistic(name, data)
    reps = bootstrap.replicates(stat, 999, seed=3)
    # a replicate equal to the estimate but for rounding (a product against a sum) is a
    # tie for us; scipy compares exactly, so such replicates are handed to both as exact ties
    est = stat.value()
    reps = np.where(np.isclose(reps, est, rtol=1e-12, atol=1e-12), est, reps)
    ours = bootstrap.bca_interval(est, reps, [bootstrap.jackknife(stat)])

    class Previous:
        bootstrap_distribution = reps

    def on_units(i):
        return coefficient(name, data.take(stat.rows[i.astype(int)]))

    ref = stats.bootstrap(
        (np.arange(stat.n_units),),
        on_units,
        n_resamples=0,
        vectorized=False,
        bootstrap_result=Previous,
        method="BCa",
    )
    assert ours.low == pytest.approx(ref.confidence_interval.low, abs=1e-12)
    assert ours.high == pytest.approx(ref.confidence_interval.high, abs=1e-12)


def test_percentile_interval_matches_numpy_quantiles_and_covers_estimate():
    data = from_values(_random(9, units=60, coders=3, values=4, missing=0.1))
    stat = statistic("alpha", data)
    reps = bootstrap.replicates(stat, 2000, seed=1)
    ci = bootstrap.interval(stat, "percentile", 2000, seed=1)
    assert [ci.low, ci.high] == pytest.approx(list(np.quantile(reps, [0.025, 0.975])))
    assert ci.low <= stat.value() <= ci.high
    bca = bootstrap.interval(stat, "bca", 2000, seed=1)
    assert bca.low <= stat.value() <= bca.high


def test_jackknife_equals_leave_one_out():
    data = from_values(_random(4, units=20, coders=3, values=3, missing=0.1), level="ordinal")
    stat = statistic("alpha", data)
    jack = bootstrap.jackknife(stat)
    for i in (0, 7, 19):
        keep = np.delete(stat.rows, i)
        assert jack[i] == pytest.approx(krippendorff_alpha(data.take(keep)), abs=1e-12)


def test_set_distances_follow_passonneau():
    # Passonneau (2006): MASI = 1 - J * M; {a,b} vs {a}: J = 1/2, M = 2/3 -> 2/3.
    # {a,b} vs {b,c}: J = 1/3, M = 1/3 -> 8/9; disjoint -> 1; equal -> 0.
    p = np.array([[1, 1, 0], [1, 0, 0], [0, 1, 1], [0, 0, 1]])
    masi = set_distance_matrix(p, "masi")
    jac = set_distance_matrix(p, "jaccard")
    assert masi[0, 1] == pytest.approx(2 / 3) and jac[0, 1] == pytest.approx(1 / 2)
    assert masi[0, 2] == pytest.approx(8 / 9) and jac[0, 2] == pytest.approx(2 / 3)
    assert masi[1, 3] == 1 and masi[2, 2] == 0


@pytest.mark.parametrize("distance", ["jaccard", "masi"])
def test_set_alpha_with_single_codes_is_nominal_alpha(distance):
    rng = np.random.default_rng(0)
    val = rng.integers(-1, 4, size=(50, 3))
    val[:, 1] = np.where(rng.random(50) < 0.6, val[:, 0], val[:, 1])
    present = np.zeros((50, 3, 4), dtype=bool)
    u, i = np.nonzero(val >= 0)
    present[u, i, val[u, i]] = True
    missing = rng.random((50, 3)) < 0.1
    data = set_data(present, missing, codes=list("abcd"), coders=["x", "y", "z"])
    expected = krippendorff.alpha(
        np.where(missing, np.nan, val).T.astype(float), level_of_measurement="nominal"
    )
    assert set_alpha(data, distance) == pytest.approx(expected)
