"""Honest evaluation: k-fold cross-validation grouped by document.

Every document a coder has coded goes to exactly one fold; for each fold each
learner is fitted on the other folds' documents only (thresholds too: they are
chosen inside the training folds) and scored on this fold's units against the
coder's own coding, so no document is ever in both training and test (a guard
checks it on every fold). Rules learn nothing but are scored on the same units.
Two baselines are fitted on the same folds in the same run: ``tfidf-lr`` (TF-IDF
over word 1-2-grams, one-vs-rest logistic regression with balanced class
weights, threshold 0.5) and ``majority`` (the most frequent code of the training
folds for every unit). Scores on training data are never reported.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from ..codebook import load_codebook
from ..errors import InputError
from .base import REGISTRY, FitOptions, Keywords, Learner, resolve_methods
from .baseline import BASELINES, MAJORITY, TFIDF, fit_tfidf, majority
from .examples import Example, build_examples, decisions
from .features import DefinitionIndex, keyword_hits, nlp_for, with_codebook
from .folds import Fold, LeakError, check_disjoint, grouped_folds
from .linear import decide
from .parse import ParseCache, project_languages
from .rules import RULES, RuleSuggester

if TYPE_CHECKING:
    from ..project import Project

__all__ = ["DEFAULT_METHODS", "Evaluation", "Fold", "LeakError", "Score", "evaluate",
           "grouped_folds", "score_records"]

DEFAULT_METHODS = ("linear.v3", "rules.v2")


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
    methods: tuple[str, ...] = ()
    unit: str = "sentence"
    seed: int | None = None
    top_k: int | None = None
    threshold: float | None = None
    seconds: dict[str, float] = field(default_factory=dict)  # wall time per method
    thresholds: dict[tuple[str, int], dict[str, float]] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds of this process per method

    def score(self, method: str, code: str) -> Score:
        return next(s for s in self.scores if s.method == method and s.code == code)

    def _used(self, method: str) -> list[Score]:
        return [s for s in self.scores if s.method == method and s.support]

    def macro_f1(self, method: str) -> float:
        """Mean F1 over the codes with at least one positive unit."""
        found = [s.f1 for s in self._used(method)]
        return sum(found) / len(found) if found else 0.0

    def macro(self, method: str) -> tuple[float, float, float]:
        """Mean precision, recall and F1 over the codes with a positive unit."""
        found = self._used(method)
        if not found:
            return 0.0, 0.0, 0.0
        n = len(found)
        return (sum(s.precision for s in found) / n, sum(s.recall for s in found) / n,
                sum(s.f1 for s in found) / n)

    def micro(self, method: str) -> Score:
        rows = [s for s in self.scores if s.method == method]
        return Score(method, "(all)", sum(s.tp for s in rows), sum(s.fp for s in rows),
                     sum(s.fn for s in rows))


def evaluation_methods(methods: Sequence[str] | None) -> tuple[str, ...]:
    """The methods asked for (names or rules/model/both), then the two baselines."""
    names: list[str] = []
    for part in methods or DEFAULT_METHODS:
        if part in BASELINES:
            names.append(part)
            continue
        for name in resolve_methods(part):
            if not (_is_rules(name) or isinstance(REGISTRY[name], Learner)):
                raise InputError(f"Suggester {name!r} cannot be cross-validated (it neither "
                                 "matches rules nor learns); leave it out of --methods.")
            names.append(name)
    return tuple(dict.fromkeys([*names, *BASELINES]))


def _is_rules(name: str) -> bool:
    factory = REGISTRY[name]
    return isinstance(factory, type) and issubclass(factory, RuleSuggester)


def training_examples(pool: Sequence[Example], fold: Fold) -> list[Example]:
    """The examples a fold's learners may see: none from the fold's test documents."""
    test = set(fold.test)
    return [e for e in pool if e.doc not in test]


@dataclass
class _Setup:
    ids: tuple[str, ...]
    own: list[Example]
    pool: list[Example]
    rules: dict[str, dict[tuple[str, int], frozenset[str]]]
    notes: set[str]


def evaluate(project: Project, coder: str, *, folds: int = 5, pooled: bool = False,
             codes: Sequence[str] | None = None, methods: Sequence[str] | None = None,
             unit: str | None = None, seed: int | None = None, top_k: int | None = None,
             threshold: float | None = None,
             on_fold: Callable[[int, int], None] | None = None) -> Evaluation:
    """Cross-validated per-code scores of the methods and the two baselines."""
    names = evaluation_methods(methods)
    cache = ParseCache(project)
    if unit is not None:
        cache.unit_kind = unit
    setup = _setup(project, cache, coder, codes, names, pooled)
    ids, own = setup.ids, setup.own
    sizes: dict[str, int] = {}
    for e in own:
        sizes[e.doc] = sizes.get(e.doc, 0) + 1
    split = grouped_folds(list(sizes), folds, sizes, seed=seed)
    counts = {(m, c): [0, 0, 0] for m in names for c in ids}
    seconds, cpu = dict.fromkeys(names, 0.0), dict.fromkeys(names, 0.0)
    thresholds: dict[tuple[str, int], dict[str, float]] = {}
    options = FitOptions(seed=seed or 0, threshold=threshold)
    for n, fold in enumerate(split, start=1):
        if on_fold:
            on_fold(n, len(split))
        test = [e for e in own if e.doc in fold.test]
        trainset = training_examples(setup.pool, fold)
        check_disjoint(sorted({e.doc for e in trainset}), fold.test)
        for method in names:
            began, began_cpu = time.perf_counter(), time.process_time()
            guesses, used = _guesses(method, trainset, test, setup, options, top_k, threshold)
            seconds[method] += time.perf_counter() - began
            cpu[method] += time.process_time() - began_cpu
            if used is not None:
                thresholds[(method, n)] = used
            for e, guessed in zip(test, guesses, strict=True):
                for code in ids:
                    _tally(counts[(method, code)], code in guessed, code in e.positives)
    scores = tuple(Score(m, c, *counts[(m, c)]) for m in names for c in ids)
    return Evaluation(coder, pooled, tuple(split), len(own), ids, scores,
                      tuple(sorted(setup.notes)), names, cache.unit_kind, seed, top_k, threshold,
                      seconds, thresholds, cpu)


def _setup(project: Project, cache: ParseCache, coder: str, codes: Sequence[str] | None,
           names: tuple[str, ...], pooled: bool) -> _Setup:
    codebook = load_codebook(project.codebook_path)
    if codes:
        wanted = {codebook.require(c).id for c in codes}
        ids = tuple(c.id for c in codebook.active() if c.id in wanted)
    else:
        ids = tuple(c.id for c in codebook.active())
    own = [e for e in build_examples(project, cache, decisions(project, coder)) if e.known is None]
    if not own:
        raise InputError(f"{coder} has coded no document yet; code some first "
                         "(cross-validation compares suggestions with your coding).")
    pool = build_examples(project, cache, decisions(project, None)) if pooled else list(own)
    docs = {e.doc for e in pool} | {e.doc for e in own}
    notes: set[str] = set()
    rules: dict[str, dict[tuple[str, int], frozenset[str]]] = {}
    languages = project_languages(project)
    for name in names:
        if name in REGISTRY and _is_rules(name):
            suggester = cast(RuleSuggester,  # (_is_rules: a RuleSuggester class)
                             REGISTRY[name](codebook, ids, languages=languages, project=project))
            rules[name] = keyword_hits(project, cache, suggester, docs)
            if isinstance(suggester, Keywords):
                notes.update(_keywordless(name, suggester.keywordless, ids))
    # what the codebook says about each unit: the current rules' matches, definitions
    features = RULES(codebook, None, languages=languages, project=project)
    hits = rules.get(RULES.name) or keyword_hits(project, cache, features, docs)
    definitions, nlp_of = DefinitionIndex(codebook.active()), nlp_for(project, cache)
    own = with_codebook(own, hits, definitions, nlp_of)
    pool = own if not pooled else with_codebook(pool, hits, definitions, nlp_of)
    return _Setup(ids, own, pool, rules, notes)


def _keywordless(name: str, missing: Sequence[str], ids: Sequence[str]) -> list[str]:
    if not missing:
        return []
    if set(ids) <= set(missing):
        return [f"{name}: the codebook has no keywords or patterns for these codes, so the "
                "rules suggest nothing and score 0 by construction; add keywords to the "
                "codebook to use them."]
    return [f"{name}: no keywords or patterns for {', '.join(missing)}: the rules never "
            "suggest them (F1 0 by construction)."]


def _guesses(method: str, trainset: list[Example], test: list[Example], setup: _Setup,
             options: FitOptions, top_k: int | None, threshold: float | None
             ) -> tuple[list[frozenset[str]], dict[str, float] | None]:
    """The codes ``method`` suggests for each test unit, and the thresholds it used."""
    ids = setup.ids
    if method in setup.rules:
        found = setup.rules[method]
        return [found.get((e.doc, e.unit.start), frozenset()) for e in test], None
    if method == MAJORITY:
        best = majority(trainset, ids)
        return [frozenset([best]) if best else frozenset() for _ in test], None
    if method == TFIDF:
        fitted: Any = fit_tfidf(trainset, ids)
        return [frozenset(decide(s, fitted.thresholds)) for s in fitted.scores(test)], None
    fitted = REGISTRY[method].fit(trainset, ids, options)  # type: ignore[attr-defined]
    setup.notes.update(fitted.notes)
    return ([frozenset(decide(s, fitted.thresholds, top_k=top_k, threshold=threshold))
             for s in fitted.scores(test)], dict(fitted.thresholds))


def _tally(cell: list[int], guessed: bool, truth: bool) -> None:
    if guessed and truth:
        cell[0] += 1
    elif guessed:
        cell[1] += 1
    elif truth:
        cell[2] += 1


def score_records(ev: Evaluation) -> list[dict[str, Any]]:
    """One record per method and code, then its micro and macro averages."""
    out = []
    for method in ev.methods:
        for code in ev.codes:
            s = ev.score(method, code)
            out.append(_record(method, code, s.precision, s.recall, s.f1, s.support, s))
        m = ev.micro(method)
        out.append(_record(method, "(micro)", m.precision, m.recall, m.f1, m.support, m))
        p, r, f = ev.macro(method)
        out.append(_record(method, "(macro)", p, r, f, m.support, None))
    return out


def _record(method: str, code: str, p: float, r: float, f: float, support: int,
            s: Score | None) -> dict[str, Any]:
    return {"method": method, "code": code, "precision": round(p, 3), "recall": round(r, 3),
            "f1": round(f, 3), "support": support, "tp": s.tp if s else None,
            "fp": s.fp if s else None, "fn": s.fn if s else None}
