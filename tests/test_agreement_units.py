"""From codings to reliability data: units, missing documents, minimum overlap, char mode."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from qcode.agreement import krippendorff_alpha
from qcode.agreement.chars import char_agreement, coverage
from qcode.agreement.coded_units import char_windows, coded_units, disagreements
from qcode.errors import InputError


@dataclass(frozen=True)
class FakeCoding:
    """The fields of qcode.codings.Coding that agreement reads."""

    coder: str
    doc: str
    start: int
    end: int
    code: str


C = FakeCoding
SPANS = {"d1": [(0, 10), (10, 20), (20, 30)], "d2": [(0, 5), (5, 12)]}
CODINGS = [
    C("ann", "d1", 2, 8, "x"),
    C("ann", "d1", 5, 15, "x"),  # overlaps her first span: merged into 2-15
    C("bob", "d1", 12, 14, "x"),
    C("bob", "d1", 0, 3, "y"),
    C("ann", "d2", 0, 4, "y"),
]


def test_units_coded_when_spans_overlap():
    cu = coded_units(CODINGS, SPANS, coders=["ann", "bob"], codes=["x", "y"])
    # unit rows: d1/1, d1/2, d1/3, d2/1, d2/2; columns ann, bob
    assert cu.present[:, :, 0].astype(int).tolist() == [[1, 0], [1, 1], [0, 0], [0, 0], [0, 0]]
    assert cu.present[:, :, 1].astype(int).tolist() == [[0, 1], [0, 0], [0, 0], [1, 0], [0, 0]]
    assert cu.units.number.tolist() == [1, 2, 3, 1, 2]


def test_a_document_a_coder_never_coded_is_missing_not_absent():
    cu = coded_units(CODINGS, SPANS, coders=["ann", "bob"], codes=["x", "y"])
    assert cu.missing.tolist() == [[False, False]] * 3 + [[False, True]] * 2
    assert cu.code_data("y").codes[:, 1].tolist() == [1, 0, 0, -1, -1]
    assert cu.missing_cells() == {"bob": ["d2"]}
    explicit = coded_units(
        CODINGS, SPANS, coders=["ann", "bob"], codes=["x"], coded_docs={"ann": ["d1"], "bob": ["d1", "d2"]}
    )
    assert explicit.missing[:, 0].tolist() == [False] * 3 + [True] * 2


def test_minimum_overlap_in_characters_and_share():
    chars = coded_units(CODINGS, SPANS, coders=["ann", "bob"], codes=["x"], min_chars=3)
    assert chars.present[:, 1, 0].tolist() == [False] * 5  # bob's 2 characters in unit 2
    share = coded_units(CODINGS, SPANS, coders=["ann", "bob"], codes=["x"], min_fraction=0.6)
    # ann's merged 2-15 covers 8/10 of unit 1 and 5/10 of unit 2
    assert share.present[:, 0, 0].tolist() == [True, False, False, False, False]
    with pytest.raises(InputError):
        coded_units(CODINGS, SPANS, coders=["ann"], codes=["x"], min_chars=0)


def test_overlap_matches_brute_force_on_random_codings():
    rng = np.random.default_rng(3)
    docs = {f"d{i}": [(s, s + 7) for s in range(0, 70, 7)] for i in range(3)}
    codings = []
    for _ in range(200):
        s = int(rng.integers(0, 65))
        codings.append(
            C(
                f"c{rng.integers(3)}",
                f"d{rng.integers(3)}",
                s,
                s + int(rng.integers(1, 15)),
                "xyz"[rng.integers(3)],
            )
        )
    cu = coded_units(codings, docs, coders=["c0", "c1", "c2"], codes=list("xyz"), min_chars=2)
    for u in range(len(cu.units)):
        doc = cu.units.docs[cu.units.doc[u]]
        a, b = int(cu.units.start[u]), int(cu.units.end[u])
        for i, coder in enumerate(cu.coders):
            for j, code in enumerate(cu.codes):
                covered = np.zeros(b - a, bool)
                for c in codings:
                    if (c.doc, c.coder, c.code) == (doc, coder, code):
                        covered[max(c.start, a) - a : max(min(c.end, b) - a, 0)] = True
                expect = covered.sum() >= 2 and not cu.missing[u, i]
                assert cu.present[u, i, j] == expect


def test_binary_alpha_per_code_uses_only_coded_documents():
    cu = coded_units(CODINGS, SPANS, coders=["ann", "bob"], codes=["x", "y"])
    data = cu.code_data("x")
    # d2 is missing for bob, so only the three units of d1 are pairable
    assert krippendorff_alpha(data) == pytest.approx(1 - (6 - 1) * 2 / (2 * 3 * 3))


def test_disagreements_list_text_and_who_coded_what():
    texts = {"d1": "abcdefghijklmnopqrstuvwxyz0123", "d2": "hello world!"}
    recs = disagreements(
        coded_units(CODINGS, SPANS, coders=["ann", "bob"], codes=["x", "y"]), texts=texts, context=3
    )
    assert [(r["code"], r["doc"], r["unit"]) for r in recs] == [("x", "d1", 1), ("y", "d1", 1)]
    first = recs[0]
    assert first["coded_by"] == ["ann"] and first["not_coded_by"] == ["bob"] and first["missing"] == []
    assert (first["before"], first["text"], first["after"]) == ("", "abcdefghij", "klm")


def test_char_windows():
    assert char_windows(10, 4) == ((0, 4), (4, 8), (8, 10))
    with pytest.raises(InputError):
        char_windows(10, 0)


def test_char_mode_is_cohen_kappa_on_characters():
    rng = np.random.default_rng(1)
    codings = []
    for coder in ("ann", "bob"):
        for _ in range(12):
            s = int(rng.integers(0, 480))
            codings.append(C(coder, "d1", s, s + int(rng.integers(5, 40)), "x"))
    recs = char_agreement(codings, {"d1": 500}, coders=["ann", "bob"], codes=["x"])
    a = coverage([(c.start, c.end) for c in codings if c.coder == "ann"], 500)
    b = coverage([(c.start, c.end) for c in codings if c.coder == "bob"], 500)
    assert recs[0]["doc"] == "d1" and recs[0]["chars"] == 500
    assert recs[0]["kappa"] == pytest.approx(cohen_kappa_score(a, b))
    assert recs[0]["percent"] == pytest.approx((a == b).mean())
    assert recs[-1]["doc"] is None  # pooled over documents


def test_char_mode_leaves_out_uncoded_documents_and_reports_undefined():
    codings = [C("ann", "d1", 0, 5, "x"), C("bob", "d1", 2, 6, "y"), C("ann", "d2", 0, 3, "x")]
    recs = char_agreement(codings, {"d1": 10, "d2": 10}, coders=["ann", "bob"], codes=["x", "y"])
    assert {r["doc"] for r in recs} == {"d1", None}  # bob never coded d2
    none_used = char_agreement(codings, {"d1": 10}, coders=["ann", "bob"], codes=["z"])
    assert none_used[0]["kappa"] is None and none_used[0]["percent"] == 1.0
    with pytest.raises(InputError, match="two coders"):
        char_agreement(codings, {"d1": 10}, coders=["ann"], codes=["x"])
