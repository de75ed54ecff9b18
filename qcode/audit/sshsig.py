"""SSH signatures (the SSHSIG format of OpenSSH's PROTOCOL.sshsig) with Ed25519 keys.

Only encoding lives here: the SSH wire strings around a signature. Key generation,
signing and verification are ``cryptography``'s Ed25519; an ssh-agent signs through
paramiko's agent client. A signature made here verifies with
``ssh-keygen -Y verify -n qcode``, and one made by ``ssh-keygen -Y sign -n qcode``
verifies here. ``cryptography`` (heavy) is imported inside the functions that sign, verify or
read a private key, so a command that neither writes nor checks a signature never
loads it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import AuditError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

NAMESPACE = "qcode"
KEY_TYPE = b"ssh-ed25519"
_MAGIC = b"SSHSIG"
_HASH = b"sha512"
_ARMOR_BEGIN = "-----BEGIN SSH SIGNATURE-----"
_ARMOR_END = "-----END SSH SIGNATURE-----"


def _string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def _read_string(blob: bytes, pos: int) -> tuple[bytes, int]:
    if pos + 4 > len(blob):
        raise ValueError("truncated")
    (size,) = struct.unpack(">I", blob[pos:pos + 4])
    end = pos + 4 + size
    if end > len(blob):
        raise ValueError("truncated")
    return blob[pos + 4:end], end


@dataclass(frozen=True, slots=True)
class PublicKey:
    """An Ed25519 public key: its 32 raw bytes, with the OpenSSH forms derived."""

    raw: bytes
    comment: str = ""

    @property
    def blob(self) -> bytes:
        return _string(KEY_TYPE) + _string(self.raw)

    @property
    def openssh(self) -> str:
        """``ssh-ed25519 AAAA...`` (without the comment)."""
        return f"ssh-ed25519 {base64.b64encode(self.blob).decode('ascii')}"

    @property
    def fingerprint(self) -> str:
        """``SHA256:...`` as ``ssh-keygen -l`` prints it."""
        digest = base64.b64encode(hashlib.sha256(self.blob).digest()).decode("ascii")
        return "SHA256:" + digest.rstrip("=")

    def verifier(self) -> Ed25519PublicKey:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import (  # heavy: lazy
            Ed25519PublicKey,
        )

        return Ed25519PublicKey.from_public_bytes(self.raw)


def parse_public_key(text: str, where: str = "the key") -> PublicKey:
    """``ssh-ed25519 AAAA... [comment]``: the key; AuditError for anything else."""
    parts = text.strip().split(None, 2)
    if len(parts) < 2 or parts[0] != "ssh-ed25519":
        raise AuditError(f"{where}: not an OpenSSH ed25519 public key ('ssh-ed25519 AAAA...'); "
                         "qcode signs with Ed25519 keys only (`ssh-keygen -t ed25519`).")
    try:
        blob = base64.b64decode(parts[1], validate=True)
        kind, pos = _read_string(blob, 0)
        raw, end = _read_string(blob, pos)
    except (ValueError, binascii.Error) as exc:
        raise AuditError(f"{where}: the key's base64 part is damaged ({exc}).") from exc
    if kind != KEY_TYPE or len(raw) != 32 or end != len(blob):
        raise AuditError(f"{where}: not a well-formed ssh-ed25519 key.")
    return PublicKey(raw, parts[2].strip() if len(parts) > 2 else "")


def public_of(private: Ed25519PrivateKey) -> PublicKey:
    from cryptography.hazmat.primitives import serialization  # heavy: lazy

    raw = private.public_key().public_bytes(serialization.Encoding.Raw,
                                            serialization.PublicFormat.Raw)
    return PublicKey(raw)


def _signed_data(message: bytes, namespace: str) -> bytes:
    return (_MAGIC + _string(namespace.encode("ascii")) + _string(b"") + _string(_HASH)
            + _string(hashlib.sha512(message).digest()))


def signed_data(message: bytes, namespace: str = NAMESPACE) -> bytes:
    """The bytes an SSH signature's key actually signs (what an agent is asked to sign)."""
    return _signed_data(message, namespace)


def wrap(key: PublicKey, sig_blob: bytes, namespace: str = NAMESPACE) -> bytes:
    """The SSHSIG blob from a key and its SSH signature blob (``ssh-ed25519`` + 64 bytes)."""
    return (_MAGIC + struct.pack(">I", 1) + _string(key.blob) + _string(namespace.encode("ascii"))
            + _string(b"") + _string(_HASH) + _string(sig_blob))


def sign_with(private: Ed25519PrivateKey, message: bytes, namespace: str = NAMESPACE) -> bytes:
    """The SSHSIG blob of ``message`` signed by ``private``."""
    raw_sig = private.sign(_signed_data(message, namespace))
    return wrap(public_of(private), _string(KEY_TYPE) + _string(raw_sig), namespace)


@dataclass(frozen=True, slots=True)
class Parsed:
    key: PublicKey
    namespace: str
    signature: bytes


def parse_signature(blob: bytes) -> Parsed:
    """The parts of an SSHSIG blob; ValueError if it is not one (ed25519, sha512)."""
    if not blob.startswith(_MAGIC) or blob[6:10] != struct.pack(">I", 1):
        raise ValueError("not an SSHSIG version 1 blob")
    pos = 10
    fields = []
    for _ in range(5):
        value, pos = _read_string(blob, pos)
        fields.append(value)
    if pos != len(blob):
        raise ValueError("bytes after the signature")
    key_blob, namespace, _reserved, hash_alg, sig_blob = fields
    kind, p = _read_string(key_blob, 0)
    raw, p2 = _read_string(key_blob, p)
    skind, q = _read_string(sig_blob, 0)
    sig, q2 = _read_string(sig_blob, q)
    if (kind, skind) != (KEY_TYPE, KEY_TYPE) or len(raw) != 32 or len(sig) != 64:
        raise ValueError("not an ssh-ed25519 signature")
    if hash_alg != _HASH or p2 != len(key_blob) or q2 != len(sig_blob):
        raise ValueError("not a sha512 SSHSIG signature")
    return Parsed(PublicKey(raw), namespace.decode("ascii", "replace"), sig)


_VERIFIERS: dict[bytes, Ed25519PublicKey] = {}


def verify(blob: bytes, message: bytes, namespace: str = NAMESPACE) -> PublicKey | None:
    """The key that made SSHSIG ``blob`` over ``message`` in ``namespace``, or None
    when the blob is malformed, in another namespace, or does not verify."""
    try:
        parsed = parse_signature(blob)
    except ValueError:
        return None
    if parsed.namespace != namespace:
        return None
    from cryptography.exceptions import InvalidSignature  # heavy: lazy

    verifier = _VERIFIERS.get(parsed.key.raw)
    if verifier is None:
        verifier = _VERIFIERS.setdefault(parsed.key.raw, parsed.key.verifier())
    try:
        verifier.verify(parsed.signature, _signed_data(message, namespace))
    except InvalidSignature:
        return None
    return parsed.key


def armor(blob: bytes) -> str:
    """The PEM-like text ``ssh-keygen -Y sign`` writes (base64 in lines of 70)."""
    text = base64.b64encode(blob).decode("ascii")
    lines = [text[i:i + 70] for i in range(0, len(text), 70)]
    return "\n".join([_ARMOR_BEGIN, *lines, _ARMOR_END]) + "\n"


def unarmor(text: str) -> bytes:
    body = text.strip()
    if not body.startswith(_ARMOR_BEGIN) or not body.endswith(_ARMOR_END):
        raise ValueError("not an armored SSH signature")
    inner = body[len(_ARMOR_BEGIN):-len(_ARMOR_END)]
    return base64.b64decode("".join(inner.split()), validate=True)


def new_private_key() -> tuple[Ed25519PrivateKey, bytes]:
    """A fresh key and its OpenSSH private key file bytes (unencrypted)."""
    from cryptography.hazmat.primitives import serialization  # heavy: lazy
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    data = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                             serialization.NoEncryption())
    return key, data


def load_private_key(data: bytes, where: str) -> Ed25519PrivateKey | None:
    """The key in an OpenSSH private key file; None when it is passphrase-protected
    (qcode never prompts: such a key signs through ssh-agent)."""
    from cryptography.exceptions import UnsupportedAlgorithm  # heavy: lazy
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        key: Any = serialization.load_ssh_private_key(data, password=None)
    except TypeError:
        return None  # encrypted: "Password was not given but private key is encrypted"
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise AuditError(f"{where}: not a readable OpenSSH private key ({exc}).") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise AuditError(f"{where}: not an ed25519 key; make one with `qcode keys init` or "
                         "`ssh-keygen -t ed25519`.")
    return key

