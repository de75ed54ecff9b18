"""Codebooks kept by version in ``codebook-versions/<version>.yaml``.

``qcode recode`` keeps the codebook it replaces and the one it puts in force, so
``qcode recode undo`` can put the earlier one back and a supervisor can diff
any two versions without git. Nothing kept is lost: when a version's codebook
is kept again with other bytes (edited by hand, or changed between an undo and
a second migration), the earlier file moves aside to
``<version>.<its sha256, 8 hex>.yaml`` and the newer one takes the name.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..audit.log import display
from ..errors import QcodeError
from ..fileio import atomic_write

if TYPE_CHECKING:
    from ..project import Project

_PLAIN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


def version_file(project: Project, version: Any) -> Path:
    """Where the codebook of ``version`` is kept: ``<version>.yaml``, or for a version
    that is not a plain file name, a safe form of it with its own hash, so two
    versions share a file only when they read the same (``2`` and ``"2"``, which
    the logs treat as one version too)."""
    name = str(version)
    if not _PLAIN.fullmatch(name):
        safe = re.sub(r"[^\w.-]+", "-", name).strip("-.") or "version"
        name = f"{safe}-{hashlib.sha256(name.encode('utf-8')).hexdigest()[:8]}"
    return project.codebook_versions_dir / f"{name}.yaml"


def keep(project: Project, version: Any, data: bytes) -> Path:
    """Keep ``data`` as the codebook of ``version`` (other bytes kept before for that
    version move aside). A file or folder that cannot be written is a QcodeError."""
    path = version_file(project, version)
    try:
        kept = path.read_bytes() if path.is_file() else None
        if kept == data:
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        if kept is not None:
            aside = path.with_name(f"{path.stem}.{hashlib.sha256(kept).hexdigest()[:8]}.yaml")
            if not aside.exists():
                atomic_write(aside, kept)
        atomic_write(path, data)
    except OSError as exc:
        raise QcodeError(f"{display(path)}: cannot keep the codebook of version {version} "
                         f"there ({exc.strerror or exc}); make codebook-versions/ a writable "
                         "folder and run the command again.") from None
    return path


def kept_text(project: Project, version: Any) -> str | None:
    """The codebook kept for ``version``, if any."""
    try:
        return version_file(project, version).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
