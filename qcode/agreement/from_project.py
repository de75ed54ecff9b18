"""Agreement, co-occurrence and crosstabs on a project's replayed codings.

These functions gather the codings (:func:`qcode.codings.replay`), the
documents (:func:`qcode.corpus.load_document`) and the codebook order, then call
the pure functions of this package and :mod:`qcode.cooccurrence`.
"""

from __future__ import annotations

import itertools
import os
import pickle
import tempfile
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .. import stats
from ..codebook import load_codebook
from ..columns import CODE, CODER, DOC, CodingTable
from ..cooccurrence import (
    Cooccurrence,
    Crosstab,
    differences_of,
    incidence_counts,
    pooled,
    span_cooccurrence,
)
from ..corpus import list_documents, load_document
from ..errors import InputError
from ..hints import did_you_mean
from ..index import StoredCodings, coding_source, replay
from ..project import UNIT_KINDS, Project
from .chars import char_agreement
from .coded_units import CodedUnits, char_windows, coded_units, disagreements
from .coefficients import COEFFICIENTS, TWO_CODER_ONLY, statistic
from .results import Agreement, evaluate
from .sets import SetPatterns, SetTotals, coded_set_data, set_alpha_statistic
from .unitized import FAMILY_2016, Segment, family_2016, u_alpha_2004


@dataclass(frozen=True, slots=True)
class Scope:
    """What an analysis covers: codings of the chosen coders, codes and documents, as a
    table (``table``) and, when asked for, as records (``codings``; None otherwise)."""

    codings: tuple[Any, ...] | None
    coders: tuple[str, ...]
    codes: tuple[str, ...]
    docs: tuple[str, ...]
    documents: Mapping[str, Any] = field(repr=False)
    table: CodingTable | StoredCodings = field(repr=False)  # stored: read a run at a time

    @property
    def records(self) -> tuple[Any, ...]:
        """The codings as records: only for a scope gathered with ``records=True``."""
        if self.codings is None:
            raise TypeError("this scope was gathered without records (scope(records=True))")
        return self.codings


@dataclass(frozen=True, slots=True)
class AgreementReport:
    results: tuple[Agreement, ...]
    missing: dict[str, list[str]]  # coder -> documents she has not coded (left out as missing)
    unit: str


def scope(project: Project, *, coders: Sequence[str] | None = None, codes: Sequence[str] | None = None,
          docs: Sequence[str] | None = None, min_coders: int = 1, records: bool = False) -> Scope:
    """Replay the logs and pick coders (default: all who coded), codes (codebook order) and
    docs. The codings come as a table, from the index when it can give one (no record per
    coding is made); ``records``: as records too, for analyses that need them."""
    known = set(list_documents(project))
    unknown = [d for d in docs or () if d not in known]
    if unknown:
        raise InputError(f"No document {unknown[0]!r} in this project; see `qcode docs`.")
    # Named coders: only their codings are read (the index answers by coder); the whole
    # replay only to name who has codings when one of them has none. A coder named twice
    # is one coder (counted twice, she agreed with herself).
    coders = tuple(dict.fromkeys(coders)) if coders else None
    named = list(coders) if coders else None
    table: CodingTable | StoredCodings | None = None if records \
        else coding_source(project, coders=named)
    held: tuple[Any, ...] | None = None
    if table is None:
        held = replay(project, coders=named).codings
        table = CodingTable.of(held)
    with_codings = table.present(CODER)
    if coders:
        idle = [c for c in coders if c not in with_codings]
        if idle:
            everyone = {c.coder for c in replay(project).codings}
            raise InputError(
                f"Coder {idle[0]!r} has no codings in this project; coders with codings: "
                f"{', '.join(sorted(everyone)) or 'none'}"
                f"{did_you_mean(idle[0], sorted(everyone)) or '.'}"
            )
    coders = tuple(coders) if coders else tuple(sorted(with_codings))
    if len(coders) < min_coders:
        raise InputError(
            f"Found {len(coders)} coder(s) with codings; "
            f"{'agreement' if min_coders > 1 else 'this report'} needs at least {min_coders}. "
            "Name them with --coder, or code the documents first."
        )
    table = table.only(coders=coders, docs=docs or None)
    mine = None if held is None else tuple(
        c for c in held if c.coder in coders and (not docs or c.doc in docs))
    codebook = load_codebook(project.codebook_path)
    if codes:
        codes = tuple(codebook.require(c).id for c in codes)
    else:
        used = table.present(CODE)
        codes = tuple(c for c in codebook.ids if c in used) + tuple(sorted(used - set(codebook.ids)))
    doc_ids = tuple(dict.fromkeys(docs)) if docs else tuple(sorted(table.present(DOC)))
    return Scope(mine, coders, codes, doc_ids, Documents(project, doc_ids), table)


class Documents(Mapping[str, Any]):
    """The scope's documents, read when asked for and the last few kept: an analysis goes
    through them in order, so it holds a few documents at a time, not all of them."""

    KEEP = 8

    def __init__(self, project: Project, ids: Sequence[str]) -> None:
        self._project, self._ids = project, tuple(ids)
        self._known = frozenset(self._ids)
        self._kept: OrderedDict[str, Any] = OrderedDict()

    def __getitem__(self, doc_id: str) -> Any:
        if doc_id not in self._known:
            raise KeyError(doc_id)
        if doc_id in self._kept:
            self._kept.move_to_end(doc_id)
            return self._kept[doc_id]
        document = self._kept[doc_id] = load_document(self._project, doc_id)
        if len(self._kept) > self.KEEP:
            self._kept.popitem(last=False)
        return document

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)


def unit_spans(sc: Scope, unit: str) -> dict[str, tuple[tuple[int, int], ...]]:
    """Units per document: a kind, ``doc`` (whole documents) or ``window:N`` (N characters)."""
    check_unit(unit)
    return {d: doc_units(sc, d, unit) for d in sc.docs}


def check_unit(unit: str) -> None:
    """Refuse a unit that is not a kind, ``doc`` or ``window:N``."""
    if unit == "doc" or unit in UNIT_KINDS:
        return
    if unit.startswith("window:"):
        try:
            int(unit.partition(":")[2])
        except ValueError:
            raise InputError(f"--unit {unit!r}: write window:N with N a number of characters.") from None
        return
    raise InputError(f"Unknown unit {unit!r}; use {', '.join(UNIT_KINDS)}, doc or window:N.")


def doc_units(sc: Scope, doc: str, unit: str) -> tuple[tuple[int, int], ...]:
    """One document's units (``unit`` checked by :func:`check_unit`)."""
    document = sc.documents[doc]
    if unit == "doc":
        return ((0, len(document.text)),)
    if unit.startswith("window:"):
        return char_windows(len(document.text), int(unit.partition(":")[2]))
    return tuple(document.units(unit))


def coded(sc: Scope, unit: str, *, min_chars: int = 1, min_fraction: float = 0.0) -> CodedUnits:
    """The coded units of the whole scope at once (an analysis that needs them all)."""
    return coded_units(
        sc.table if isinstance(sc.table, CodingTable) else sc.table.rows_of(sc.docs),
        unit_spans(sc, unit),
        coders=sc.coders,
        codes=sc.codes,
        min_chars=min_chars,
        min_fraction=min_fraction,
    )


PART_CELLS = 1 << 19  # units x coders of one part of an analysis (half a million cells)
PART_ROWS = 1 << 16  # codings of one part (a run of densely coded documents is cut shorter)


def coded_parts(sc: Scope, unit: str, *, docs: Sequence[str] | None = None, min_chars: int = 1,
                min_fraction: float = 0.0, part_cells: int = PART_CELLS,
                part_rows: int | None = None) -> Iterator[CodedUnits]:
    """The coded units of the scope's documents (or of ``docs``, in that order), a run of
    documents at a time: as many documents as hold ``part_cells`` units x coders and
    ``part_rows`` codings, one at least. An analysis that adds up what each part gives
    holds one part's units and codings at a time, however big the project; a scope within
    both bounds is one part, what :func:`coded` makes. A coder's documents, and so what
    is missing, are per document: the parts give the cells of the whole."""
    check_unit(unit)
    docs = sc.docs if docs is None else tuple(docs)
    part_rows = PART_ROWS if part_rows is None else part_rows
    if len(sc.codes) > 63:  # code sets are kept part by part as 63-bit integers
        part_cells = part_rows = 1 << 62
    n = max(len(sc.coders), 1)
    pending: dict[str, tuple[tuple[int, int], ...]] = {}
    first = cells = rows = 0
    rows_of, counts = _runs_of(sc.table, docs)

    def part(last: int) -> CodedUnits:
        return coded_units(rows_of(first, last), pending, coders=sc.coders, codes=sc.codes,
                           min_chars=min_chars, min_fraction=min_fraction)

    made = False
    for i, d in enumerate(docs):
        spans = doc_units(sc, d, unit)
        if pending and (cells + len(spans) * n > part_cells or rows + counts[i] > part_rows):
            yield part(i)
            made, pending, first, cells, rows = True, {}, i, 0, 0
        pending[d] = spans
        cells += len(spans) * n
        rows += counts[i]
    if pending or not made:
        yield part(len(docs))


def _runs_of(table: CodingTable | StoredCodings, docs: Sequence[str]
             ) -> tuple[Callable[[int, int], CodingTable], Sequence[int]]:
    """For a run ``docs[first:last]``, the table of its rows: read from the index's
    stored tables, or taken from a table held whole (sorted by document once); and how
    many codings each document has (of a stored source: at most that many)."""
    if isinstance(table, StoredCodings):
        return (lambda first, last: table.rows_of(docs[first:last])), table.counts(docs)
    where = table.positions(DOC, docs)[table.rows[:, DOC]]
    order = np.argsort(where, kind="stable")
    bounds = np.searchsorted(where, np.arange(len(docs) + 1), sorter=order)
    del where
    return (lambda first, last: CodingTable(table.docs, table.coders, table.codes,
                                            table.rows[order[bounds[first]:bounds[last]]]),
            np.diff(bounds).tolist())


def agreement_rows(
    parts: CodedUnits | Iterable[CodedUnits],
    coefficients: Sequence[str],
    *,
    set_distance: str = "masi",
    ci: str | None = None,
    n_replicates: int = stats.DEFAULT_REPLICATES,
    seed: int | None = 0,
    extra: dict[str, Any] | None = None,
    missing: dict[str, list[str]] | None = None,
) -> list[Agreement]:
    """Per code, then overall: the pooled per-code figure and alpha over code sets.

    ``parts``: coded units, or the parts of :func:`coded_parts`. Of several parts, each
    code's statistic is kept collapsed to its distinct summary rows and merged part by
    part (:func:`qcode.stats.merged`), and the code sets added up (:class:`SetTotals`) or,
    for an interval, kept as their distinct patterns (:class:`SetPatterns`); the
    figures are those of the parts' units taken together. ``missing``: filled with the
    documents each coder has not coded."""
    names = [c for c in coefficients if c in COEFFICIENTS]
    whole: CodedUnits | None = None
    per_code: list[list[stats.Statistic]] = []
    sets = SetPatterns.empty()  # with an interval, code sets are kept as their patterns
    totals = SetTotals(set_distance)  # without an interval, code sets are only added up
    n_units = 0
    codes: tuple[str, ...] = ()
    coders: tuple[str, ...] = ()
    for i, cu in enumerate([parts] if isinstance(parts, CodedUnits) else parts):
        if i == 0:
            _two_coders(names, cu)
        codes, coders = cu.codes, cu.coders
        if missing is not None:
            for coder, docs in cu.missing_cells().items():
                missing.setdefault(coder, []).extend(docs)
        part = [[statistic(n, cu.code_data(code)) for n in names] for code in cu.codes]
        if i == 0:  # kept as it is: one part is computed as a whole
            per_code, whole = part, cu
            continue
        if whole is not None:  # a second part: the first one's code sets are kept too
            _keep_sets(whole, ci, sets, totals)
            n_units, whole = len(whole.units), None
        per_code = [[stats.merged(a, b) for a, b in zip(mine, theirs, strict=True)]
                    for mine, theirs in zip(per_code, part, strict=True)]
        _keep_sets(cu, ci, sets, totals)
        n_units += len(cu.units)
    if whole is not None:
        n_units = len(whole.units)
    kw: dict[str, Any] = {"ci": ci, "n_replicates": n_replicates, "seed": seed, "extra": extra}
    out = [evaluate(stat, code=code, **kw) for code, row in zip(codes, per_code, strict=True)
           for stat in row]
    if codes:
        out += [evaluate(pooled_statistic([s[k] for s in per_code], n_units), **kw)
                for k in range(len(names))]
        if whole is not None:
            out.append(evaluate(set_alpha_statistic(coded_set_data(whole), set_distance), **kw))
        elif ci is None:
            out.append(evaluate(totals.statistic(codes, len(coders)), **kw))
        else:
            out.append(evaluate(sets.statistic(codes, len(coders), set_distance), **kw))
    return out


def _keep_sets(cu: CodedUnits, ci: str | None, sets: SetPatterns, totals: SetTotals) -> None:
    """A part's code sets: added up, or kept as patterns for an interval's resampling."""
    if ci is None:
        totals.add(cu)
    else:
        sets.add(cu)


def _two_coders(names: Sequence[str], cu: CodedUnits) -> None:
    if len(cu.coders) != 2:
        skipped = [c for c in names if c in TWO_CODER_ONLY]
        if skipped:
            raise InputError(
                f"{skipped[0]} is for two coders and {len(cu.coders)} are compared; "
                "use conger or fleiss, or pick two coders with --coder."
            )


def pooled_statistic(per_code: Sequence[stats.Statistic], n_units: int) -> stats.Statistic:
    """The coefficient of all codes' binary tables stacked (one unit per (unit, code)),
    from the codes' own statistics: every coefficient here sums per-unit summaries and
    the binary tables share their categories, so stacking the summaries is the statistic
    of the stacked table (a test checks it for each coefficient), without the stacked
    table itself (codes x units x coders cells). Collapsed statistics stay collapsed."""
    first = per_code[0]
    if first.weights is not None:
        return stats.collapsed(first.name, np.concatenate([s.summaries for s in per_code]),
                               first.finish, first.n_coders, first.level,
                               np.concatenate([s.weights for s in per_code if s.weights is not None]))
    rows = [s.rows + k * n_units for k, s in enumerate(per_code) if s.rows is not None]
    return stats.Statistic(first.name, np.concatenate([s.summaries for s in per_code]), first.finish,
                           first.n_coders, first.level,
                           np.concatenate(rows) if len(rows) == len(per_code) else None)


def project_agreement(
    project: Project,
    *,
    coders: Sequence[str] | None = None,
    codes: Sequence[str] | None = None,
    docs: Sequence[str] | None = None,
    unit: str | None = None,
    coefficients: Sequence[str] = ("percent", "alpha"),
    set_distance: str = "masi",
    ci: str | None = None,
    n_replicates: int = stats.DEFAULT_REPLICATES,
    seed: int | None = 0,
    min_chars: int = 1,
    min_fraction: float = 0.0,
    by: str | None = None,
    within: Scope | None = None,
    part_cells: int = PART_CELLS,
) -> AgreementReport:
    """``qcode agree`` on a project (units of a kind, whole documents or windows), a run of
    documents at a time (:func:`coded_parts`). ``within``: a scope already gathered
    (coders, codes and docs are then ignored)."""
    sc = within or scope(project, coders=coders, codes=codes, docs=docs, min_coders=2)
    kind = unit or project.settings.unit
    kw: dict[str, Any] = {"set_distance": set_distance, "ci": ci, "n_replicates": n_replicates,
                          "seed": seed}
    cut: dict[str, Any] = {"min_chars": min_chars, "min_fraction": min_fraction,
                           "part_cells": part_cells}
    missing: dict[str, list[str]] = {}
    if by is None:
        results = agreement_rows(coded_parts(sc, kind, **cut), coefficients, missing=missing, **kw)
    else:
        results = []
        groups = _groups_by(sc, by)
        for value, group in groups.items():
            if value is not None:
                results += agreement_rows(coded_parts(sc, kind, docs=group, **cut), coefficients,
                                          extra={"group": {by: value}}, missing=missing, **kw)
        if None in groups:  # documents without the attribute: in no group, but reported missing
            for cu in coded_parts(sc, kind, docs=groups[None], **cut):
                for coder, docs_ in cu.missing_cells().items():
                    missing.setdefault(coder, []).extend(docs_)
        place = {d: i for i, d in enumerate(sc.docs)}
        missing = {c: sorted(ds, key=place.__getitem__) for c, ds in missing.items()}
    return AgreementReport(tuple(results), {c: missing[c] for c in sc.coders if c in missing}, kind)


def _groups_by(sc: Scope, attribute: str) -> dict[Any, list[str]]:
    """The scope's documents by their value of ``attribute`` (None: without it), values
    sorted, documents in scope order."""
    values = {d: sc.documents[d].attributes.get(attribute) for d in sc.docs}
    if all(v is None for v in values.values()):
        raise InputError(f"No document has the attribute {attribute!r}; see `qcode attrs`.")
    out: dict[Any, list[str]] = {v: [] for v in sorted({v for v in values.values() if v is not None})}
    for d, v in values.items():
        out.setdefault(v, []).append(d)
    return out


def project_disagreements(
    project: Project,
    *,
    coders: Sequence[str] | None = None,
    codes: Sequence[str] | None = None,
    docs: Sequence[str] | None = None,
    unit: str | None = None,
    min_chars: int = 1,
    min_fraction: float = 0.0,
    context: int = 60,
    part_cells: int = PART_CELLS,
) -> tuple[Disagreements, dict[str, list[str]]]:
    """The units where coders differ (``qcode agree disagreements``), in code order, then
    document and position, and the documents each coder has not coded: found a run of
    documents at a time (:func:`coded_parts`), each run's texts read with it, and kept
    on disk code by code (:class:`Disagreements`), so that half a million of them are
    not held."""
    sc = scope(project, coders=coders, codes=codes, docs=docs, min_coders=2)
    found = Disagreements(project.cache_dir, sc.codes)
    missing: dict[str, list[str]] = {}
    for cu in coded_parts(sc, unit or project.settings.unit, min_chars=min_chars,
                          min_fraction=min_fraction, part_cells=part_cells):
        texts = {d: sc.documents[d].text for d in cu.units.docs}
        found.add(disagreements(cu, texts=texts, context=context))
        for coder, docs_ in cu.missing_cells().items():
            missing.setdefault(coder, []).extend(docs_)
    return found, {c: missing[c] for c in sc.coders if c in missing}


class Disagreements:
    """The disagreements of a run of documents after another, given back in code order
    and, within a code, in the order the runs came (the scope's document order, each
    run's in document and position order: :func:`disagreements` sorts them so). Each
    run's records go to one file, unnamed, in the project's ``.qcode/`` (project text
    stays in the project, and the file is gone when it is closed or the process ends),
    each code's as one stretch; reading a code reads its stretches in turn. Where the
    file cannot be made or written (a full disk), they are held in memory: the file is
    a cache, and a reading command does not fail for it."""

    def __init__(self, folder: Path, codes: Sequence[str]) -> None:
        self.codes = tuple(codes)
        self.count = 0
        self._spans: dict[str, list[tuple[int, int]]] = {c: [] for c in self.codes}
        self._held: dict[str, list[dict[str, Any]]] | None = None
        self._file: Any = None
        try:
            folder.mkdir(exist_ok=True)
            self._file = tempfile.TemporaryFile(dir=folder)
        except OSError:
            self._held = {c: [] for c in self.codes}

    def add(self, records: Sequence[dict[str, Any]]) -> None:
        """One run's records, sorted as :func:`disagreements` sorts them."""
        self.count += len(records)
        for code, group in itertools.groupby(records, key=lambda r: r["code"]):
            rows = list(group)
            if self._held is None:
                try:
                    # pickled: ten times faster than JSON; the file has no name, so only
                    # this process, which made it, reads it back
                    data = pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL)
                    start = self._file.seek(0, os.SEEK_END)
                    self._file.write(data)
                    self._file.flush()
                    self._spans[code].append((start, len(data)))
                    continue
                except OSError:
                    self._to_memory()
            assert self._held is not None
            self._held[code].extend(rows)

    def _to_memory(self) -> None:
        """Read what the file holds back into memory, and hold everything from now on."""
        held = {c: list(self._stretches(c)) for c in self.codes}
        self.close()
        self._held = held

    def _stretches(self, code: str) -> Iterator[dict[str, Any]]:
        for start, size in self._spans[code]:
            self._file.seek(start)
            yield from pickle.loads(self._file.read(size))  # noqa: S301 - made above

    def close(self) -> None:
        """Give the file's space back (the records held in memory stay)."""
        if self._file is not None:
            self._file.close()
            self._file = None
        self._spans = {c: [] for c in self.codes}

    def __enter__(self) -> Disagreements:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for code in self.codes:
            yield from self._held[code] if self._held is not None else self._stretches(code)


def project_char_agreement(project: Project, *, coders: Sequence[str] | None = None,
                           codes: Sequence[str] | None = None,
                           docs: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """NVivo-compatible: Cohen's kappa on characters per code per document."""
    sc = scope(project, coders=coders, codes=codes, docs=docs, min_coders=2, records=True)
    lengths = {d: len(sc.documents[d].text) for d in sc.docs}
    return char_agreement(sc.records, lengths, coders=sc.coders, codes=sc.codes)


def project_cooccurrence(
    project: Project,
    *,
    coders: Sequence[str] | None = None,
    codes: Sequence[str] | None = None,
    docs: Sequence[str] | None = None,
    unit: str | None = None,
    overlap: bool = False,
    window: int | None = None,
    within: Scope | None = None,
    records: bool = False,
    part_cells: int = PART_CELLS,
) -> tuple[list[Cooccurrence], Cooccurrence, Scope]:
    """Per-coder co-occurrence tables and their pooled sum (``within``: as for agreement;
    ``records``: the scope returned holds the codings as records, for the examples)."""
    spans = overlap or window is not None
    sc = within or scope(project, coders=coders, codes=codes, docs=docs, records=records or spans)
    if spans:
        gap = -1 if overlap or window is None else int(window)
        if gap < -1:
            raise InputError(f"--window {window} must be 0 or more characters.")
        lengths = {d: len(sc.documents[d].text) for d in sc.docs}
        tables = [
            span_cooccurrence(
                [c for c in sc.records if c.coder == coder], sc.codes, gap=gap, lengths=lengths, coder=coder
            )
            for coder in sc.coders
        ]
    else:
        kind = unit or project.settings.unit
        counts = np.zeros((len(sc.coders), len(sc.codes), len(sc.codes)), dtype=np.int64)
        for cu in coded_parts(sc, kind, part_cells=part_cells):  # counts add up part by part
            for i in range(len(sc.coders)):
                counts[i] += incidence_counts(cu.coder_present(i))
        mode = "doc" if kind == "doc" else "unit"
        tables = [Cooccurrence(sc.codes, counts[i], mode, coder) for i, coder in enumerate(sc.coders)]
    return tables, pooled(tables), sc


def project_crosstab(
    project: Project,
    *,
    by: str,
    coders: Sequence[str] | None = None,
    codes: Sequence[str] | None = None,
    docs: Sequence[str] | None = None,
    unit: str = "doc",
    n_replicates: int = stats.DEFAULT_REPLICATES,
    seed: int | None = 0,
    within: Scope | None = None,
    part_cells: int = PART_CELLS,
) -> tuple[Crosstab, list[dict[str, Any]]]:
    """Code frequencies by a document attribute (a unit counts when any chosen coder coded
    it; ``within``: as for agreement)."""
    sc = within or scope(project, coders=coders, codes=codes, docs=docs)
    groups = _groups_by(sc, by)
    vals = tuple(v for v in groups if v is not None)
    # part by part, group by group: the counts add up; a group of one part keeps its units
    # (unit x code rows), one of several their distinct rows (all its bootstrap needs)
    n = np.zeros(len(vals), dtype=np.int64)
    counted = np.zeros((len(vals), len(sc.codes)), dtype=np.int64)
    samples = []
    for v, value in enumerate(vals):
        sample: stats.Statistic | None = None
        for cu in coded_parts(sc, unit, docs=groups[value], part_cells=part_cells):
            x = cu.any_present()
            n[v] += x.shape[0]
            counted[v] += x.sum(axis=0)
            part = stats.Statistic("proportions", x.astype(np.float64), _unused, 1)
            sample = part if sample is None else stats.merged(sample, part)
        assert sample is not None  # a group has a document, so a part
        samples.append(sample)
    have = [v for v in range(len(vals)) if n[v]]  # a value whose documents have no unit: none
    table = Crosstab(by, tuple(vals[v] for v in have), sc.codes, n[have], counted[have])
    return table, differences_of([samples[v] for v in have], table.values, sc.codes, attribute=by,
                                 n_replicates=n_replicates, seed=seed)


def _unused(t: np.ndarray) -> np.ndarray:
    raise AssertionError("a sample's own finish is never called")  # differences_of makes one


def project_unitized(project: Project, *, coders: Sequence[str] | None = None,
                     codes: Sequence[str] | None = None, docs: Sequence[str] | None = None,
                     ) -> tuple[list[Agreement], list[str]]:
    """Unitized agreement on raw spans: documents every chosen coder coded, laid end to end.

    Returns the results and notes (documents left out; the 2016 family skipped when a
    coder's spans of different codes overlap).
    """
    sc = scope(project, coders=coders, codes=codes, docs=docs, min_coders=2, records=True)
    done = {c: {x.doc for x in sc.records if x.coder == c} for c in sc.coders}
    both = [d for d in sc.docs if all(d in done[c] for c in sc.coders)]
    notes = [f"left out {d}: not coded by every coder" for d in sc.docs if d not in both]
    offsets, total = {}, 0
    for d in both:
        offsets[d] = total
        total += len(sc.documents[d].text)
    segments = [
        Segment(c.coder, c.start + offsets[c.doc], c.end + offsets[c.doc], c.code)
        for c in sc.records
        if c.doc in offsets and c.end > c.start
    ]
    if not segments:
        raise InputError("No document was coded by every chosen coder; unitized agreement needs one.")
    kw: dict[str, Any] = {"coders": sc.coders, "codes": sc.codes, "continuum": (0, total)}
    results = u_alpha_2004(segments, **kw)
    try:
        results += family_2016(segments, **kw)
    except InputError as exc:
        notes.append(f"{', '.join(FAMILY_2016)} skipped: {exc.message}")
    rows = [Agreement(r.coefficient, "nominal", r.code, r.value, total, len(sc.coders)) for r in results]
    return rows, notes
