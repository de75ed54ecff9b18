"""Exchange with other QDA tools: REFI-QDA export and import, other tools' exports,
and codebooks from spreadsheets (work layer).

:func:`plan_import` reads a file and plans everything importing it would write;
:func:`run_import` writes that plan (``--dry-run`` stops after the plan);
:func:`export` writes ``.qdpx`` or ``.qdc``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..corpus.store import sha256
from ..errors import InputError
from ..project import Project
from .plan import ImportPlan, Written, check_writable, describe, read_input, write_plan
from .refi_export import export_project
from .refi_import import plan_refi
from .refi_read import read_refi
from .refi_write import write_codebook_file
from .tabular import plan_qc, plan_table

__all__ = ["ImportPlan", "Written", "describe", "export", "plan_import", "read_input", "run_import"]


def plan_import(project: Project, path: Path, *, importer: str, prefix: str = "",
                id_from: str = "stem", columns: dict[str, str] | None = None,
                codebook: Path | None = None, coder: str | None = None) -> ImportPlan:
    """What importing ``path`` into ``project`` would write; nothing is written. What
    the import would refuse is refused here too, so a dry run answers as it would."""
    if id_from not in ("stem", "name"):
        raise InputError(f"--id-from {id_from!r}: choose stem (as ingest names files) or name.")
    plan = _plan(project, path, importer=importer, prefix=prefix, id_from=id_from,
                 columns=columns, codebook=codebook, coder=coder)
    check_writable(project, plan)
    return plan


def _plan(project: Project, path: Path, *, importer: str, prefix: str, id_from: str,
          columns: dict[str, str] | None, codebook: Path | None, coder: str | None) -> ImportPlan:
    if path.is_dir():
        return plan_qc(project, path, importer=importer, id_from=id_from)
    suffix = path.suffix.lower()
    data = read_input(path)
    if suffix in (".qdpx", ".qde", ".qdc"):
        refi = read_refi(path, data)
        return plan_refi(project, refi, importer=importer, sha256=sha256(data), prefix=prefix,
                         id_from=id_from)
    if suffix in (".csv", ".xlsx", ".tsv"):
        return plan_table(project, path, data, importer=importer, columns=columns,
                          codebook=codebook, id_from=id_from, coder=coder, prefix=prefix)
    what = suffix or "a file without a suffix"
    raise InputError(f"{path}: qcode imports .qdpx, .qde, .qdc, .csv, .tsv and .xlsx files, or a "
                     f"qc project folder; not {what}.")


def run_import(project: Project, plan: ImportPlan) -> Written:
    return write_plan(project, plan)


def export(project: Project, path: Path, *, profile: str = "spec") -> Any:
    """Write ``path``: ``.qdpx`` (the project) or ``.qdc`` (the codebook)."""
    suffix = path.suffix.lower()
    if suffix == ".qdc":

        return write_codebook_file(project, path)
    if suffix == ".qdpx":

        return export_project(project, path, profile)
    raise InputError(f"{path}: export writes FILE.qdpx (the whole project) or FILE.qdc (the "
                     "codebook); name the file with one of those suffixes.")
