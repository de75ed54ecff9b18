"""Code suggestions: explainable rules from the codebook and a classifier that
learns from the coders' own decisions. spaCy is imported inside functions only.

``base`` holds the records and the registry of versioned suggesters, ``parse``
the parse cache, ``rules`` (``rules.v1``) and ``textcat`` (``textcat.v1``) the
suggesters, ``examples`` the training data from decisions, ``engine`` the
suggest run, ``queue`` the coder's queue, ``decide`` accept and reject,
``evaluate`` the grouped cross-validation and ``check`` the codebook patterns.
"""

from __future__ import annotations

from . import rules, textcat  # noqa: F401  (register rules.v1 and textcat.v1)
from .base import METHODS, REGISTRY, Proposal, Suggester, Suggestion, Unit, register, resolve_methods
from .decide import choose, decide
from .engine import SuggestResult, suggest
from .queue import read_queue

__all__ = [
    "METHODS", "REGISTRY", "Proposal", "SuggestResult", "Suggester", "Suggestion", "Unit",
    "choose", "decide", "read_queue", "register", "resolve_methods", "suggest",
]
