"""Codebooks kept by version in ``codebook-versions/<version>.yaml``.

``qcode recode`` keeps the codebook it replaces and the one it puts in force, so
``qcode recode --undo`` can put the earlier one back and a supervisor can diff
any two versions without git. Nothing kept is lost: when a version's codebook
is kept again with other text (edited by hand, or changed between an undo and
a second migration), the earlier text moves aside to
``<version>.<its sha256, 8 hex>.yaml`` and the newer one takes the name.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from ..errors import QcodeError

_PLAIN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


def version_file(project: Any, version: Any) -> Path:
    """Where the codebook of ``version`` is kept: ``<version>.yaml``, or for a version
    that is not a plain file name, a safe form of it with its own hash (so two
    versions never share a file)."""
    name = str(version)
    if not _PLAIN.fullmatch(name):
        safe = re.sub(r"[^\w.-]+", "-", name).strip("-.") or "version"
        name = f"{safe}-{_short(name)}"
    return project.codebook_versions_dir / f"{name}.yaml"


def _short(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def keep(project: Any, version: Any, text: str) -> Path:
    """Keep ``text`` as the codebook of ``version`` (other text kept before for that
    version moves aside). A folder that cannot be written is a QcodeError."""
    from ..corpus.store import atomic_write

    path = version_file(project, version)
    try:
        kept = path.read_text(encoding="utf-8") if path.is_file() else None
        if kept == text:
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        if kept is not None:
            aside = path.with_name(f"{path.stem}.{_short(kept)}.yaml")
            if not aside.exists():
                atomic_write(aside, kept)
        atomic_write(path, text)
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise QcodeError(f"{path.parent.name}/: cannot keep the codebook of version {version} "
                         f"there ({reason}); make it a writable folder and run the command "
                         "again.") from None
    return path


def kept_text(project: Any, version: Any) -> str | None:
    """The codebook kept for ``version``, if any."""
    try:
        return version_file(project, version).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
