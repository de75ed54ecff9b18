"""Agreement, co-occurrence and crosstabs on a project's replayed codings.

These functions gather the codings (:func:`qcode.codings.replay`), the
documents (:func:`qcode.corpus.load_document`) and the codebook order, then call
the pure functions of this package and :mod:`qcode.cooccurrence`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import stats
from ..codebook import load_codebook
from ..columns import CODE, CODER, DOC, CodingTable
from ..cooccurrence import (
    Cooccurrence,
    Crosstab,
    crosstab,
    from_incidence,
    pooled,
    proportion_differences,
    span_cooccurrence,
)
from ..corpus import list_documents, load_document
from ..errors import InputError
from ..hints import did_you_mean
from ..index import coding_table, replay
from ..project import UNIT_KINDS, Project
from .chars import char_agreement
from .coded_units import CodedUnits, char_windows, coded_units, disagreements
from .coefficients import COEFFICIENTS, TWO_CODER_ONLY, statistic
from .results import Agreement, evaluate
from .sets import coded_set_data, set_alpha_statistic
from .unitized import FAMILY_2016, Segment, family_2016, u_alpha_2004


@dataclass(frozen=True, slots=True)
class Scope:
    """What an analysis covers: codings of the chosen coders, codes and documents, as a
    table (``table``) and, when asked for, as records (``codings``; None otherwise)."""

    codings: tuple[Any, ...] | None
    coders: tuple[str, ...]
    codes: tuple[str, ...]
    docs: tuple[str, ...]
    documents: dict[str, Any] = field(repr=False)
    table: CodingTable = field(repr=False)

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
    table = None if records else coding_table(project, coders=named)
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
    doc_ids = tuple(docs) if docs else tuple(sorted(table.present(DOC)))
    documents = {d: load_document(project, d) for d in doc_ids}
    return Scope(mine, coders, codes, doc_ids, documents, table)


def unit_spans(sc: Scope, unit: str) -> dict[str, tuple[tuple[int, int], ...]]:
    """Units per document: a kind, ``doc`` (whole documents) or ``window:N`` (N characters)."""
    if unit == "doc":
        return {d: ((0, len(sc.documents[d].text)),) for d in sc.docs}
    if unit.startswith("window:"):
        try:
            size = int(unit.partition(":")[2])
        except ValueError:
            raise InputError(f"--unit {unit!r}: write window:N with N a number of characters.") from None
        return {d: char_windows(len(sc.documents[d].text), size) for d in sc.docs}
    if unit not in UNIT_KINDS:
        raise InputError(f"Unknown unit {unit!r}; use {', '.join(UNIT_KINDS)}, doc or window:N.")
    return {d: sc.documents[d].units(unit) for d in sc.docs}


def coded(sc: Scope, unit: str, *, min_chars: int = 1, min_fraction: float = 0.0) -> CodedUnits:
    return coded_units(
        sc.table,
        unit_spans(sc, unit),
        coders=sc.coders,
        codes=sc.codes,
        min_chars=min_chars,
        min_fraction=min_fraction,
    )


def agreement_rows(
    cu: CodedUnits,
    coefficients: Sequence[str],
    *,
    set_distance: str = "masi",
    ci: str | None = None,
    n_replicates: int = stats.DEFAULT_REPLICATES,
    seed: int | None = 0,
    extra: dict[str, Any] | None = None,
) -> list[Agreement]:
    """Per code, then overall: the pooled per-code figure and alpha over code sets."""
    names = [c for c in coefficients if c in COEFFICIENTS]
    if len(cu.coders) != 2:
        skipped = [c for c in names if c in TWO_CODER_ONLY]
        if skipped:
            raise InputError(
                f"{skipped[0]} is for two coders and {len(cu.coders)} are compared; "
                "use conger or fleiss, or pick two coders with --coder."
            )
    kw: dict[str, Any] = {"ci": ci, "n_replicates": n_replicates, "seed": seed, "extra": extra}
    out, per_code = [], []
    for code in cu.codes:  # one code's binary table at a time
        data = cu.code_data(code)
        per_code.append([statistic(n, data) for n in names])
        out += [evaluate(stat, code=code, **kw) for stat in per_code[-1]]
    if cu.codes:
        out += [evaluate(pooled_statistic([s[k] for s in per_code], len(cu.units)), **kw)
                for k in range(len(names))]
        sets = coded_set_data(cu)
        out.append(evaluate(set_alpha_statistic(sets, set_distance), **kw))
    return out


def pooled_statistic(per_code: Sequence[stats.Statistic], n_units: int) -> stats.Statistic:
    """The coefficient of all codes' binary tables stacked (one unit per (unit, code)),
    from the codes' own statistics: every coefficient here sums per-unit summaries and
    the binary tables share their categories, so stacking the summaries is the statistic
    of the stacked table (a test checks it for each coefficient), without the stacked
    table itself (codes x units x coders cells)."""
    first = per_code[0]
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
) -> AgreementReport:
    """``qcode agree`` on a project (units of a kind, whole documents or windows).
    ``within``: a scope already gathered (coders, codes and docs are then ignored)."""
    sc = within or scope(project, coders=coders, codes=codes, docs=docs, min_coders=2)
    kind = unit or project.settings.unit
    cu = coded(sc, kind, min_chars=min_chars, min_fraction=min_fraction)
    kw: dict[str, Any] = {"set_distance": set_distance, "ci": ci, "n_replicates": n_replicates,
                          "seed": seed}
    if by is None:
        results = agreement_rows(cu, coefficients, **kw)
    else:
        results = []
        for value, rows in _groups_by(sc, cu, by):
            sub = cu.take(rows)
            results += agreement_rows(sub, coefficients, extra={"group": {by: value}}, **kw)
    return AgreementReport(tuple(results), cu.missing_cells(), kind)


def _groups_by(sc: Scope, cu: CodedUnits, attribute: str) -> Iterator[tuple[Any, np.ndarray]]:
    values = [sc.documents[d].attributes.get(attribute) for d in cu.units.docs]
    if all(v is None for v in values):
        raise InputError(f"No document has the attribute {attribute!r}; see `qcode attrs`.")
    per_unit = np.array([values[i] if values[i] is not None else "" for i in cu.units.doc], dtype=object)
    for value in sorted({v for v in values if v is not None}):
        yield value, np.flatnonzero(per_unit == value)


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
) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    sc = scope(project, coders=coders, codes=codes, docs=docs, min_coders=2)
    cu = coded(sc, unit or project.settings.unit, min_chars=min_chars, min_fraction=min_fraction)
    texts = {d: sc.documents[d].text for d in sc.docs}
    return disagreements(cu, texts=texts, context=context), cu.missing_cells()


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
        cu = coded(sc, kind)
        tables = [
            from_incidence(cu.coder_present(i), sc.codes, "doc" if kind == "doc" else "unit", coder)
            for i, coder in enumerate(sc.coders)
        ]
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
) -> tuple[Crosstab, list[dict[str, Any]]]:
    """Code frequencies by a document attribute (a unit counts when any chosen coder coded
    it; ``within``: as for agreement)."""
    sc = within or scope(project, coders=coders, codes=codes, docs=docs)
    cu = coded(sc, unit)
    values = [sc.documents[d].attributes.get(by) for d in cu.units.docs]
    if all(v is None for v in values):
        raise InputError(f"No document has the attribute {by!r}; see `qcode attrs`.")
    groups = [values[i] for i in cu.units.doc]
    incidence = cu.any_present()
    table = crosstab(incidence, groups, sc.codes, attribute=by)
    diffs = proportion_differences(
        incidence, groups, sc.codes, attribute=by, n_replicates=n_replicates, seed=seed
    )
    return table, diffs


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
