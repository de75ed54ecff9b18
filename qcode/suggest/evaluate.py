"""Honest evaluation: k-fold cross-validation grouped by document.

Every document a coder has coded goes to exactly one fold; for each fold the
model is trained on the other folds' documents only and scored on this fold's
units against the coder's own coding, so no document is ever in both training
and test. ``rules.v1`` learns nothing, but is scored on the same folds. ``both``
is the union of the two. The baseline suggests the most frequent code of the
training folds for every unit. Scores on training data are never reported.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..codebook import load_codebook
from ..errors import InputError
from .docs import read_view
from .examples import Example, build_examples, decisions
from .parse import ParseCache, project_languages
from .rules import RuleSuggester
from .textcat import MIN_POSITIVES, THRESHOLD, Model, positive_counts, train

METHODS = ("rules.v1", "textcat.v1", "both", "baseline")


@dataclass(frozen=True, slots=True)
class Fold:
    train: tuple[str, ...]
    test: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Score:
    """Unit-level counts of one method on one code, summed over the test folds."""

    method: str
    code: str
    tp: int
    fp: int
    fn: int

    @property
    def support(self) -> int:
        return self.tp + self.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / self.support if self.support else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True, slots=True)
class Evaluation:
    coder: str
    pooled: bool
    folds: tuple[Fold, ...]
    units: int
    codes: tuple[str, ...]
    scores: tuple[Score, ...]
    notes: tuple[str, ...] = ()

    def score(self, method: str, code: str) -> Score:
        return next(s for s in self.scores if s.method == method and s.code == code)

    def macro_f1(self, method: str) -> float:
        """Mean F1 over the codes with at least one positive unit."""
        found = [s.f1 for s in self.scores if s.method == method and s.support]
        return sum(found) / len(found) if found else 0.0

    def micro(self, method: str) -> Score:
        rows = [s for s in self.scores if s.method == method]
        return Score(method, "(all)", sum(s.tp for s in rows), sum(s.fp for s in rows),
                     sum(s.fn for s in rows))


def grouped_folds(docs: Sequence[str], k: int, sizes: dict[str, int] | None = None) -> list[Fold]:
    """``k`` folds of whole documents, balanced by size (largest first into the
    smallest fold; ties by id), so the split is the same on every run."""
    ids = sorted(set(docs))
    if len(ids) < 2:
        raise InputError(f"Cross-validation needs at least 2 coded documents; found {len(ids)}. "
                         "Code more documents first.")
    k = max(2, min(k, len(ids)))
    size = sizes or {}
    buckets: list[list[str]] = [[] for _ in range(k)]
    weight = [0] * k
    for doc in sorted(ids, key=lambda d: (-size.get(d, 1), d)):
        i = min(range(k), key=lambda j: (weight[j], j))
        buckets[i].append(doc)
        weight[i] += size.get(doc, 1)
    return [Fold(tuple(sorted(set(ids) - set(b))), tuple(sorted(b))) for b in buckets]


def evaluate(project: Any, coder: str, *, folds: int = 5, pooled: bool = False,
             codes: Sequence[str] | None = None,
             on_fold: Callable[[int, int], None] | None = None) -> Evaluation:
    """Cross-validated per-code scores of rules.v1, textcat.v1, both and the baseline."""
    codebook = load_codebook(project.codebook_path)
    ids = tuple(c.id for c in codebook.active() if codes is None or c.id in set(codes))
    cache = ParseCache(project)
    own = [e for e in build_examples(project, cache, decisions(project, coder)) if e.known is None]
    sizes: dict[str, int] = {}
    for e in own:
        sizes[e.doc] = sizes.get(e.doc, 0) + 1
    split = grouped_folds(list(sizes), folds, sizes)
    rules = _rule_predictions(project, cache, codebook, ids, own)
    pool = _pooled_examples(project, cache) if pooled else own
    counts: dict[tuple[str, str], list[int]] = {(m, c): [0, 0, 0] for m in METHODS for c in ids}
    notes: set[str] = set()
    for n, fold in enumerate(split, start=1):
        if on_fold:
            on_fold(n, len(split))
        test = [e for e in own if e.doc in fold.test]
        trainset = [e for e in pool if e.doc not in fold.test]
        model = _fold_model(trainset, ids, notes)
        base = _majority(trainset, ids)
        for e, probs in zip(test, model(test), strict=True):
            ruled = rules.get((e.doc, e.unit.start), frozenset())
            learned = frozenset(c for c, p in probs.items() if p >= THRESHOLD)
            guesses = {"rules.v1": ruled, "textcat.v1": learned, "both": ruled | learned,
                       "baseline": frozenset([base]) if base else frozenset()}
            for method, guessed in guesses.items():
                for code in ids:
                    _tally(counts[(method, code)], code in guessed, code in e.positives)
    scores = tuple(Score(m, c, *counts[(m, c)]) for m in METHODS for c in ids)
    return Evaluation(coder, pooled, tuple(split), len(own), ids, scores, tuple(sorted(notes)))


def _tally(cell: list[int], guessed: bool, truth: bool) -> None:
    if guessed and truth:
        cell[0] += 1
    elif guessed:
        cell[1] += 1
    elif truth:
        cell[2] += 1


def _rule_predictions(project: Any, cache: ParseCache, codebook: Any, ids: tuple[str, ...],
                      examples: list[Example]) -> dict[tuple[str, int], frozenset[str]]:
    rules = RuleSuggester(codebook, ids, languages=project_languages(project), project=project)
    docs = sorted({e.doc for e in examples})
    out: dict[tuple[str, int], set[str]] = {}
    for parsed in cache.parse((read_view(project, d) for d in docs), wants=rules.wants):
        for p in rules.propose(parsed):
            out.setdefault((parsed.document.id, p.unit.start), set()).add(p.code)
    rules.flush()
    return {k: frozenset(v) for k, v in out.items()}


def _pooled_examples(project: Any, cache: ParseCache) -> list[Example]:
    return build_examples(project, cache, decisions(project, None))


def _fold_model(trainset: list[Example], ids: tuple[str, ...], notes: set[str]):
    counts = positive_counts(trainset, ids)
    labels = [c for c in ids if counts[c] >= MIN_POSITIVES]
    notes.update(f"textcat.v1 not used for {c!r} in a fold with {counts[c]} positive unit(s) "
                 f"(fewer than {MIN_POSITIVES})" for c in ids if counts[c] < MIN_POSITIVES)
    if not labels:
        return lambda test: [{} for _ in test]

    model = Model(train(trainset, labels), tuple(labels), counts, len(trainset))
    return lambda test: model.predict([e.words for e in test])


def _majority(trainset: list[Example], ids: tuple[str, ...]) -> str | None:
    counts = positive_counts(trainset, ids)
    best = max(ids, key=lambda c: (counts[c], -ids.index(c)), default=None)
    return best if best is not None and counts[best] else None


def score_records(ev: Evaluation) -> list[dict[str, Any]]:
    """One record per method and code (and a macro average per method), for csv/json."""
    out = []
    for method in METHODS:
        for code in ev.codes:
            s = ev.score(method, code)
            out.append({"method": method, "code": code, "precision": round(s.precision, 3),
                        "recall": round(s.recall, 3), "f1": round(s.f1, 3), "support": s.support,
                        "tp": s.tp, "fp": s.fp, "fn": s.fn})
        out.append({"method": method, "code": "(macro)", "precision": None, "recall": None,
                    "f1": round(ev.macro_f1(method), 3), "support": None, "tp": None,
                    "fp": None, "fn": None})
    return out


def table_records(ev: Evaluation) -> list[dict[str, Any]]:
    """One row per code, a ``P / R / F1`` cell per method, and the macro-F1 row."""
    rows = []
    for code in ev.codes:
        row: dict[str, Any] = {"code": code, "units": ev.score("rules.v1", code).support}
        for method in METHODS:
            s = ev.score(method, code)
            row[method] = f"{s.precision:.2f} / {s.recall:.2f} / {s.f1:.2f}"
        rows.append(row)
    macro: dict[str, Any] = {"code": "macro F1", "units": None}
    macro.update({m: f"{ev.macro_f1(m):.2f}" for m in METHODS})
    rows.append(macro)
    return rows
