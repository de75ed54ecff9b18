"""The two baselines a suggester must beat, fitted on the same folds.

- ``tfidf-lr``: the standard one. TF-IDF over word 1-2-grams of the unit's text
  (scikit-learn's own tokenizer, lower-cased), one-vs-rest logistic regression
  with balanced class weights, a code suggested at probability 0.5 or more.
- ``majority``: the code most often used in the training folds, for every unit.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .linear import sklearn_parts

TFIDF = "tfidf-lr"
MAJORITY = "majority"
BASELINES = (TFIDF, MAJORITY)
THRESHOLD = 0.5


@dataclass
class TfidfBaseline:
    """A fitted TF-IDF + logistic-regression model."""

    vectorizer: Any
    model: Any
    labels: tuple[str, ...]
    thresholds: dict[str, float]
    notes: tuple[str, ...] = ()

    def scores(self, examples: Sequence[Any]) -> list[dict[str, float]]:
        if not examples or self.model is None:
            return [{} for _ in examples]
        probs = self.model.predict_proba(self.vectorizer.transform([e.text for e in examples]))
        return [dict(zip(self.labels, row, strict=True)) for row in probs.tolist()]


def fit_tfidf(examples: Sequence[Any], codes: Sequence[str]) -> TfidfBaseline:
    """Fit the baseline on the fully labelled examples (units of coded documents)."""

    sklearn_parts()
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    rows = [e for e in examples if e.known is None]
    labels = tuple(c for c in codes if any(c in e.positives for e in rows))
    thresholds = dict.fromkeys(codes, THRESHOLD)
    if not labels:
        return TfidfBaseline(None, None, (), thresholds)
    vectorizer = TfidfVectorizer(ngram_range=(1, 2))
    x = vectorizer.fit_transform([e.text for e in rows])
    y = [[int(c in e.positives) for c in labels] for e in rows]
    model = OneVsRestClassifier(LogisticRegression(class_weight="balanced", max_iter=1000))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a code present in every unit: a constant predictor
        model.fit(x, y)
    return TfidfBaseline(vectorizer, model, labels, thresholds)


def majority(examples: Sequence[Any], codes: Sequence[str]) -> str | None:
    """The code with the most positive units (ties: codebook order), or None."""
    counts = {c: sum(c in e.positives for e in examples) for c in codes}
    best = max(codes, key=lambda c: (counts[c], -codes.index(c)), default=None)
    return best if best is not None and counts[best] else None
