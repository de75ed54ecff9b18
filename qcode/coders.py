"""The project's coders: who may write a log (``audit/coders/<name>.yaml``).

The list in ``qcode.yaml`` (``coders:``) and one small file per coder in
``audit/coders/`` together name the project's coders. One file per coder keeps the
registry free of merge conflicts: two branches that each add a coder add two
different files. When a project names any coder, a name it does not know is
refused (with a did-you-mean) before anything is written, so a typo such as
``ingird`` for ``ingrid`` never starts a log of its own; ``qcode coders add NAME``
(the project's lead, when ``audit: {lead: ...}`` names one) adds a coder.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from . import yamlio
from .errors import ProjectError
from .fileio import atomic_write
from .hints import did_you_mean
from .ids import check_coder_name

REGISTRY = "coders"  # audit/coders/


def registry_dir(project: object) -> Path:
    return project.audit_dir / REGISTRY  # type: ignore[attr-defined]


def known_coders(project: object) -> tuple[str, ...]:
    """Every coder the project names (qcode.yaml and audit/coders/), sorted."""
    names = set(project.settings.coders)  # type: ignore[attr-defined]
    folder = registry_dir(project)
    if folder.is_dir():
        for path in folder.glob("*.yaml"):
            try:
                names.add(check_coder_name(path.stem))
            except ProjectError:
                continue  # not a coder's file; `qcode coders` lists only real names
    return tuple(sorted(names))


def require_known(project: object, name: str) -> str:
    """``name``, or a ProjectError when the project names coders and not this one."""
    known = known_coders(project)
    if known and name not in known:
        hint = did_you_mean(name, known)
        raise ProjectError(
            f"Coder {name!r} is not one of this project's coders ({', '.join(known)}); "
            f"nothing was written. A new coder is added by the project's lead with "
            f"`qcode coders add {name}`{hint or '.'}")
    return name


def add_coder(project: object, name: str, by: str, *, lead: str | None = None) -> Path:
    """Write ``audit/coders/<name>.yaml``; refused when ``lead`` is set and ``by`` is not
    the lead, or when the coder is known already."""
    check_coder_name(name)
    if lead is not None and by != lead:
        raise ProjectError(f"Only the project's lead ({lead}) adds coders (qcode.yaml "
                           f"audit: lead); you are {by!r}.")
    if name in known_coders(project):
        raise ProjectError(f"Coder {name!r} is already one of this project's coders; see "
                           "`qcode coders`.")
    path = registry_dir(project) / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    added = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    atomic_write(path, yamlio.dumps({"name": name, "added": added, "by": by}))
    return path
