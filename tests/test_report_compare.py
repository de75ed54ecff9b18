"""Coders side by side (qcode.agreement.compare): disagreements per unit with every coder's
codes and the speaker, the confusion of code pairs, and units where two codes co-occur."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from qcode.agreement.coded_units import coded_units, disagreements
from qcode.agreement.compare import confusion_pairs, cooccurring_units, speaker_at, unit_disagreements


@dataclass(frozen=True)
class FakeCoding:
    coder: str
    doc: str
    start: int
    end: int
    code: str


@dataclass(frozen=True)
class FakeTurn:
    start: int
    end: int
    speaker: str | None


C = FakeCoding
TEXT = "Kari: we plan. Ola: nobody leads. Kari: we wait."
#        0     6       14  20            34   40
SPANS = {"d1": [(6, 14), (20, 33), (40, 48)], "d2": [(0, 5)]}
TURNS = {"d1": [FakeTurn(6, 14, "Kari"), FakeTurn(20, 33, "Ola"), FakeTurn(40, 48, "Kari")]}
CODINGS = [
    C("ann", "d1", 6, 14, "coord"), C("bob", "d1", 6, 14, "coord"),  # unit 1: agree
    C("ann", "d1", 20, 33, "lead"), C("bob", "d1", 20, 33, "auto"),  # unit 2: lead vs auto
    C("ann", "d1", 40, 48, "time"), C("ann", "d1", 40, 48, "coord"),  # unit 3: ann two codes,
    C("bob", "d1", 40, 48, "coord"),                                  # bob one of them
    C("ann", "d2", 0, 5, "lead"),  # d2: bob has not coded it (missing, not a disagreement)
]
CODES = ["coord", "auto", "lead", "time"]


def _coded(coders=("ann", "bob")):
    return coded_units(CODINGS, SPANS, coders=list(coders), codes=CODES)


def test_one_record_per_unit_with_every_coders_codes_and_the_speaker():
    recs = unit_disagreements(_coded(), texts={"d1": TEXT, "d2": "hello"}, turns=TURNS, context=6)
    assert [(r["doc"], r["unit"]) for r in recs] == [("d1", 2), ("d1", 3)]
    second, third = recs
    assert second["codes"] == {"ann": ["lead"], "bob": ["auto"]}
    assert second["differ"] == ["auto", "lead"]  # codebook order
    assert second["speaker"] == "Ola" and second["text"] == "nobody leads."
    assert second["before"] == " Ola: " and second["after"] == " Kari:"
    assert third["codes"] == {"ann": ["coord", "time"], "bob": ["coord"]}
    assert third["differ"] == ["time"] and third["speaker"] == "Kari"


def test_units_match_the_per_code_disagreements():
    cu = _coded()
    per_code = {(r["doc"], r["unit"]) for r in disagreements(cu)}
    per_unit = unit_disagreements(cu)
    assert {(r["doc"], r["unit"]) for r in per_unit} == per_code
    assert sum(len(r["differ"]) for r in per_unit) == len(disagreements(cu))


def test_a_coder_who_has_not_coded_the_document_is_shown_as_missing():
    cu = coded_units(CODINGS + [C("cai", "d2", 0, 5, "time")], SPANS, coders=["ann", "bob", "cai"],
                     codes=CODES)
    recs = {(r["doc"], r["unit"]): r for r in unit_disagreements(cu)}
    assert recs[("d2", 1)]["codes"] == {"ann": ["lead"], "bob": None, "cai": ["time"]}
    assert recs[("d2", 1)]["speaker"] is None  # no turns given


def test_confusion_pairs_count_code_against_code_and_against_nothing_else():
    pairs = confusion_pairs(_coded())
    assert pairs == [
        {"code1": "auto", "code2": "lead", "count": 1},  # unit 2, unordered, codebook order
        {"code1": "time", "code2": None, "count": 1},  # unit 3: bob applied nothing ann lacks
    ]


@given(st.permutations(["ann", "bob", "cai"]))
def test_confusion_pairs_do_not_depend_on_coder_order(order):
    extra = [C("cai", "d1", 20, 33, "lead"), C("cai", "d1", 6, 14, "auto"), C("cai", "d2", 0, 5, "time")]
    cu = coded_units(CODINGS + extra, SPANS, coders=list(order), codes=CODES)
    reference = coded_units(CODINGS + extra, SPANS, coders=["ann", "bob", "cai"], codes=CODES)
    assert confusion_pairs(cu) == confusion_pairs(reference)


def _pairs_by_definition(cu):
    """confusion_pairs as its docstring defines it, one unit and pair of coders at a
    time (the reference for the counting done a pair of coders at a time)."""
    from collections import Counter

    counts = Counter()
    for u in range(len(cu.units)):
        for i in range(len(cu.coders)):
            for j in range(i + 1, len(cu.coders)):
                if cu.missing[u, i] or cu.missing[u, j]:
                    continue
                a = {c for c, x in zip(cu.codes, cu.present[u, i], strict=True) if x}
                b = {c for c, x in zip(cu.codes, cu.present[u, j], strict=True) if x}
                only_a, only_b = a - b, b - a
                if only_a and only_b:
                    counts.update(tuple(sorted((x, y), key=cu.codes.index))
                                  for x in only_a for y in only_b)
                else:
                    counts.update((c, None) for c in only_a | only_b)
    return counts


@given(st.lists(st.tuples(st.sampled_from(["ann", "bob", "cai", "dag"]),
                          st.sampled_from(["d1", "d2"]), st.integers(0, 3),
                          st.sampled_from(CODES)), max_size=40))
def test_confusion_pairs_count_what_the_definition_counts(marks):
    units = {"d1": SPANS["d1"], "d2": SPANS["d2"]}
    codings = [C(coder, doc, *units[doc][k % len(units[doc])], code)
               for coder, doc, k, code in marks]
    cu = coded_units(codings, SPANS, coders=["ann", "bob", "cai", "dag"], codes=CODES)
    got = confusion_pairs(cu)
    assert {(r["code1"], r["code2"]): r["count"] for r in got} == _pairs_by_definition(cu)
    assert [r["count"] for r in got] == sorted((r["count"] for r in got), reverse=True)


def test_unit_disagreements_of_chosen_units_are_those_units_records():
    from qcode.agreement.compare import differing_units

    cu = _coded()
    every = unit_disagreements(cu, texts={"d1": TEXT})
    units = differing_units(cu)
    assert len(units) == len(every) == 2
    assert unit_disagreements(cu, texts={"d1": TEXT}, units=units[1:]) == every[1:]


def test_speaker_at_finds_the_turn_or_none():
    turns = TURNS["d1"]
    assert speaker_at(turns, 6) == "Kari" and speaker_at(turns, 25) == "Ola"
    assert speaker_at(turns, 16) is None  # between turns (a label)
    assert speaker_at(turns, 2) is None and speaker_at((), 5) is None


def test_cooccurring_units_list_where_one_coder_used_both():
    recs = cooccurring_units(_coded(), "coord", "time", texts={"d1": TEXT})
    assert [(r["doc"], r["unit"], r["coders"], r["text"]) for r in recs] == [
        ("d1", 3, ["ann"], "we wait.")]
    assert cooccurring_units(_coded(), "coord", "auto") == []
    assert len(cooccurring_units(_coded(), "coord", "time", limit=0)) == 0
