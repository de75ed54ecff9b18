"""Codebook evolution: versioned change steps, batch re-coding, review of routed codings.

The step model itself (``qcode.codebook.steps``, ``qcode.codebook.mapping``) sits
in the record layer, below both the codebook and replay. ``batch`` plans and
writes a migration; ``pending`` lists and decides the codings a migration left for
review; ``diff`` compares two codebooks and proposes
steps; ``history`` reads the codebook's history from project.log.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import lazy

if TYPE_CHECKING:
    from .batch import Change, RecodePlan, RecodeResult, commit, plan_recode, queue_suggestions, recode
    from .diff import Diff, diff_codebooks, write_steps
    from .history import codebook_log, coding_trails, undo_migration
    from .pending import PendingReview, pending_reviews, route
    from .reanchor import Orphan, Reanchored, orphans, place_orphan, reanchor_documents, void_orphan

# Each module loads on first use: reading a coding's history does not need the
# batch re-coder (and through it the suggesters).
__getattr__ = lazy.exports(__name__, {
    **dict.fromkeys(("Change", "RecodePlan", "RecodeResult", "commit", "plan_recode",
                     "queue_suggestions", "recode"), ".batch"),
    **dict.fromkeys(("Diff", "diff_codebooks", "write_steps"), ".diff"),
    **dict.fromkeys(("codebook_log", "coding_trails", "undo_migration"), ".history"),
    **dict.fromkeys(("PendingReview", "pending_reviews", "route"), ".pending"),
    **dict.fromkeys(("Orphan", "Reanchored", "orphans", "place_orphan", "reanchor_documents",
                     "void_orphan"), ".reanchor"),
})

__all__ = [
    "Change", "Diff", "Orphan", "PendingReview", "Reanchored", "RecodePlan", "RecodeResult",
    "codebook_log", "coding_trails", "commit", "diff_codebooks", "orphans", "pending_reviews",
    "place_orphan", "plan_recode", "queue_suggestions", "reanchor_documents", "recode", "route",
    "undo_migration", "void_orphan", "write_steps",
]
