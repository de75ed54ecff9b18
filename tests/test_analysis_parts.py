"""Analyses a run of documents at a time: the figures of the parts taken together are the
figures of the whole, and what an analysis holds at once does not grow with the project.

The projects are built with the bulk loader: coders code sentences of some documents
(each leaves some out, which are then missing for her), with codes drawn at random.
"""

from __future__ import annotations

import hashlib
import random
import tracemalloc

import numpy as np
import pytest

from qcode import stats
from qcode.agreement.coefficients import statistic
from qcode.agreement.data import ReliabilityData
from qcode.agreement.from_project import (
    PART_CELLS,
    coded,
    coded_parts,
    project_agreement,
    project_cooccurrence,
    project_crosstab,
    scope,
)
from qcode.audit.ops import append_events
from qcode.coding.plan import event_fields
from qcode.corpus.store import Document, write_document
from qcode.project import init_project

CODERS = ("ane", "bo", "cecilie", "dag")
CODES = ("coordination", "autonomy", "leadership", "time-resources", "tasks", "trust")
CODEBOOK = "version: 1\ncodes:\n" + "".join(
    f"  - {{id: {c}, label: {c.title()}, definition: d}}\n" for c in CODES)
WORDS = ("vedtak", "visit", "the nurse", "planned", "time", "with", "her", "list", "again")


def _project(root, n_docs: int, seed: int = 3, codes: tuple[str, ...] = CODES):
    rng = random.Random(seed)
    project = init_project(root, coders=CODERS, codebook_text=CODEBOOK)
    docs = []
    for d in range(n_docs):
        lines, spans, pos = [], [], 0
        for _ in range(30):
            s = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 9))) + "."
            spans.append((pos, pos + len(s)))
            lines.append(s)
            pos += len(s) + 1
        text = "\n".join(lines)
        doc_id = f"d{d:03d}"
        whole = [(0, len(text))]
        meta = {
            "id": doc_id, "source": "test", "format": "txt", "kind": "text", "language": "en",
            "sha256_text": hashlib.sha256(text.encode()).hexdigest(), "words": len(text.split()),
            "attributes": {"team": ("north", "south", "east")[d % 3]} if d % 5 else {},
            "turns": [], "units": {"sentence": spans, "turn": whole, "paragraph": whole},
            "history": []}
        write_document(project.documents_dir, doc_id, text, meta)
        docs.append((Document(doc_id, text, meta), spans))
    for i, coder in enumerate(CODERS):
        mine = [doc for k, doc in enumerate(docs) if (k + i) % 4]  # each leaves a quarter out
        batch = []
        for doc_id, spans in mine:
            for a, b in rng.sample(spans, 12):
                for code in rng.sample(codes, rng.choice((1, 1, 2))):
                    batch.append(event_fields(coder, "apply", doc_id, a, b + rng.choice((0, -3)), code, 1))
        append_events(project, coder, batch)
    return project


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    return _project(tmp_path_factory.mktemp("parts") / "study", 24)


def _same(got, want):
    assert [(r.coefficient, r.code, r.units, r.coders, r.extra) for r in got.results] == \
        [(r.coefficient, r.code, r.units, r.coders, r.extra) for r in want.results]
    for g, w in zip(got.results, want.results, strict=True):
        assert (g.value is None) == (w.value is None), g.coefficient
        if w.value is not None:
            assert g.value == pytest.approx(w.value, rel=1e-12, abs=1e-12), (g.coefficient, g.code)
        assert (g.ci is None) == (w.ci is None)
        if w.ci is not None:
            assert g.ci == pytest.approx(w.ci, rel=1e-9, abs=1e-12), (g.coefficient, g.code)
    assert got.missing == want.missing


COEFFS = ("percent", "alpha", "fleiss", "conger", "brennan-prediger", "gwet-ac1")


@pytest.mark.parametrize(("unit", "cells"), [("sentence", 1), ("sentence", 300), ("window:90", 1),
                                           ("window:90", 500), ("doc", 1), ("doc", 12)])
def test_agreement_of_the_parts_is_the_agreement_of_the_whole(study, unit, cells):
    whole = project_agreement(study, unit=unit, coefficients=COEFFS)
    assert len(list(coded_parts(scope(study, min_coders=2), unit))) == 1  # the default: one part
    parts = list(coded_parts(scope(study, min_coders=2), unit, part_cells=cells))
    assert len(parts) > 2
    _same(project_agreement(study, unit=unit, coefficients=COEFFS, part_cells=cells), whole)
    assert whole.missing  # every coder left documents out
    assert any(r.coefficient == "alpha-masi" and r.value is not None for r in whole.results)


def test_agreement_by_attribute_in_parts(study):
    whole = project_agreement(study, by="team", coefficients=("percent", "alpha"))
    groups = {r.extra["group"]["team"] for r in whole.results}
    assert groups == {"north", "south", "east"}  # documents without a team are in no group
    _same(project_agreement(study, by="team", coefficients=("percent", "alpha"), part_cells=60), whole)


def test_set_alpha_in_parts_with_few_sets(study):
    # two codes: at most four sets, so the summaries are dense
    kw = {"codes": ["coordination", "autonomy"], "coefficients": ("alpha",)}
    _same(project_agreement(study, part_cells=100, **kw), project_agreement(study, **kw))


def test_intervals_of_the_parts_are_those_of_the_whole(study):
    """The parts' statistics are collapsed and drawn by group: the draws of the whole
    when it is drawn by group, which a project of this size is."""
    kw = {"coefficients": ("percent", "alpha"), "ci": "bca", "n_replicates": 400, "seed": 5}
    whole = project_agreement(study, **kw)
    assert all(r.ci is not None for r in whole.results if r.value is not None)
    _same(project_agreement(study, part_cells=150, **kw), whole)


def test_a_collapsed_statistic_draws_the_replicates_of_its_units():
    rng = np.random.default_rng(1)
    cells = rng.integers(-1, 2, size=(3000, 3))
    data = ReliabilityData(cells, (0, 1), ("a", "b", "c"), "nominal", np.array([0.0, 1.0]))
    for name in ("alpha", "percent", "fleiss", "conger"):
        stat = statistic(name, data)
        plan = stats.resampling(stat.summaries)
        assert plan.by_group
        half = stat.summaries.shape[0] // 2
        parts = [stats.collapsed(stat.name, s, stat.finish, stat.n_coders)
                 for s in (stat.summaries[:half], stat.summaries[half:])]
        both = stats.merged(*parts)
        assert both.n_units == stat.n_units
        assert both.summaries.shape[0] < 60  # distinct rows, not units
        assert both.value() == pytest.approx(stat.value(), rel=1e-12)
        np.testing.assert_allclose(stats.replicates(both, 300, 9), stats.replicates(stat, 300, 9),
                                   rtol=1e-12, atol=1e-12)
        want, got = stats.interval(stat, "bca", 300, 9), stats.interval(both, "bca", 300, 9)
        assert (got.low, got.high) == pytest.approx((want.low, want.high), rel=1e-12)
        jack_units = stats.jackknife(stat)
        values, weights = stats.jackknife(both)
        assert stats.acceleration([(values, weights)]) == pytest.approx(
            stats.acceleration([jack_units]), rel=1e-9, abs=1e-15)


def _peak(project, analysis, **kw) -> int:
    """Peak of traced memory of an analysis, beyond the scope it is given (the table of
    codings and the list of documents)."""
    sc = scope(project, min_coders=2)
    tracemalloc.start()
    try:
        if analysis == "agree":
            project_agreement(project, coefficients=("percent", "alpha"), within=sc, **kw)
        else:
            project_cooccurrence(project, within=sc, **kw)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("analysis", ["agree", "cooccur"])
def test_memory_follows_a_part_not_the_project(tmp_path, analysis):
    """Four times the documents: the whole-at-once path holds about three times as much
    (the measure sees growth), the path in parts little more than one part."""
    small, big = _project(tmp_path / "small", 12), _project(tmp_path / "big", 48)
    for p in (small, big):  # warm the index and import everything: only the work is measured
        project_agreement(p, coefficients=("percent", "alpha"), part_cells=300)
        project_cooccurrence(p, part_cells=300)
    whole = 1 << 40
    assert _peak(big, analysis, part_cells=whole) > 2.5 * _peak(small, analysis, part_cells=whole)
    assert _peak(big, analysis, part_cells=300) < 1.4 * _peak(small, analysis, part_cells=300)


def test_the_default_part_holds_millions_of_cells():
    assert PART_CELLS >= 1 << 19  # a project of some thousand units is one part, as before


def test_one_part_is_what_coded_makes(study):
    sc = scope(study, min_coders=2)
    (part,) = coded_parts(sc, "sentence")
    cu = coded(sc, "sentence")
    np.testing.assert_array_equal(part.cells, cu.cells)
    np.testing.assert_array_equal(part.missing, cu.missing)


@pytest.mark.parametrize("unit", ["sentence", "doc"])
def test_cooccurrence_of_the_parts_is_that_of_the_whole(study, unit):
    tables, total, _ = project_cooccurrence(study, unit=unit)
    got_tables, got_total, _ = project_cooccurrence(study, unit=unit, part_cells=1)
    assert [t.coder for t in got_tables] == [t.coder for t in tables] == list(CODERS)
    for g, w in zip([*got_tables, got_total], [*tables, total], strict=True):
        np.testing.assert_array_equal(g.counts, w.counts)
    assert total.counts.sum() > 0


def test_crosstab_of_the_parts_is_that_of_the_whole(study):
    # two codes: at most four distinct rows, so the whole is drawn by group as the parts are
    kw = {"by": "team", "unit": "sentence", "n_replicates": 300, "seed": 2,
          "codes": ["coordination", "autonomy"]}
    table, diffs = project_crosstab(study, **kw)
    got, got_diffs = project_crosstab(study, part_cells=250, **kw)
    assert got.values == table.values == ("east", "north", "south")
    np.testing.assert_array_equal(got.n, table.n)
    np.testing.assert_array_equal(got.coded, table.coded)
    assert len(got_diffs) == len(diffs) == 2 * 3
    for g, w in zip(got_diffs, diffs, strict=True):
        assert g.keys() == w.keys()
        for key, want in w.items():
            assert g[key] == (pytest.approx(want, rel=1e-9, abs=1e-12) if isinstance(want, float) else want)


def test_a_repeated_document_is_one_document(study):
    once = project_agreement(study, coefficients=("percent",), docs=["d000", "d001"])
    twice = project_agreement(study, coefficients=("percent",), docs=["d000", "d001", "d000"],
                              part_cells=1)
    _same(twice, once)


def test_a_group_whose_documents_have_no_unit_is_no_group(tmp_path):
    project = _project(tmp_path / "p", 9)
    text = "A note with no sentence units stored."
    meta = {"id": "empty", "source": "test", "format": "txt", "kind": "text", "language": "en",
            "sha256_text": hashlib.sha256(text.encode()).hexdigest(), "words": 7,
            "attributes": {"team": "west"}, "turns": [],
            "units": {"sentence": [], "turn": [], "paragraph": []}, "history": []}
    write_document(project.documents_dir, "empty", text, meta)
    doc = Document("empty", text, meta)
    for coder in CODERS[:2]:
        append_events(project, coder, [event_fields(coder, "apply", doc, 0, 6, "autonomy", 1)])
    assert "empty" in scope(project).docs
    for cells in (PART_CELLS, 100):
        table, diffs = project_crosstab(project, by="team", unit="sentence", n_replicates=100,
                                        part_cells=cells)
        assert table.values == ("east", "north", "south")
        assert {d["value1"] for d in diffs} | {d["value2"] for d in diffs} == set(table.values)


# ---------------------------------------------------------------- read from the index by runs


def test_the_index_is_read_a_run_of_documents_at_a_time(study, monkeypatch):
    """Each log's table was loaded whole and the tables stacked (40 bytes a coding, the
    project's every coding held at once); the index's tables are now read a run of
    documents at a time, and give what the whole table gives."""
    from qcode.index import StoredCodings

    sc = scope(study, min_coders=2)
    assert isinstance(sc.table, StoredCodings)
    total = len(sc.table.whole())
    read: list[int] = []
    real = StoredCodings._read

    def counted(self, t, runs):
        rows = real(self, t, runs)
        read.append(len(rows))
        return rows

    monkeypatch.setattr(StoredCodings, "_read", counted)
    got = project_agreement(study, coefficients=COEFFS, within=sc, part_cells=300)
    assert read and max(read) < total / 4  # never more than a run of one log's table
    monkeypatch.setenv("QCODE_INDEX", "0")  # the table held whole, from a full replay
    held = scope(study, min_coders=2)
    assert not isinstance(held.table, StoredCodings)
    _same(got, project_agreement(study, coefficients=COEFFS, within=held))
    tables, pooled_, _ = project_cooccurrence(study, within=held)
    monkeypatch.delenv("QCODE_INDEX")
    got_tables, got_pooled, _ = project_cooccurrence(study, part_cells=300)
    for g, w in zip([*got_tables, got_pooled], [*tables, pooled_], strict=True):
        np.testing.assert_array_equal(g.counts, w.counts)


@pytest.mark.parametrize("rows", [1, 40, 200])
def test_a_densely_coded_run_is_cut_by_its_codings(study, monkeypatch, rows):
    """A part was bounded by units x coders only, so a run of densely coded documents held
    140,000 codings at once on a big project; it is now cut by codings too."""
    from qcode.agreement import from_project

    whole = project_agreement(study, coefficients=COEFFS)
    sc = scope(study, min_coders=2)
    sizes = [len(np.unique(cu.units.doc)) for cu in coded_parts(sc, "sentence", part_rows=rows)]
    assert len(sizes) > 1 and sum(sizes) == len(sc.docs)
    monkeypatch.setattr(from_project, "PART_ROWS", rows)
    _same(project_agreement(study, coefficients=COEFFS), whole)
    kw = {"by": "team", "unit": "sentence", "n_replicates": 200, "seed": 2,
          "codes": ["coordination", "autonomy"]}
    table, _ = project_crosstab(study, **kw)
    monkeypatch.setattr(from_project, "PART_ROWS", 1 << 40)
    want, _ = project_crosstab(study, **kw)
    np.testing.assert_array_equal(table.coded, want.coded)


def test_an_index_lost_part_way_is_said_and_dropped(tmp_path):
    """An index that cannot be read once an analysis has begun cannot be counted from
    elsewhere: one line that says so, the index dropped, and the next run is whole."""
    from qcode.errors import QcodeError
    from qcode.index import IndexReadError

    project = _project(tmp_path / "p", 6)
    want = project_agreement(project, coefficients=("alpha",))
    sc = scope(project, min_coders=2)
    sc.table._index.close()  # what a failing disk does to the reads that follow
    with pytest.raises(IndexReadError, match="could not be read part-way through") as raised:
        project_agreement(project, coefficients=("alpha",), within=sc)
    assert isinstance(raised.value, QcodeError) and raised.value.exit_code == 2
    assert not (project.cache_dir / "index.sqlite").exists()
    _same(project_agreement(project, coefficients=("alpha",)), want)


@pytest.mark.parametrize("unit", ["sentence", "doc"])
def test_disagreements_in_parts_are_those_of_the_whole(study, unit, monkeypatch):
    """`agree --disagreements` held every unit of the project, and every document's text,
    at once; it now goes a run of documents at a time and lists the same units in the
    same order."""
    from qcode.agreement import from_project
    from qcode.agreement.from_project import project_disagreements

    def listed(**kw):
        records, missing = project_disagreements(study, unit=unit, **kw)
        assert len(records) == len(list(records))
        return list(records), missing

    records, missing = listed()
    assert records and missing  # units that differ, and coders who left documents out
    monkeypatch.setattr(from_project, "PART_ROWS", 1 << 40)
    whole = listed(part_cells=1 << 40)
    assert (records, missing) == whole
    assert listed(part_cells=1) == whole
    monkeypatch.setattr(from_project, "PART_ROWS", 30)
    assert listed() == whole
    # and those of the pure function on the whole scope's coded units, held at once
    from qcode.agreement.coded_units import disagreements
    from qcode.agreement.from_project import coded, scope

    sc = scope(study, min_coders=2)
    texts = {d: sc.documents[d].text for d in sc.docs}
    assert whole[0] == disagreements(coded(sc, unit), texts=texts)


def test_disagreements_are_kept_on_disk_in_the_project_or_else_in_memory(study, tmp_path,
                                                                         monkeypatch):
    """Half a million disagreements held as records took 906 MB: they go to an unnamed
    file in the project's .qcode/ (project text never leaves the project), and stay in
    memory only where that file cannot be made; the listing is the same either way."""
    import tempfile

    from qcode.agreement.from_project import project_disagreements

    made = []
    real = tempfile.TemporaryFile

    def spy(*args, **kwargs):
        made.append(kwargs.get("dir"))
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile, "TemporaryFile", spy)
    on_disk, missing = project_disagreements(study, part_cells=1)
    assert made == [study.cache_dir] and on_disk._held is None
    want = list(on_disk)

    def refuse(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile, "TemporaryFile", refuse)
    held, again = project_disagreements(study, part_cells=1)
    assert held._held is not None and (list(held), again) == (want, missing)

    class FillsUp:
        """A file on a disk that fills after the first stretch is written."""

        def __init__(self, *args, **kwargs):
            self.file, self.writes = real(*args, **kwargs), 0

        def write(self, data):
            self.writes += 1
            if self.writes > 1:
                raise OSError(28, "No space left on device")
            return self.file.write(data)

        def __getattr__(self, name):
            return getattr(self.file, name)

    monkeypatch.setattr(tempfile, "TemporaryFile", FillsUp)
    with project_disagreements(study, part_cells=1)[0] as filled:
        assert filled._held is not None and filled._file is None  # moved to memory
        assert list(filled) == want


def _set_interval_parts(monkeypatch, study, **kw):
    """agree's set alpha with an interval, in parts, and what its code sets were kept as."""
    from qcode.agreement import from_project, sets

    kept: list = []
    real = sets.SetPatterns.statistic

    def seen(self, *args, **kwargs):
        kept.append((len(self.patterns), self.units, self.cells is not None))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(sets.SetPatterns, "statistic", seen)
    got = from_project.project_agreement(study, part_cells=150, **kw)
    monkeypatch.undo()
    return got, kept[0]


def test_code_sets_with_an_interval_are_kept_as_their_patterns(study, monkeypatch):
    """With --ci every pairable unit's sets were kept as (unit, set, coders) triples
    (about 60 bytes a unit, the largest thing `agree --ci` held on a big project); few
    codes give few patterns, kept collapsed, and the interval is the whole's."""
    kw = {"codes": ["coordination", "autonomy"], "coefficients": ("alpha",), "ci": "bca",
          "n_replicates": 400, "seed": 5}
    got, (patterns, units, as_cells) = _set_interval_parts(monkeypatch, study, **kw)
    assert not as_cells and patterns * 16 <= units  # collapsed: drawn by group
    _same(got, project_agreement(study, **kw))


def test_many_patterns_keep_the_units_cells(study, monkeypatch):
    """Too many patterns to draw by group, or to keep at all: the units' cells in their
    order, the statistic (and its draws unit by unit) exactly the whole's."""
    from qcode.agreement import sets

    kw = {"coefficients": ("alpha",), "ci": "percentile", "n_replicates": 300, "seed": 3}
    whole = project_agreement(study, **kw)
    got, (patterns, units, as_cells) = _set_interval_parts(monkeypatch, study, **kw)
    assert patterns * 16 > units and not as_cells
    _same(got, whole)
    monkeypatch.setattr(sets, "_MAX_PATTERNS", 5)
    got, (_, _, as_cells) = _set_interval_parts(monkeypatch, study, **kw)
    assert as_cells
    _same(got, whole)


def test_a_run_no_two_coders_share_is_no_crash_with_an_interval(tmp_path):
    """A run of documents coded by one coder only (the rest of a corpus around a
    double-coded subsample) has no pairable unit; with --ci the code sets' patterns
    broke on it."""
    project = _project(tmp_path / "p", 8)
    text = "One coder alone read this note. It stays hers."
    meta = {"id": "zz-solo", "source": "test", "format": "txt", "kind": "text",
            "language": "en", "sha256_text": hashlib.sha256(text.encode()).hexdigest(),
            "words": 9, "attributes": {}, "turns": [],
            "units": {"sentence": [(0, 31), (32, 46)], "turn": [(0, 46)],
                      "paragraph": [(0, 46)]}, "history": []}
    write_document(project.documents_dir, "zz-solo", text, meta)
    doc = Document("zz-solo", text, meta)
    append_events(project, "ane", [event_fields("ane", "apply", doc, 0, 31, "trust", 1)])
    kw = {"coefficients": ("alpha",), "ci": "percentile", "n_replicates": 200, "seed": 4}
    whole = project_agreement(project, **kw)
    _same(project_agreement(project, part_cells=1, **kw), whole)
