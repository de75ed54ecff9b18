"""Small projects for the suggestion tests: a codebook, a few documents, codings."""

from __future__ import annotations

import csv
from pathlib import Path

CODEBOOK = """\
version: 1
codes:
  - id: coordination
    label: Coordination
    definition: Planning who does what and when.
    keywords: [coordinate, driving list, morning meeting, koordinere, kjøreliste]
    exclude_keywords: [football]
    patterns:
      - - {LEMMA: "call"}
        - {LOWER: "the", OP: "?"}
        - {LOWER: {IN: ["doctor", "gp", "pharmacy"]}}
  - id: time
    label: Time pressure
    definition: Too little time.
    keywords: [hurry, stress, tidspress]
  - id: care
    label: Care
    definition: What is done for the person.
    keywords: [shower, wound]
"""


def make_project(root: Path, docs: dict[str, str], *, codebook: str = CODEBOOK,
                 unit: str = "sentence", attrs: dict[str, dict[str, str]] | None = None):
    """A project in ``root`` with ``docs`` ({id: text}) ingested."""
    from qcode.corpus.ingest import ingest
    from qcode.project import init_project

    project = init_project(root, codebook_text=codebook, unit=unit, coders=("anna", "ben"))
    sources = root.parent / f"{root.name}-sources"
    sources.mkdir(exist_ok=True)
    for doc_id, text in docs.items():
        path = sources / f"{doc_id}.txt"
        path.write_text(text, encoding="utf-8")
        ingest(project, [path], attrs=(attrs or {}).get(doc_id, {}))
    return project


def code_units(project, coder: str, rows: list[tuple[str, str, int]]) -> None:
    """Apply (doc, code, unit number) rows as ``coder`` in one append."""
    from qcode.coding import apply_csv

    path = project.root.parent / f"{coder}-codings.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["doc", "code", "unit"])
        writer.writerows([doc, code, str(n)] for doc, code, n in rows)
    apply_csv(project, coder, path)
