"""Code suggestions: explainable rules from the codebook and a classifier that
learns from the coders' own decisions. spaCy is imported inside functions only.

``base`` holds the records and the registry of versioned suggesters, ``parse``
the parse cache, ``rules`` (``rules.v1``, ``rules.v2`` with ``compounds``),
``linear`` (``linear.v1`` to ``linear.v3``) and ``textcat`` (``textcat.v1``) the suggesters,
``features`` what a learner knows beyond the words, ``examples`` the training
data from decisions, ``engine`` the suggest run, ``queue`` the coder's queue,
``decide`` accept and reject, ``evaluate`` the grouped cross-validation against
the ``baseline`` methods, ``explain`` why a unit got its suggestions, and
``check`` the codebook patterns.
"""

from __future__ import annotations

from . import linear, rules, textcat  # noqa: F401  (register the suggesters)
from .base import (
    DEFAULT_METHOD,
    METHODS,
    REGISTRY,
    FitOptions,
    Fitted,
    Learner,
    Proposal,
    Suggester,
    Suggestion,
    Unit,
    register,
    resolve_methods,
)
from .decide import choose, decide
from .engine import SuggestResult, suggest
from .queue import read_queue

__all__ = [
    "DEFAULT_METHOD", "METHODS", "REGISTRY", "FitOptions", "Fitted", "Learner", "Proposal",
    "SuggestResult", "Suggester", "Suggestion", "Unit",
    "choose", "decide", "read_queue", "register", "resolve_methods", "suggest",
]
