"""Co-occurrence tables and crosstabs: counts, measures, pairs of spans, bootstrap differences."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from qcode.cooccurrence import (
    crosstab,
    examples,
    from_incidence,
    incidence_from_pairs,
    pooled,
    proportion_differences,
    span_cooccurrence,
)
from qcode.stats import resample_blocks


@dataclass(frozen=True)
class C:
    coder: str
    doc: str
    start: int
    end: int
    code: str


@settings(max_examples=50, deadline=None)
@given(st.lists(st.lists(st.booleans(), min_size=4, max_size=4), min_size=1, max_size=40))
def test_unit_counts_are_symmetric_and_match_brute_force(rows):
    x = np.array(rows, dtype=bool)
    t = from_incidence(x, list("abcd"))
    assert (t.counts == t.counts.T).all()
    for i in range(4):
        for j in range(4):
            assert t.counts[i, j] == int((x[:, i] & x[:, j]).sum())
    c = t.c_coefficient()
    assert np.allclose(c, c.T, equal_nan=True)
    assert np.allclose(t.jaccard(), c, equal_nan=True)  # in unit mode they coincide


def test_c_coefficient_and_five_fold_flag():
    # n1 = 12, n2 = 2, n12 = 2: c = 2 / (12 + 2 - 2) = 1/6, and 12 > 5 * 2 is flagged.
    x = np.zeros((20, 3), dtype=bool)
    x[:12, 0] = True
    x[:2, 1] = True
    x[5:9, 2] = True
    t = from_incidence(x, ["a", "b", "c"])
    assert t.c_coefficient()[0, 1] == pytest.approx(1 / 6)
    assert t.five_fold()[0, 1] and not t.five_fold()[0, 2]
    rec = next(r for r in t.records() if (r["code1"], r["code2"]) == ("a", "b"))
    assert rec == {
        "coder": None,
        "code1": "a",
        "code2": "b",
        "n1": 12,
        "n2": 2,
        "count": 2,
        "jaccard": pytest.approx(1 / 6),
        "c": pytest.approx(1 / 6),
        "five_fold": True,
    }


def test_incidence_from_pairs_collapses_duplicates():
    x = incidence_from_pairs(np.array([0, 0, 2, 2]), np.array([1, 1, 0, 1]), 3, 2)
    assert x.astype(int).tolist() == [[0, 1], [0, 0], [1, 1]]


def _brute_pairs(codings, codes, gap):
    k = len(codes)
    out = np.zeros((k, k), dtype=int)
    for i, a in enumerate(codings):
        for b in codings[i + 1 :]:
            if a.doc != b.doc:
                continue
            apart = max(a.start, b.start) - min(a.end, b.end)  # < 0 when they overlap
            if (gap < 0 and apart < 0) or (gap >= 0 and apart <= gap):
                ia, ib = codes.index(a.code), codes.index(b.code)
                out[ia, ib] += 1
                out[ib, ia] += 1 if ia != ib else 0
    return out


@pytest.mark.parametrize("gap", [-1, 0, 5])
def test_overlap_and_window_pairs_match_brute_force(gap):
    rng = np.random.default_rng(gap + 2)
    codings = []
    for _ in range(60):
        s = int(rng.integers(0, 200))
        codings.append(
            C("ann", f"d{rng.integers(2)}", s, s + int(rng.integers(1, 20)), "xyz"[rng.integers(3)])
        )
    t = span_cooccurrence(codings, list("xyz"), gap=gap)
    brute = _brute_pairs(codings, list("xyz"), gap)
    off = ~np.eye(3, dtype=bool)
    assert (t.counts[off] == brute[off]).all()
    assert t.frequencies.tolist() == [sum(c.code == k for c in codings) for k in "xyz"]


def test_overlap_jaccard_is_on_characters():
    codings = [C("ann", "d", 0, 10, "a"), C("ann", "d", 5, 20, "b")]
    t = span_cooccurrence(codings, ["a", "b"], lengths={"d": 30})
    assert t.counts[0, 1] == 1
    assert t.jaccard()[0, 1] == pytest.approx(5 / 20)  # 5 shared of 20 covered characters
    assert t.c_coefficient()[0, 1] == pytest.approx(1 / (1 + 1 - 1))


def test_pooled_adds_coder_tables_and_examples_show_passages():
    codings = [
        C("ann", "d", 0, 10, "a"),
        C("ann", "d", 5, 20, "b"),
        C("bob", "d", 12, 18, "a"),
        C("bob", "d", 16, 25, "b"),
    ]
    tables = [
        span_cooccurrence([c for c in codings if c.coder == w], ["a", "b"], coder=w) for w in ("ann", "bob")
    ]
    total = pooled(tables)
    assert total.counts.tolist() == [[2, 2], [2, 2]]
    ex = examples(codings, "a", "b", texts={"d": "0123456789abcdefghijklmnopqrstuvwxyz"})
    assert [(e["coder"], e["start"], e["end"], e["text"]) for e in ex] == [
        ("ann", 0, 20, "0123456789abcdefghij"),
        ("bob", 12, 25, "cdefghijklmno"),
    ]


def test_crosstab_counts_and_proportions():
    x = np.array([[1, 0], [1, 1], [0, 1], [1, 1], [0, 0]], dtype=bool)
    groups = ["home", "home", "nursing", "nursing", None]
    t = crosstab(x, groups, ["a", "b"], attribute="setting")
    assert t.values == ("home", "nursing") and t.n.tolist() == [2, 2]
    assert t.coded.tolist() == [[2, 1], [1, 2]]
    assert t.proportions().tolist() == [[1.0, 0.5], [0.5, 1.0]]


def test_difference_of_proportions_bca_matches_scipy():
    rng = np.random.default_rng(0)
    x = rng.random((60, 2)) < 0.4
    groups = ["home"] * 25 + ["nursing"] * 35
    out = proportion_differences(x, groups, ["a", "b"], attribute="setting", n_replicates=2000, seed=7)
    for c, rec in enumerate(out):
        xa, xb = x[:25, c].astype(float), x[25:, c].astype(float)
        ra = np.concatenate([xa[i].mean(axis=1) for i in resample_blocks(x[:25].astype(float), 2000, [7, 0])])
        rb = np.concatenate([xb[i].mean(axis=1) for i in resample_blocks(x[25:].astype(float), 2000, [7, 1])])

        class Previous:
            bootstrap_distribution = ra - rb

        ref = stats.bootstrap(
            (xa, xb),
            lambda a, b: a.mean() - b.mean(),
            n_resamples=0,
            vectorized=False,
            bootstrap_result=Previous,
            method="BCa",
        )
        assert rec["difference"] == pytest.approx(xa.mean() - xb.mean())
        assert [rec["ci_low"], rec["ci_high"]] == pytest.approx(
            [ref.confidence_interval.low, ref.confidence_interval.high], abs=1e-12
        )
