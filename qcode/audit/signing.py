"""Signed heads: the ``sign`` line a writer appends, and the check before an append.

A ``sign`` line's ``data`` is ``{"seq", "hash", "key", "sig"}``: the head it signs
(the line just before it), the signing key's fingerprint, and the SSH signature
(SSHSIG, namespace ``qcode``, base64) of :func:`head_message`. The chain links
every earlier line to that head, so one signature covers a whole command's lines.

An append is refused while the log's head is not covered by its owner's signature
and the owner has a published key (or ``qcode.yaml`` requires signatures): nobody's
later signature can then cover a line someone else slipped in. :func:`head_signed`
is that check, public so other parts (the broken-log warnings) can ask it too.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import AuditError
from ..project import SETTINGS_FILE, parse_settings
from .keys import Signer, find_signer, has_keys, published
from .line import LineError, parse_object
from .sshsig import verify

PROJECT_LOG = "project"
HEAD_FORMAT = "qcode-head-v1"


def head_message(project_id: str, log: str, seq: int, hash_hex: str) -> bytes:
    """The bytes a ``sign`` line's signature covers."""
    return f"{HEAD_FORMAT}\n{project_id}\n{log}\n{seq}\n{hash_hex}\n".encode("ascii")


def sign_fields(signer: Signer, project_id: str, log: str, actor: str, seq: int,
                hash_hex: str) -> dict[str, Any]:
    """The fields of the ``sign`` line that signs head ``seq``/``hash_hex`` of ``log``."""
    blob = signer.sign(head_message(project_id, log, seq, hash_hex))
    data = {"seq": seq, "hash": hash_hex, "key": signer.key.fingerprint,
            "sig": base64.b64encode(blob).decode("ascii")}
    return {"actor": actor, "action": "sign", "data": data}


def decode_sig(data: Any) -> bytes | None:
    if not isinstance(data, dict) or not isinstance(data.get("sig"), str):
        return None
    try:
        return base64.b64decode(data["sig"], validate=True)
    except (binascii.Error, ValueError):
        return None


def signature_key(project_id: str, log: str, obj: dict[str, Any], prev: dict[str, Any] | None
                  ) -> Any:
    """The key whose valid signature the ``sign`` line ``obj`` carries over the line
    ``prev`` before it (a PublicKey), or None: not a sign line, wrong head, bad signature."""
    data = obj.get("data")
    if obj.get("action") != "sign" or prev is None or not isinstance(data, dict):
        return None
    if data.get("seq") != prev["seq"] or data.get("hash") != prev["hash"]:
        return None
    blob = decode_sig(data)
    if blob is None:
        return None
    return verify(blob, head_message(project_id, log, prev["seq"], prev["hash"]))


def owner_of(log: str, last: dict[str, Any], prev: dict[str, Any] | None) -> str:
    """Whose signature the head needs: the log's coder, or in project.log the person
    who wrote its last line."""
    if log != PROJECT_LOG:
        return log
    if last.get("action") == "sign" and prev is not None:
        return str(prev["actor"])
    return str(last["actor"])


def head_signed(audit_dir: Path, project_id: str, log: str, last_raw: bytes,
                prev_raw: bytes | None) -> bool:
    """Whether the log's last line is its owner's valid signature of the line before
    it, by a key published in ``audit/keys/<owner>.pub``."""
    try:
        last = parse_object(last_raw, strict=False)
        prev = parse_object(prev_raw, strict=False) if prev_raw else None
    except (LineError, UnicodeDecodeError):
        return False
    key = signature_key(project_id, log, last, prev)
    if key is None or last["actor"] != owner_of(log, last, prev):
        return False
    return any(k.raw == key.raw for k in published(audit_dir, str(last["actor"])))


def tail_unsigned(audit_dir: Path, log: str, tail: tuple[bytes | None, bytes | None],
                  require: bool = False) -> tuple[str, int] | None:
    """Who should have signed the log's last line (and its seq) but has not (an
    unsigned tail), or None. Only the shape is checked (a ``sign`` line of the owner naming the line before
    it), not the signature: analyses ask this, and must not load the signing code;
    ``verify`` and every append check the signature itself."""
    prev_raw, last_raw = tail
    if not last_raw:
        return None
    try:
        last = parse_object(last_raw, strict=False)
        prev = parse_object(prev_raw, strict=False) if prev_raw else None
    except (LineError, UnicodeDecodeError):
        return None  # the chain check reports a damaged line
    owner = owner_of(log, last, prev)
    if not (require or has_keys(audit_dir, owner)):
        return None
    data = last.get("data")
    if (last["action"] == "sign" and prev is not None and last["actor"] == owner
            and isinstance(data, dict) and data.get("seq") == prev["seq"]
            and data.get("hash") == prev["hash"]):
        return None
    return owner, last["seq"]


@dataclass(frozen=True, slots=True)
class Signing:
    """What an append to one project's logs must do about signatures."""

    audit_dir: Path
    project_id: str
    require: bool = False

    def check_head(self, log: str, tail: tuple[bytes | None, bytes | None]) -> None:
        """Raise AuditError when the head is unsigned and must not be (see module doc)."""
        prev_raw, last_raw = tail
        if not last_raw:
            return
        if head_signed(self.audit_dir, self.project_id, log, last_raw, prev_raw):
            return
        try:
            last = parse_object(last_raw, strict=False)
            prev = parse_object(prev_raw, strict=False) if prev_raw else None
        except (LineError, UnicodeDecodeError):
            return  # the log's own reader reports a damaged last line
        owner = owner_of(log, last, prev)
        if self.require or has_keys(self.audit_dir, owner):
            raise AuditError(
                f"audit/{log}.log: its last line (seq {last['seq']}) is not covered by a "
                f"signature of {owner}; nothing was written. See which lines with `qcode "
                f"audit verify`; then {owner} signs them (`qcode audit sign --coder {owner}`) "
                f"or voids them (`qcode audit sign --void --coder {owner}`)."
            )

    def signer_for(self, log: str, actors: set[str]) -> Signer | None:
        """The signer for this append's lines, or None when they go unsigned (the
        actor has no published key and signatures are not required)."""
        if len(actors) != 1:
            if self.require or any(has_keys(self.audit_dir, a) for a in actors):
                raise AuditError(f"audit/{log}.log: one command's lines must all be by one "
                                 f"person to be signed (got {', '.join(sorted(actors))}).")
            return None
        (actor,) = actors
        if not self.require and not has_keys(self.audit_dir, actor):
            return None
        if self.require and not has_keys(self.audit_dir, actor):
            raise AuditError(f"qcode.yaml requires signatures (audit: require_signatures), "
                             f"and {actor} has no key; nothing was written. Run `qcode keys "
                             f"init --coder {actor}`.")
        return find_signer(self.audit_dir, actor)


def signing_for(audit_dir: Path, project_id: str) -> Signing:
    """The signing rules of the project whose ``audit/`` is ``audit_dir``."""
    require = False
    settings_path = audit_dir.parent / SETTINGS_FILE
    if settings_path.is_file():
        try:
            text = settings_path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise AuditError(f"{settings_path}: cannot read it ({exc}).") from exc
        if "require_signatures" in text:
            require = parse_settings(text, str(settings_path)).require_signatures
    return Signing(audit_dir, project_id, require)
