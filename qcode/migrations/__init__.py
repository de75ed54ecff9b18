"""Codebook evolution: versioned change steps, batch re-coding, review of routed codings.

The step model itself (``qcode.codebook.steps``, ``qcode.codebook.mapping``) sits
in the record layer, below both the codebook and replay. ``batch`` plans and
writes a migration; ``review`` lists and decides the codings a migration left for
review; ``diff`` compares two codebooks and proposes
steps; ``history`` reads the codebook's history from project.log. Names load on
first use.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "RecodePlan": "batch", "RecodeResult": "batch", "Change": "batch", "plan_recode": "batch",
    "commit": "batch", "recode": "batch", "queue_suggestions": "suggestions",
    "PendingReview": "review", "pending_reviews": "review", "route": "review",
    "codebook_log": "history", "undo_migration": "history", "coding_trails": "history",
    "Diff": "diff", "diff_codebooks": "diff", "write_steps": "diff",
    "Reanchored": "reanchor", "Orphan": "reanchor", "reanchor_documents": "reanchor",
    "orphans": "reanchor", "place_orphan": "reanchor", "void_orphan": "reanchor",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'qcode.migrations' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
