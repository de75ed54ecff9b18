"""Which lines of each log a valid signature of its owner covers, and by which key.

Key validity (docs/audit-format.md, "Keys"):

* a coder's first key counts once it is in a committed version of
  ``audit/keys/<coder>.pub`` (the project's git history) or countersigned by the
  lead (a ``key`` line in project.log, covered by the lead's signature); the
  lead's own key counts only through git;
* a later key counts from the ``key`` line in the coder's own log that names it,
  when the signature covering that line is by the key it replaces (which then
  signs nothing after that signature), or from the lead's ``key`` line that gives
  it; a key the lead revokes signs nothing dated at or after the revocation.

A ``sign`` line covers every line before it in a coder's log (the chain links
them); in project.log only the lines since the previous ``sign`` line, all by the
signer. Lines no valid signature covers are named.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .signing import PROJECT_LOG, signature_key
from .sshsig import parse_public_key


@dataclass
class KeyRing:
    """Every key's standing: committed keys per coder, and what project.log said."""

    committed: dict[str, set[bytes]] | None  # None: no git history to consult
    lead: str | None
    countersigned: dict[str, dict[bytes, str]] = field(default_factory=dict)
    granted: dict[str, list[tuple[bytes, str, str]]] = field(default_factory=dict)
    revoked: dict[str, list[tuple[bytes, str, str]]] = field(default_factory=dict)

    def basis(self, coder: str, raw: bytes, time: str, own: dict[bytes, str]) -> str | None:
        """Why ``raw`` may sign for ``coder`` at ``time`` (None: it may not)."""
        for key, when, _where in self.revoked.get(coder, ()):
            if key == raw and time >= when:
                return None
        if self.committed is not None and raw in self.committed.get(coder, ()):
            return "committed in git"
        if raw in own:
            return own[raw]
        if raw in self.countersigned.get(coder, {}) and coder != self.lead:
            return self.countersigned[coder][raw]
        for key, when, where in self.granted.get(coder, ()):
            if key == raw and time >= when and coder != self.lead:
                return where
        return None


@dataclass(frozen=True, slots=True)
class Cover:
    """Lines ``first``..``last`` covered by ``key`` (a fingerprint) for ``why``."""

    first: int
    last: int
    signer: str
    key: str
    why: str


@dataclass
class Coverage:
    log: str
    covers: list[Cover] = field(default_factory=list)
    uncovered: list[int] = field(default_factory=list)
    bad: list[tuple[int, str]] = field(default_factory=list)  # sign lines that fail
    joined: list[int] = field(default_factory=list)  # signatures behind each cover
    signatures: int = 0

    @property
    def signed(self) -> bool:
        return bool(self.covers) or bool(self.bad)

    @property
    def last_signed(self) -> int:
        return max((c.last for c in self.covers), default=0)


def _key_of(obj: dict[str, Any]) -> Any:
    data = obj.get("data") or {}
    text = data.get("key") if isinstance(data, dict) else None
    if not isinstance(text, str) or not text.startswith("ssh-ed25519 "):
        return None
    try:
        return parse_public_key(text)
    except Exception:  # noqa: BLE001 - a malformed key line gives no key
        return None


def assess(project_id: str, log: str, lines: int, trail: Iterable[tuple[int, dict, str]],
           ring: KeyRing, actors: tuple[str, ...] = ()) -> Coverage:
    """The coverage of one log from its ``sign`` and ``key`` lines (``trail``: line
    number, object, hash of the line before). Lead ``key`` lines in project.log
    update ``ring`` as their signatures are found valid."""
    out = Coverage(log)
    own: dict[bytes, str] = {}  # keys rotated in by this log's owner
    retired: dict[bytes, int] = {}  # old key -> the last sign line it may make
    pending: list[tuple[int, dict]] = []
    start = 1
    for number, obj, prev_hash in trail:
        if obj["action"] == "key":
            pending.append((number, obj))
            continue
        if obj["action"] != "sign":
            continue
        out.signatures += 1
        signer = str(obj["actor"])
        key = signature_key(project_id, log, obj, {"seq": number - 1, "hash": prev_hash})
        reason = _refused(log, signer, key, number, retired)
        why = None if reason else ring.basis(signer, key.raw, obj["time"], own)
        if reason or why is None:
            out.bad.append((number, reason or _not_valid(signer, key)))
            continue
        first = start
        if log == PROJECT_LOG:
            foreign = [n for n in range(start, number) if actors[n - 1] != signer]
            out.uncovered += foreign
        _cover(out, Cover(first, number - 1, signer, key.fingerprint, why))
        _apply_keys(pending, log, signer, key, number, own, retired, ring, actors)
        pending = []
        start = number + 1
    out.uncovered += list(range(start, lines + 1))
    return out


def _cover(out: Coverage, cover: Cover) -> None:
    """Add ``cover``, joined to the previous one when it continues it with the same
    key, signer and reason (a log signed after every line keeps one entry, not one per
    line)."""
    last = out.covers[-1] if out.covers else None
    if last is not None and (last.key, last.why, last.signer) == (
            cover.key, cover.why, cover.signer) and cover.first <= last.last + 2:
        out.covers[-1] = Cover(last.first, cover.last, cover.signer, cover.key, cover.why)
        out.joined[-1] += 1
    else:
        out.covers.append(cover)
        out.joined.append(1)


def _refused(log: str, signer: str, key: Any, number: int, retired: dict[bytes, int]
             ) -> str | None:
    if key is None:
        return "its signature does not verify over the line before it (forged, or the " \
               "line was moved)"
    if log != PROJECT_LOG and signer != log:
        return f"it is signed as {signer!r}, not by the log's owner"
    if key.raw in retired and number > retired[key.raw]:
        return f"key {key.fingerprint} was replaced before this signature"
    return None


def _not_valid(signer: str, key: Any) -> str:
    return (f"key {key.fingerprint} is not a valid key of {signer} at this point (not in a "
            f"committed audit/keys/{signer}.pub, not countersigned by the lead, or revoked)")


def _apply_keys(pending: list[tuple[int, dict]], log: str, signer: str, key: Any, number: int,
                own: dict[bytes, str], retired: dict[bytes, int], ring: KeyRing,
                actors: tuple[str, ...]) -> None:
    """Key lines that the signature at ``number`` just covered take effect."""
    for line, obj in pending:
        data = obj.get("data") or {}
        new = _key_of(obj)
        if log != PROJECT_LOG:
            if data.get("replaces") == key.fingerprint and new is not None:
                own[new.raw] = f"rotated in at audit/{log}.log line {line}"
                retired[key.raw] = number
            continue
        if signer != ring.lead or obj["actor"] != signer:
            continue
        coder = data.get("coder")
        if not isinstance(coder, str):
            continue
        where = f"given by the lead at project.log line {line}"
        revoke = _key_of({"data": {"key": data.get("revoke")}})
        if revoke is not None:
            ring.revoked.setdefault(coder, []).append((revoke.raw, obj["time"], where))
            if new is not None:
                ring.granted.setdefault(coder, []).append((new.raw, obj["time"], where))
        elif new is not None:
            ring.countersigned.setdefault(coder, {})[new.raw] = (
                f"countersigned by the lead at project.log line {line}")


def ranges(numbers: list[int]) -> str:
    """``[3, 4, 5, 9]`` -> ``"3-5, 9"``."""
    parts: list[str] = []
    for n in sorted(set(numbers)):
        if parts and parts[-1].split("-")[-1] == str(n - 1):
            parts[-1] = f"{parts[-1].split('-')[0]}-{n}"
        else:
            parts.append(str(n))
    return ", ".join(parts)
