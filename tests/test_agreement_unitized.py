"""Unitized agreement: Krippendorff's u-alpha (1995/2004) and the 2016 family."""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest

from qcode.agreement.unitized import Segment, family_2016, u_alpha_2004, unitized
from qcode.errors import InputError


def _by(results, coefficient, code=None):
    return next(r for r in results if r.coefficient == coefficient and r.code == code)


# Krippendorff, K. (2004). Content Analysis, 2nd ed., p. 254: a continuum from 150 to 450,
# two observers, categories c and k. Published: for c, D_o = .0144, D_e = .0532 and
# u-alpha = .7286; for k, D_e = .0490 and u-alpha = 1; overall .859.
BOOK_2004 = [
    Segment("i", 225, 295, "c"), Segment("i", 370, 400, "c"),
    Segment("j", 220, 300, "c"), Segment("j", 355, 375, "c"), Segment("j", 400, 420, "c"),
    Segment("i", 180, 240, "k"), Segment("i", 300, 350, "k"),
    Segment("j", 180, 240, "k"), Segment("j", 300, 350, "k"),
]  # fmt: skip


def test_krippendorff_2004_book_example():
    res = u_alpha_2004(BOOK_2004, continuum=(150, 450))
    c, k, overall = _by(res, "u-alpha-2004", "c"), _by(res, "u-alpha-2004", "k"), _by(res, "u-alpha-2004")
    assert c.observed == pytest.approx(0.0144, abs=5e-5)
    assert c.expected == pytest.approx(0.0532, abs=5e-5)
    assert c.value == pytest.approx(0.7286, abs=5e-5)
    assert k.expected == pytest.approx(0.0490, abs=5e-5)
    assert k.value == 1.0
    assert overall.value == pytest.approx(0.859, abs=5e-4)


def test_2004_observed_distances_by_hand():
    # Krippendorff (2004) distance rules: overlapping units (b_g - b_h)^2 + (e_g - e_h)^2; a unit
    # inside the other coder's gap: its length squared. Coder i: [2, 5); coder j: [3, 5) and a
    # unit [7, 9) that lies in i's gap [5, 10). Sum over ordered pairs = 2 * (1 + 0 + 4) = 10;
    # D_o = 10 / (m (m - 1) L^2) = 10 / (2 * 100).
    segs = [Segment("i", 2, 5, "x"), Segment("j", 3, 5, "x"), Segment("j", 7, 9, "x")]
    res = u_alpha_2004(segs, continuum=(0, 10))
    assert _by(res, "u-alpha-2004", "x").observed == pytest.approx(10 / 200)


def test_2016_family_by_hand_one_code():
    # L = 10, coder 1: a = [2, 6), coder 2: a = [3, 6). Elementary stretches (value pairs, length):
    # (empty, empty) 2, (a, empty) 1, (a, a) 3, (empty, empty) 4. With m = 2:
    # u_00 = 2 (2 + 4) = 12, u_aa = 2 * 3 = 6, u_0a = u_a0 = 1; l_0 = 13, l_a = 7, l.. = 20.
    # Self-pair corrections: gaps 2 + 4 + 3 + 4 = 13; units 4^2 + 3^2 = 25; total 38.
    # e_0a = 20 * 13 * 7 / (400 - 38) = 1820 / 362, so u-alpha = 1 - 2 / (2 * 1820 / 362)
    # = 1 - 362 / 1820 = .80110. With one code, |u-alpha is the same; c|u-alpha is undefined.
    segs = [Segment("one", 2, 6, "a"), Segment("two", 3, 6, "a")]
    res = family_2016(segs, continuum=(0, 10))
    assert _by(res, "u-alpha").value == pytest.approx(1 - 362 / 1820)
    assert _by(res, "bar-u-alpha").value == pytest.approx(1 - 362 / 1820)
    assert _by(res, "c-bar-u-alpha").value is None
    assert _by(res, "k-u-alpha", "a").value is None


def test_2016_family_by_hand_two_codes():
    # L = 12, coder 1: a = [0, 4), b = [6, 10); coder 2: a = [0, 4), a = [6, 10).
    # Boundaries agree exactly, so |u-alpha = 1. Coincidences: u_00 = 8, u_aa = 8, u_ab = u_ba = 4;
    # l_0 = 8, l_a = 12, l_b = 4, l.. = 24; corrections: gaps 8, a 48, b 16 (total 72).
    # D_e = 2 * 24 * (8*12 + 8*4 + 12*4) / (576 - 72) = 8448 / 504; D_o = 8;
    # u-alpha = 1 - 8 * 504 / 8448 = .52273.
    # c|u: u* = [[8, 4], [4, 0]], pairable corrections a 48, b 16; e* = [[8, 4], [4, 0]], so
    # c|u-alpha = 1 - 8/8 = 0, and (k)u-alpha = 0 for a and for b.
    segs = [Segment("one", 0, 4, "a"), Segment("one", 6, 10, "b"),
            Segment("two", 0, 4, "a"), Segment("two", 6, 10, "a")]  # fmt: skip
    res = family_2016(segs, continuum=(0, 12), codes=["a", "b"])
    assert _by(res, "u-alpha").value == pytest.approx(1 - 8 * 504 / 8448)
    assert _by(res, "bar-u-alpha").value == pytest.approx(1.0)
    assert _by(res, "c-bar-u-alpha").value == pytest.approx(0.0, abs=1e-12)
    assert _by(res, "k-u-alpha", "a").value == pytest.approx(0.0, abs=1e-12)
    assert _by(res, "k-u-alpha", "b").value == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_2016_u_alpha_on_one_character_units_is_character_alpha(seed):
    # When every unit is one character long, the self-pair correction l^2 equals l, and
    # u-alpha is nominal alpha on characters (gaps as a value); |u-alpha is binary alpha.
    rng = np.random.default_rng(seed)
    m, length = 2 + seed % 3, 80
    v = rng.integers(-1, 3, size=(m, length))
    for i in range(1, m):
        same = rng.random(length) < 0.6
        v[i, same] = v[0, same]
    segs = [
        Segment(f"c{i}", t, t + 1, "abc"[v[i, t]]) for i in range(m) for t in range(length) if v[i, t] >= 0
    ]
    res = family_2016(segs, continuum=(0, length), codes=["a", "b", "c"])
    expected = krippendorff.alpha(v.astype(float), level_of_measurement="nominal")
    binary = krippendorff.alpha((v >= 0).astype(float), level_of_measurement="nominal")
    assert _by(res, "u-alpha").value == pytest.approx(expected)
    assert _by(res, "bar-u-alpha").value == pytest.approx(binary)


def test_identical_unitizations_agree_perfectly_and_coder_order_does_not_matter():
    base = [(3, 9, "a"), (12, 20, "b"), (25, 26, "a")]
    segs = [Segment(c, b, e, k) for c in ("x", "y", "z") for b, e, k in base]
    res = unitized(segs, continuum=(0, 30))
    assert all(r.value == pytest.approx(1.0) for r in res if r.value is not None)
    shaken = [Segment("y", 2, 9, "a"), *segs[3:], Segment("x", 0, 2, "b")] + segs[:3]
    a = unitized(shaken, continuum=(0, 30), coders=["x", "y", "z"])
    b = unitized(shaken, continuum=(0, 30), coders=["z", "x", "y"])
    assert [r.value for r in a] == pytest.approx([r.value for r in b])


def test_2016_family_refuses_overlapping_codes_of_one_coder():
    segs = [Segment("x", 0, 5, "a"), Segment("x", 3, 8, "b"), Segment("y", 0, 5, "a")]
    with pytest.raises(InputError, match="overlapping spans 0-5 \\(a\\) and 3-8 \\(b\\)"):
        family_2016(segs, continuum=(0, 10))
    assert _by(u_alpha_2004(segs, continuum=(0, 10)), "u-alpha-2004").value is not None


def test_segments_outside_the_continuum_are_refused():
    with pytest.raises(InputError, match="outside the continuum 0:5"):
        unitized([Segment("x", 0, 8, "a"), Segment("y", 1, 2, "a")], continuum=(0, 5))
