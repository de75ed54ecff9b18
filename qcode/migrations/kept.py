"""Codebooks kept by version in ``codebook-versions/<version>.yaml``.

``qcode recode`` keeps the codebook it replaces and the one it puts in force, so
``qcode recode --undo`` can put the earlier one back and a supervisor can diff
any two versions without git. A kept file is never overwritten.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any


def version_file(project: Any, version: Any) -> Path:
    """Where the codebook of ``version`` is kept (the version made safe as a file name)."""
    name = re.sub(r"[^\w.-]+", "-", str(version)).strip("-.") or "version"
    return project.codebook_versions_dir / f"{name}.yaml"


def keep(project: Any, version: Any, text: str) -> Path:
    """Keep ``text`` as the codebook of ``version`` unless one is kept already."""
    from ..corpus.store import atomic_write

    path = version_file(project, version)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, text)
    return path


def kept_text(project: Any, version: Any) -> str | None:
    path = version_file(project, version)
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None
