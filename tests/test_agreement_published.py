"""Agreement coefficients reproduce published worked examples (to 3 decimals or better)."""

from __future__ import annotations

import numpy as np
import pytest

from qcode.agreement import (
    brennan_prediger,
    cohen_kappa,
    coincidences,
    conger_kappa,
    fleiss_kappa,
    from_values,
    gwet_ac1,
    krippendorff_alpha,
    percent_agreement,
    scott_pi,
)

nan = np.nan

# Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability. Section C:
# 4 observers x 12 units, values 1-5, with missing values. Published results:
# nominal .743, ordinal .815, interval .849, ratio .797.
KRIPPENDORFF_2011 = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
        [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
    ]
).T  # units x coders


@pytest.mark.parametrize(
    ("level", "expected"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_krippendorff_2011_reliability_data(level, expected):
    value = krippendorff_alpha(from_values(KRIPPENDORFF_2011, level=level))
    assert value == pytest.approx(expected, abs=5e-4)


def test_krippendorff_2011_coincidence_matrix():
    # Same source: the coincidence matrix's margins n_c = 9, 13, 10, 5, 3 (n = 40 pairable values)
    # and its first row o_1k = 7, 4/3, 1/3, 1/3, 0.
    o = coincidences(from_values(KRIPPENDORFF_2011).counts())
    assert o.sum(axis=1) == pytest.approx([9, 13, 10, 5, 3])
    assert o[0] == pytest.approx([7, 4 / 3, 1 / 3, 1 / 3, 0])


# Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters. Psychological
# Bulletin 76(5), 378-382. 30 patients, 6 psychiatrists, 5 diagnoses (the raw ratings as
# distributed with R's irr package, `diagnoses`); published kappa = .430.
FLEISS_1971 = np.array(
    [
        [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
        [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
        [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
        [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
        [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
        [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
        [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
        [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
    ]
)  # fmt: skip


def test_fleiss_1971():
    assert fleiss_kappa(from_values(FLEISS_1971)) == pytest.approx(0.430, abs=5e-4)


def _from_counts(table: list[list[int]]) -> np.ndarray:
    """Units x raters data reproducing a subjects x categories count table."""
    rows = [np.repeat(np.arange(len(r)), r) for r in table]
    return np.array(rows, dtype=float)


def test_fleiss_kappa_wikipedia_example():
    # The worked example of the Wikipedia article "Fleiss' kappa": 10 subjects, 14 raters,
    # 5 categories; P-bar = .378, P_e = .213, kappa = .210.
    table = [
        [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
    ]  # fmt: skip
    data = from_values(_from_counts(table))
    assert percent_agreement(data) == pytest.approx(0.378, abs=5e-4)
    assert fleiss_kappa(data) == pytest.approx(0.210, abs=5e-4)


def _pairs(table: list[list[int]]) -> np.ndarray:
    """Two-coder data from a contingency table (rows: coder 1, columns: coder 2)."""
    cells = [(i, j) for i, row in enumerate(table) for j, n in enumerate(row) for _ in range(n)]
    return np.array(cells, dtype=float)


def test_cohen_1960():
    # Cohen, J. (1960). A coefficient of agreement for nominal scales. Educational and
    # Psychological Measurement 20(1), 37-46: published p_o = .70, p_c = .41, kappa = .49. The
    # cells (proportions .44 .07 .09 / .05 .20 .05 / .01 .03 .06 of 200, margins .60 .30 .10 and
    # .50 .30 .20) reproduce those three published figures.
    data = from_values(_pairs([[88, 14, 18], [10, 40, 10], [2, 6, 12]]))
    assert percent_agreement(data) == pytest.approx(0.70)
    assert cohen_kappa(data) == pytest.approx(0.29 / 0.59)  # .4915...
    assert round(cohen_kappa(data), 2) == 0.49


def test_scott_pi_on_krippendorff_two_observer_data():
    # Krippendorff (2011), section B (nominal data, two observers, no missing data):
    # A: a a b b d c c c e d d a;  B: b a b b b c c c e d d d. Published alpha = .692.
    # Scott's (1955) pi on the same data: p_o = 9/12 and, from the pooled margins
    # (a 4, b 6, c 6, d 6, e 2 of 24), p_e = 128/576, so pi = (.75 - .2222) / .7778 = .679.
    a = list("aabbdcccedda")
    b = list("babbbccceddd")
    data = from_values(np.array([a, b], dtype=object).T)
    assert krippendorff_alpha(data) == pytest.approx(0.692, abs=5e-4)
    assert scott_pi(data) == pytest.approx((0.75 - 128 / 576) / (1 - 128 / 576))
    assert scott_pi(data) == pytest.approx(0.679, abs=5e-4)


# Gwet, K. L. (2014). Handbook of Inter-Rater Reliability, 4th ed. The 4 raters x 12 units
# data set (Krippendorff's example above, with the raters as columns) and Gwet's published
# results, as also printed in the irrCAC documentation: percent agreement .81818, Fleiss' kappa
# .76117, Gwet's AC1 .77544, Brennan-Prediger .77273 (q = 5), Krippendorff's alpha .74342.


def test_gwet_2014_four_raters():
    data = from_values(KRIPPENDORFF_2011)
    assert percent_agreement(data) == pytest.approx(0.81818, abs=5e-6)
    assert fleiss_kappa(data) == pytest.approx(0.76117, abs=5e-6)
    assert gwet_ac1(data) == pytest.approx(0.77544, abs=5e-6)
    assert brennan_prediger(data) == pytest.approx(0.77273, abs=5e-6)
    assert krippendorff_alpha(data) == pytest.approx(0.74342, abs=5e-6)


def test_conger_two_coders_is_cohen_and_many_coders_averages_pairs():
    # Conger (1980): p_e averages Cohen's chance agreement over the coder pairs; with complete
    # data and two coders it is Cohen's kappa.
    data = from_values(_pairs([[88, 14, 18], [10, 40, 10], [2, 6, 12]]))
    assert conger_kappa(data) == pytest.approx(cohen_kappa(data))
    three = from_values(FLEISS_1971[:, :3])
    p = [np.bincount(FLEISS_1971[:, g] - 1, minlength=5) / 30 for g in range(3)]
    p_e = np.mean([p[0] @ p[1], p[0] @ p[2], p[1] @ p[2]])
    counts = three.counts()
    p_a = ((counts * (counts - 1)).sum(axis=1) / 6).mean()
    assert conger_kappa(three) == pytest.approx((p_a - p_e) / (1 - p_e))


def test_brennan_prediger_uses_declared_categories():
    # Brennan & Prediger (1981): p_e = 1/q. Two coders agree on 8 of 10 units using only
    # categories 1 and 2: with q = 2, kappa = (.8 - .5)/.5 = .6; with q = 4 declared,
    # (.8 - .25)/.75 = .733.
    x = np.array([[1, 1]] * 4 + [[2, 2]] * 4 + [[1, 2], [2, 1]], dtype=float)
    assert brennan_prediger(from_values(x)) == pytest.approx(0.6)
    assert brennan_prediger(from_values(x, categories=[1, 2, 3, 4])) == pytest.approx(0.55 / 0.75)


def test_gwet_ac1_two_raters_two_categories():
    # Gwet (2008), Computing inter-rater reliability and its variance in the presence of high
    # agreement: for two raters and two categories p_e = 2 pi (1 - pi). A high-agreement table
    # of the kind the paper discusses (worked here by hand, not copied from it): 118 (+,+),
    # 5 (+,-), 2 (-,+), 0 (-,-); p_a = 118/125, pi = (123/125 + 120/125)/2, so AC1 = .941 while
    # Cohen's kappa is -.023 (the "kappa paradox").
    data = from_values(_pairs([[118, 5], [2, 0]]))
    pi = (123 / 125 + 120 / 125) / 2
    p_e = 2 * pi * (1 - pi)
    assert gwet_ac1(data) == pytest.approx((118 / 125 - p_e) / (1 - p_e))
    assert gwet_ac1(data) == pytest.approx(0.941, abs=5e-4)
    assert cohen_kappa(data) == pytest.approx(-0.023, abs=5e-4)
