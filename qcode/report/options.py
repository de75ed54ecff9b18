"""What a report covers, and the sections it has."""

from __future__ import annotations

from dataclasses import dataclass

from ..stats import DEFAULT_REPLICATES

SECTIONS = (
    ("record", "Record"),
    ("progress", "Progress"),
    ("codebook", "Codebook"),
    ("agreement", "Agreement"),
    ("disagreements", "Disagreements"),
    ("cooccurrence", "Co-occurrence"),
    ("attributes", "Attributes"),
    ("suggestions", "Suggestions"),
    ("memos", "Memos"),
)


@dataclass(frozen=True, slots=True)
class ReportOptions:
    """The choices of ``qcode report``: None means all (coders, codes, documents), the
    project's unit kind, and the first attribute the documents have."""

    coders: tuple[str, ...] | None = None
    codes: tuple[str, ...] | None = None
    docs: tuple[str, ...] | None = None
    by: str | None = None
    unit: str | None = None
    seed: int = 0
    replicates: int = DEFAULT_REPLICATES
    ci: str = "bca"
    measure: str = "count"  # the co-occurrence heatmap's cells: count, jaccard or c
    top_pairs: int = 8
    examples_per_pair: int = 3
