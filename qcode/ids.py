"""Ids checked at the boundary: documents, coders and codes, and paths kept inside.

Every id that becomes part of a file name or a log line is checked here, by one
pattern each matched in full (``\\A...\\Z``: ``$`` would let a trailing newline
through), with a length cap below any file system's limit. A path built from an
id is resolved and must stay inside the folder it belongs to.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TypeGuard

from .errors import InputError, ProjectError

MAX_ID = 100  # characters: with ".yaml" and a version suffix, far below 255 bytes of UTF-8
DOC_ID = re.compile(r"\A[^\W_][\w-]*\Z")
CODER = re.compile(r"\A[a-z0-9][a-z0-9._-]{0,63}\Z")
CODE_ID = re.compile(r"\A[a-z0-9][a-z0-9_./-]*\Z")
RESERVED_LOG_NAMES = frozenset({"project"})


def check_doc_id(doc_id: str) -> str:
    """A document id (lower-case letters, digits and '-'), or an InputError that says so."""
    if not isinstance(doc_id, str) or not DOC_ID.match(doc_id) or doc_id != doc_id.casefold():
        raise InputError(
            f"Document id {doc_id!r} is not allowed: use lower-case letters, digits and '-'."
        )
    if len(doc_id) > MAX_ID:
        raise InputError(f"Document id {doc_id[:20]!r}... has {len(doc_id)} characters; "
                         f"use at most {MAX_ID} (pass --id).")
    return doc_id


def check_coder_name(name: str) -> str:
    """A coder name (it becomes ``audit/<coder>.log``), or a ProjectError that says so."""
    if not isinstance(name, str) or not CODER.match(name):
        raise ProjectError(
            f"Coder name {name!r} is not allowed: use lower-case letters, digits, '.', '_' "
            "or '-' (it becomes the file name audit/<coder>.log)."
        )
    if name in RESERVED_LOG_NAMES:
        raise ProjectError(f"Coder name {name!r} is reserved for audit/{name}.log; pick another.")
    return name


def is_code_id(code_id: object) -> TypeGuard[str]:
    """Whether ``code_id`` is a well-formed code id: lower-case letters, digits and
    ``_ . / -``, starting with a letter or digit, with no empty or dot-dot segment."""
    if not isinstance(code_id, str) or len(code_id) > MAX_ID or not CODE_ID.match(code_id):
        return False
    return all(part not in ("", ".", "..") for part in code_id.split("/"))


def inside(folder: Path, path: Path) -> Path:
    """``path`` resolved, or an InputError when it leads outside ``folder``."""
    base = Path(folder).resolve()
    resolved = Path(path).resolve()
    if resolved != base and base not in resolved.parents:
        raise InputError(f"{path}: leads outside {base}; name a file inside the project.")
    return resolved
