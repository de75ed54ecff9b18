"""Folds of whole documents: no document is ever in both training and test."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import InputError


@dataclass(frozen=True, slots=True)
class Fold:
    train: tuple[str, ...]
    test: tuple[str, ...]


class LeakError(AssertionError):
    """A test document reached a learner's training data (a bug, never bad input)."""


def grouped_folds(docs: Sequence[str], k: int, sizes: dict[str, int] | None = None,
                  seed: int | None = None) -> list[Fold]:
    """``k`` folds of whole documents, balanced by size (largest first into the
    smallest fold). Without a seed, ties go by id and the split is the same on every
    run; a seed shuffles the documents first (repeated cross-validation)."""
    ids = sorted(set(docs))
    if len(ids) < 2:
        raise InputError(f"Cross-validation needs at least 2 coded documents; found {len(ids)}. "
                         "Code more documents first.")
    k = max(2, min(k, len(ids)))
    size = sizes or {}
    if seed is None:
        order = sorted(ids, key=lambda d: (-size.get(d, 1), d))
    else:
        rng = random.Random(seed)
        jitter = {d: rng.random() for d in ids}
        # sizes rounded to a quarter of the mean, so documents of similar size trade places
        step = max(1, sum(size.get(d, 1) for d in ids) // (4 * len(ids)))
        order = sorted(ids, key=lambda d: (-(size.get(d, 1) // step), jitter[d]))
    buckets: list[list[str]] = [[] for _ in range(k)]
    weight = [0] * k
    for doc in order:
        i = min(range(k), key=lambda j: (weight[j], j))
        buckets[i].append(doc)
        weight[i] += size.get(doc, 1)
    return [Fold(tuple(sorted(set(ids) - set(b))), tuple(sorted(b))) for b in buckets]


def check_disjoint(train_docs: Sequence[str], test_docs: Sequence[str]) -> None:
    """Raise :class:`LeakError` if a test document is among the training documents."""
    leaked = sorted(set(train_docs) & set(test_docs))
    if leaked:
        raise LeakError(f"test document(s) {', '.join(leaked)} in the training data")
