"""The bundled sample study: ``corpus/`` and ``codebooks/`` beside the package."""

from __future__ import annotations

import csv
import os
from pathlib import Path

from .errors import ProjectError

SAMPLE_CODERS = ("astrid", "emil")
SUPERVISOR = "sigrid"
SOURCE_SUFFIXES = (".txt", ".md", ".docx", ".vtt", ".srt")


def sample_root() -> Path:
    """The folder holding ``corpus/`` and ``codebooks/`` (QCODE_SAMPLE_DIR overrides)."""
    override = os.environ.get("QCODE_SAMPLE_DIR")
    root = Path(override) if override else Path(__file__).resolve().parent.parent
    if not (root / "corpus").is_dir() or not (root / "codebooks").is_dir():
        raise ProjectError(
            f"The sample study is not in {root}; install qcode from its source checkout "
            "(pip install -e .) or set QCODE_SAMPLE_DIR to the folder holding corpus/."
        )
    return root


def sample_sources(root: Path) -> list[Path]:
    """Transcripts and fieldnotes of the sample study, in a stable order."""
    files = [
        p for sub in ("interviews", "fieldnotes")
        for p in sorted((root / "corpus" / sub).glob("*"))
        if p.suffix.lower() in SOURCE_SUFFIXES
    ]
    return files


def sample_attributes(root: Path) -> dict[str, dict[str, str]]:
    """corpus/attributes.csv as {doc id: {attribute: value}}."""
    path = root / "corpus" / "attributes.csv"
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as fh:
        return {
            row["doc"]: {k: v for k, v in row.items() if k != "doc" and v}
            for row in csv.DictReader(fh)
        }


def sample_codings(root: Path) -> dict[str, Path]:
    """corpus/codings/<coder>.csv for each sample coder that has one."""
    folder = root / "corpus" / "codings"
    return {c: folder / f"{c}.csv" for c in SAMPLE_CODERS if (folder / f"{c}.csv").is_file()}
