"""Your own keys for codes: ``shortcuts:`` in your user config file.

::

    # ~/.config/qcode/config.yaml
    coder: anna
    shortcuts:
      e: coordination
      f2: time-resources

Keys are Textual key names (a letter, ``f2``, ``ctrl+o``, ...); a key the view
already uses is refused, as is a code that is not active in the codebook (a code
is named as in ``--plain``: id, label, or a prefix that fits only one code). They
live in the user's own file, never in the shared project, since they are a
habit of one person's hands.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .. import yamlio
from ..errors import ProjectError, QcodeError
from ..project import user_config_path
from . import keymap
from .fuzzy import resolve

if TYPE_CHECKING:
    from ..codebook import Codebook

FREE_HINT = "free letters include e, f, i, o, p, t, y, z; F2 to F12 are free too"


def taken_keys() -> set[str]:
    return {name for k in keymap.KEYS for name in k.keys.split(",")} | set(keymap.NUMBER_KEYS)


def load_shortcuts(codebook: Codebook, path: Path | None = None) -> dict[str, str]:
    """``{key: code id}`` from ``shortcuts:`` in the user's config (none if absent)."""
    path = path or user_config_path()
    if not path.is_file():
        return {}
    data = yamlio.loads(yamlio.read_text(path), str(path))
    raw = data.get("shortcuts") if isinstance(data, dict) else None
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ProjectError(f"{path}: 'shortcuts' must map keys to codes, e.g. 'f2: coordination'.")
    found: dict[str, str] = {}
    taken = taken_keys()
    active = [c for c in codebook.codes if not c.retired]
    for key, code in raw.items():
        name = str(key).strip()
        if name in taken or name.lower() in ("tab", "enter", "escape", "ctrl+c", "ctrl+q"):
            raise ProjectError(f"{path}: shortcut {name!r} is already a key of the coding view "
                               f"(see `?` in it); choose another ({FREE_HINT}).")
        try:
            found[name] = resolve(str(code), active).id
        except QcodeError as exc:
            raise ProjectError(f"{path}: shortcut {name!r}: {exc.message}") from exc
    return found
