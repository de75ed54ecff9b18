"""After a migration: rules suggestions for the codes it brought in or redefined,
run across the corpus into each coder's suggestion queue (``qcode recode`` does
this unless ``--no-suggest``)."""

from __future__ import annotations

from typing import Any

from ..suggest import suggest
from .batch import RecodePlan


def codes_to_suggest(plan: RecodePlan) -> tuple[str, ...]:
    """The codes a migration brings in (added outright, or made by a split) and the
    codes it redefines, active in the new codebook, in codebook order. Renamed and
    merged codes keep their codings and are not suggested again."""
    steps = plan.steps
    carried = {t for s in steps if s.kind in ("rename", "merge") for t in s.targets}
    wanted = {t for s in steps if s.kind == "split" for t in s.targets}
    wanted |= {s.sources[0] for s in steps if s.kind == "redefine"}
    if plan.old_ids is not None:
        wanted |= set(plan.codebook.ids) - set(plan.old_ids) - carried
    return tuple(c.id for c in plan.codebook.active() if c.id in wanted)


def queue_suggestions(project: Any, plan: RecodePlan, coders: list[str], *,
                      on_document: Any = None) -> dict[str, int]:
    """Run rules suggestions for the plan's new and redefined codes across the corpus
    into each coder's queue; ``{coder: suggestions queued}``."""
    codes = codes_to_suggest(plan)
    if not codes or not coders:
        return {}

    return {coder: suggest(project, coder, codes=list(codes), method="rules",
                           on_document=on_document, keep=False).made for coder in coders}
