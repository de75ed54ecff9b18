"""Coders' signing keys: the published public keys and the private key that signs.

The project holds one file per coder, ``audit/keys/<coder>.pub``: OpenSSH ed25519
public keys, one a line, the newest last (older lines are keys it replaced). A
coder's private key stays on her machine: one qcode made (``qcode keys init``, in
``~/.config/qcode/keys/<coder>``), her own ``~/.ssh/id_ed25519``, the file named by
``QCODE_SIGNING_KEY``, or a passphrase-protected key held by ssh-agent (qcode never
prompts). cryptography and paramiko load only when a key is actually read or used.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import AuditError
from ..project import user_config_path
from .sshsig import (
    PublicKey,
    load_private_key,
    new_private_key,
    parse_public_key,
    public_of,
    sign_with,
    signed_data,
    wrap,
)

KEYS_DIR = "keys"


def keys_dir(audit_dir: Path) -> Path:
    return audit_dir / KEYS_DIR


def key_path(audit_dir: Path, coder: str) -> Path:
    """``audit/keys/<coder>.pub``."""
    return keys_dir(audit_dir) / f"{coder}.pub"


def has_keys(audit_dir: Path, coder: str) -> bool:
    return key_path(audit_dir, coder).is_file()


def parse_key_lines(text: str, where: str) -> list[PublicKey]:
    """The keys in a ``.pub`` file's text (blank lines and ``#`` comments skipped)."""
    keys = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() and not line.lstrip().startswith("#"):
            keys.append(parse_public_key(line, f"{where} line {number}"))
    return keys


def published(audit_dir: Path, coder: str) -> list[PublicKey]:
    """The keys in ``audit/keys/<coder>.pub``, oldest first (none: no file)."""
    path = key_path(audit_dir, coder)
    if not path.is_file():
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditError(f"audit/keys/{path.name}: cannot read it ({exc}).") from exc
    return parse_key_lines(text, f"audit/keys/{path.name}")


def coders_with_keys(audit_dir: Path) -> list[str]:
    folder = keys_dir(audit_dir)
    return sorted(p.stem for p in folder.glob("*.pub")) if folder.is_dir() else []


def publish(audit_dir: Path, coder: str, key: PublicKey) -> Path:
    """Add ``key`` as the newest line of ``audit/keys/<coder>.pub``."""
    path = key_path(audit_dir, coder)
    path.parent.mkdir(parents=True, exist_ok=True)
    comment = f" {coder}"
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(key.openssh + comment + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return path


def allowed_signers(audit_dir: Path) -> str:
    """git's / ssh-keygen's ``allowed_signers`` text for every published key, limited to
    the ``qcode`` namespace (so no key here can pass for a git or login signature)."""
    lines = []
    for coder in coders_with_keys(audit_dir):
        for key in published(audit_dir, coder):
            lines.append(f'{coder} namespaces="qcode" {key.openssh}')
    return "\n".join(lines) + ("\n" if lines else "")


# ---------------------------------------------------------------- private keys


def private_key_path(coder: str) -> Path:
    """Where ``qcode keys init`` keeps a coder's private key."""
    return user_config_path().parent / "keys" / coder


def candidate_files(coder: str) -> list[Path]:
    """Private key files to try, in order."""
    found = []
    explicit = os.environ.get("QCODE_SIGNING_KEY")
    if explicit:
        found.append(Path(explicit).expanduser())
    found.append(private_key_path(coder))
    found.append(Path.home() / ".ssh" / "id_ed25519")
    return found


@dataclass(frozen=True, slots=True)
class Signer:
    """Signs messages as one key: ``sign(message) -> SSHSIG blob``."""

    key: PublicKey
    source: str
    sign: Callable[[bytes], bytes]


_SIGNERS: dict[tuple[str, str, int, int, str], tuple[Signer, int]] = {}


def find_signer(audit_dir: Path, coder: str) -> Signer:
    """A signer for one of ``coder``'s published keys (the newest that can sign);
    AuditError naming what was tried when none can. A process that signs often (the
    terminal view) finds it once, until the key file or QCODE_SIGNING_KEY changes."""
    path = key_path(audit_dir, coder)
    try:
        stat = path.stat()
    except OSError:
        stat = None
    memo = (str(path), coder, stat.st_mtime_ns if stat else 0, stat.st_size if stat else 0,
            os.environ.get("QCODE_SIGNING_KEY", ""))
    if memo in _SIGNERS:
        signer, stamp = _SIGNERS[memo]
        if _stamp(Path(signer.source)) == stamp:
            return signer
    signer = _find_signer(audit_dir, coder)
    if signer.source != "ssh-agent":
        _SIGNERS[memo] = (signer, _stamp(Path(signer.source)))
    return signer


def _stamp(path: Path) -> int:
    """The private key file's modification time (-1: gone)."""
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return -1


def _find_signer(audit_dir: Path, coder: str) -> Signer:
    keys = published(audit_dir, coder)
    if not keys:
        raise AuditError(f"{coder} has no key in audit/keys/{coder}.pub; run `qcode keys init "
                         f"--coder {coder}` (or `--from ~/.ssh/id_ed25519.pub`).")
    wanted = {k.raw: k for k in keys}
    order = [k.raw for k in reversed(keys)]
    locked: list[Path] = []
    for path in candidate_files(coder):
        signer = _file_signer(path, wanted, locked)
        if signer is not None and signer.key.raw == order[0]:
            return signer
    agent = _agent_signer(wanted, order)
    if agent is not None:
        return agent
    for path in candidate_files(coder):  # an older published key still signs
        signer = _file_signer(path, wanted, [])
        if signer is not None:
            return signer
    hint = (f" {', '.join(map(str, locked))} is passphrase-protected: add it to ssh-agent "
            "(`ssh-add`) so qcode can sign without asking." if locked else "")
    raise AuditError(
        f"No private key for {coder}'s key {keys[-1].fingerprint} (audit/keys/{coder}.pub): "
        f"not in ssh-agent and not in {', '.join(str(p) for p in candidate_files(coder))}."
        f"{hint} Set QCODE_SIGNING_KEY to the key file, or ask the lead to replace the key "
        "(`qcode keys revoke`)."
    )


def _file_signer(path: Path, wanted: dict[bytes, PublicKey], locked: list[Path]
                 ) -> Signer | None:
    if not path.is_file():
        return None
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if b"OPENSSH PRIVATE KEY" not in data[:64]:
        return None
    private = load_private_key(data, str(path))
    if private is None:
        locked.append(path)
        return None
    key = public_of(private)
    if key.raw not in wanted:
        return None
    return Signer(wanted[key.raw], str(path), lambda message: sign_with(private, message))


def _agent_signer(wanted: dict[bytes, PublicKey], order: list[bytes]) -> Signer | None:
    if not os.environ.get("SSH_AUTH_SOCK"):
        return None
    try:
        from paramiko.agent import Agent  # heavy: lazy
        from paramiko.ssh_exception import SSHException
    except ImportError:  # pragma: no cover - paramiko is a dependency
        return None
    try:
        agent_keys = Agent().get_keys()
    except (SSHException, OSError):
        return None
    by_raw = {}
    for agent_key in agent_keys:
        blob = agent_key.asbytes()
        if blob.startswith(b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20") and len(blob) == 51:
            by_raw[blob[-32:]] = agent_key
    for raw in order:
        if raw in by_raw:
            return Signer(wanted[raw], "ssh-agent", _agent_sign(wanted[raw], by_raw[raw]))
    return None


def _agent_sign(key: PublicKey, agent_key: object) -> Callable[[bytes], bytes]:
    def sign(message: bytes) -> bytes:
        sig_blob = agent_key.sign_ssh_data(signed_data(message))  # type: ignore[attr-defined]
        return wrap(key, sig_blob)

    return sign


def make_key(coder: str) -> tuple[PublicKey, Path]:
    """A new ed25519 key in ``~/.config/qcode/keys/<coder>`` (mode 600), with a ``.pub``
    beside it; AuditError if one is already there."""
    path = private_key_path(coder)
    if path.exists():
        raise AuditError(f"{path} already exists; publish it with `qcode keys init --from "
                         f"{path}.pub`, or move it away first.")
    path.parent.mkdir(parents=True, exist_ok=True)
    private, data = new_private_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    key = public_of(private)
    path.with_name(path.name + ".pub").write_text(f"{key.openssh} {coder}\n", encoding="utf-8")
    return key, path


def read_public(path: Path) -> PublicKey:
    """The public key in ``path`` (a ``.pub`` file, or a private key with one beside it)."""
    pub = path if path.suffix == ".pub" else path.with_name(path.name + ".pub")
    if pub.is_file():
        return parse_public_key(pub.read_text(encoding="utf-8").strip(), str(pub))
    if path.is_file():
        private = load_private_key(path.read_bytes(), str(path))
        if private is not None:
            return public_of(private)
    beside = "" if pub == path else f" (nor {pub.name} beside it)"
    raise AuditError(f"{path}: no OpenSSH ed25519 public key there{beside}; give the .pub "
                     "file of an ed25519 key (`ssh-keygen -t ed25519` makes one).")


def b64(blob: bytes) -> str:
    return base64.b64encode(blob).decode("ascii")
