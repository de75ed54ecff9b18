"""``audit verify --git``: every committed version of a log is a prefix of today's.

Like a transparency log's consistency check: a log that was truncated, edited
or rewritten and re-chained from scratch no longer starts with the bytes that git
recorded earlier. Uses the ``git`` program through subprocess.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import AuditError
from .keys import keys_dir, parse_key_lines
from .verify import Problem


def _git(cwd: Path, *args: str, data: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, input=data, capture_output=True,
                              check=False)
    except FileNotFoundError as exc:
        raise AuditError("`git` is not installed; install it or verify without --git.") from exc
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise AuditError(f"git {args[0]} failed in {cwd}: {message[-1] if message else '?'}; "
                         "--git needs the project inside a git repository with commits.")
    return done.stdout


def committed_versions(audit_dir: Path) -> tuple[Path, list[tuple[str, str, bytes]]]:
    """``(repository top, [(commit, path relative to top, blob bytes), ...])`` for every
    commit on HEAD's history that changed a ``*.log`` under ``audit_dir``, oldest first."""
    top = Path(_git(audit_dir.parent, "rev-parse", "--show-toplevel").decode().strip())
    rel = audit_dir.resolve().relative_to(top.resolve()).as_posix()
    out = _git(top, "log", "--reverse", "--no-renames", "--name-only", "--format=@%H",
               "--", rel).decode("utf-8", "surrogateescape")
    wanted, commit = [], ""
    for line in out.splitlines():
        if line.startswith("@"):
            commit = line[1:]
        elif line.endswith(".log") and commit:
            wanted.append((commit, line))
    return top, _blobs(top, wanted) if wanted else []


def committed_lines(audit_dir: Path) -> dict[str, int]:
    """log -> the most whole lines any committed version of it had (what git shows
    complete: a later cut below that is found by :func:`check_history`)."""
    found: dict[str, int] = {}
    for _, rel, blob in committed_versions(audit_dir)[1]:
        name = Path(rel).stem
        found[name] = max(found.get(name, 0), blob.count(b"\n"))
    return found


def _blobs(top: Path, wanted: list[tuple[str, str]]) -> list[tuple[str, str, bytes]]:
    request = "".join(f"{c}:{p}\n" for c, p in wanted).encode("utf-8", "surrogateescape")
    out = _git(top, "cat-file", "--batch", data=request)
    found, pos = [], 0
    for commit, path in wanted:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        pos = end + 1
        if len(header) < 3 or header[1] != b"blob":
            continue  # deleted in that commit
        size = int(header[2])
        found.append((commit, path, out[pos:pos + size]))
        pos += size + 1
    return found


def check_history(audit_dir: Path, erased: Mapping[str, set[int]] | None = None
                  ) -> list[Problem]:
    """One problem per log whose committed versions are not all prefixes of today's.
    A line in ``erased`` (a recorded redaction) may differ, keeping its hash."""
    top, versions = committed_versions(audit_dir)
    worst: dict[str, Problem] = {}
    for commit, rel, blob in versions:
        problem = _compare(top / rel, commit, blob, (erased or {}).get(Path(rel).stem, set()))
        name = Path(rel).stem
        if problem and (name not in worst or (problem.line or 0) < (worst[name].line or 0)):
            worst[name] = problem
    return [worst[n] for n in sorted(worst)]


def _compare(path: Path, commit: str, blob: bytes, erased: set[int]) -> Problem | None:
    label = f"audit/{path.name}"
    if not path.exists():
        lines = blob.count(b"\n")
        return Problem(path.stem, None, "history",
                       f"{label} is gone, but commit {commit[:10]} has it ({lines} lines).")
    whole = blob[: blob.rfind(b"\n") + 1]
    current = path.read_bytes()
    if current.startswith(whole):
        return None
    same = 0
    old_lines, new_lines = whole.split(b"\n")[:-1], current.split(b"\n")
    for old, new in zip(old_lines, new_lines, strict=False):
        if old != new and not (same + 1 in erased and only_text_erased(old, new)):
            break
        same += 1
    if same == len(old_lines) and len(new_lines) > same:
        return None  # differs only where a recorded redaction erased text
    return Problem(path.stem, same + 1, "history",
                   f"{label} line {same + 1}: differs from the version committed in "
                   f"{commit[:10]}; every committed version must be a prefix of today's "
                   "(the log was edited, truncated or rewritten).")


def only_text_erased(old: bytes, new: bytes) -> bool:
    """Whether line ``new`` is line ``old`` with some of its project text erased and
    nothing else changed: the same hash, in format 2 the same body and fewer texts, in
    format 1 the same fields but some of quote, fp, memo and data.reason now null."""
    if old[-66:] != new[-66:]:
        return False
    try:
        before, after = json.loads(old), json.loads(new)
    except ValueError:
        return False
    if not (isinstance(before, dict) and isinstance(after, dict)) or list(before) != list(after):
        return False
    if "text" in after:
        kept, had = after["text"] or {}, before["text"] or {}
        return (isinstance(kept, dict) and isinstance(had, dict)
                and all(had.get(k) == v for k, v in kept.items())
                and {k: v for k, v in before.items() if k != "text"}
                == {k: v for k, v in after.items() if k != "text"})
    return all(_same_or_erased(k, before[k], after[k]) for k in before)


def _same_or_erased(key: str, old: Any, new: Any) -> bool:
    if old == new:
        return True
    if key in ("quote", "fp", "memo"):
        return new is None
    if key == "data" and isinstance(old, dict) and isinstance(new, dict):
        return new.get("reason") is None and {**old, "reason": None} == {**new, "reason": None}
    return False


def committed_keys(audit_dir: Path) -> dict[str, set[bytes]] | None:
    """``{coder: raw ed25519 keys}`` in every committed version of
    ``audit/keys/<coder>.pub`` on HEAD's history; None when the project is not in a
    git repository (or git is missing), ``{}`` when nothing is committed yet."""
    try:
        top = Path(_git(audit_dir.parent, "rev-parse", "--show-toplevel").decode().strip())
    except AuditError:
        return None
    folder = keys_dir(audit_dir)  # asked even when gone: deleting it must not hide the keys
    try:
        rel = (folder.parent.resolve() / folder.name).relative_to(top.resolve()).as_posix()
    except ValueError:
        return {}
    try:
        out = _git(top, "log", "--no-renames", "--name-only", "--format=@%H", "--", rel)
    except AuditError:
        return {}  # no commits yet
    wanted, commit = [], ""
    for line in out.decode("utf-8", "surrogateescape").splitlines():
        if line.startswith("@"):
            commit = line[1:]
        elif line.endswith(".pub") and commit:
            wanted.append((commit, line))
    found: dict[str, set[bytes]] = {}
    for _, path, blob in (_blobs(top, wanted) if wanted else []):
        coder = Path(path).stem
        try:
            keys = parse_key_lines(blob.decode("utf-8"), path)
        except (AuditError, UnicodeDecodeError):
            continue
        found.setdefault(coder, set()).update(k.raw for k in keys)
    return found
