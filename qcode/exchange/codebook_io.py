"""A codebook from a spreadsheet (CSV/XLSX: a code or tag column, a description, an
optional parent) or from REFI-QDA (``.qdc``), as new codes for codebook.yaml.

Existing codes are matched (by id, then by label under the same parent) and
never changed; a label that exists under another parent is reported."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..codebook import load_codebook
from ..corpus.store import sha256
from ..errors import InputError
from ..project import Project
from .plan import ImportPlan, NewCode, code_id
from .refi_codes import colour, map_codes, name_path
from .refi_read import read_codebook
from .tables import Table, read_table

if TYPE_CHECKING:
    from ..codebook import Codebook

CODE_COLUMNS = ("code", "tag", "name", "label", "code name")
DESCRIPTION_COLUMNS = ("description", "definition", "memo", "comment")
PARENT_COLUMNS = ("parent", "category", "group")


def codes_from_table(table: Table, codebook: Codebook) -> tuple[list[NewCode], list[str]]:
    """New codes for every row's code not already in ``codebook``; notes on conflicts."""
    column = table.column(*CODE_COLUMNS)
    if column is None:
        raise InputError(f"{table.source}:1: no code column; name one of "
                         f"{', '.join(CODE_COLUMNS)} (and optionally description, parent).")
    described = table.column(*DESCRIPTION_COLUMNS)
    parent_col = table.column(*PARENT_COLUMNS)
    colour_col = table.column("colour", "color")
    wanted: list[tuple[list[str], str, str | None]] = []
    for _, cells in table.rows:
        name = cells.get(column, "").strip()
        if not name:
            continue
        path = name_path(name)
        parent = cells.get(parent_col, "").strip() if parent_col else ""
        if parent:
            path = [*name_path(parent), *path]
        wanted.append((path, cells.get(described, "").strip() if described else "",
                       colour(cells.get(colour_col)) if colour_col else None))
    return merge_codes(codebook, wanted)


def merge_codes(codebook: Codebook, wanted: Sequence[tuple[list[str], str, str | None]]
                ) -> tuple[list[NewCode], list[str]]:
    """Codes for label paths (``["care", "time"]``), reusing what the codebook has."""
    codes = codebook.codes
    taken = {c.id for c in codes}
    by_path = {(c.parent, c.label.casefold()): c.id for c in codes}
    by_id = {c.id: c.id for c in codes}
    labels = {c.label.casefold(): c.id for c in codes}
    new: list[NewCode] = []
    notes: list[str] = []
    for path, definition, hex_colour in wanted:
        parent = None
        for depth, label in enumerate(path):
            last = depth == len(path) - 1
            key = (parent, label.casefold())
            found = by_path.get(key) or (by_id.get(label) if parent is None else None)
            if found is None:
                if label.casefold() in labels:
                    notes.append(f"conflict: code {label!r} exists as {labels[label.casefold()]!r} "
                                 "under another parent; imported as a code of its own")
                found = code_id(label, taken)
                new.append(NewCode(found, label, parent, definition if last else "",
                                   hex_colour if last else None))
                by_path[key] = found
            parent = found
    return new, notes


def plan_codebook(project: Project, path: Path, data: bytes, *, importer: str) -> ImportPlan:

    codebook = load_codebook(project.codebook_path)
    suffix = path.suffix.lower()
    plan = ImportPlan("codebook", str(path), sha256(data), "", importer)
    if suffix == ".qdc":

        refi = read_codebook(data, str(path))
        mapped = map_codes(refi.codes, codebook)
        plan.origin, plan.codes, plan.notes = refi.origin, mapped.new, mapped.notes
        return plan
    if suffix not in (".csv", ".tsv", ".xlsx"):
        raise InputError(f"{path}: a codebook is read from .csv, .tsv, .xlsx or .qdc; "
                         f"not {suffix or 'a file without a suffix'}.")
    plan.codes, plan.notes = codes_from_table(read_table(path, data), codebook)
    return plan
