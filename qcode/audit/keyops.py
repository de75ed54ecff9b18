"""Key commands as library functions: publish, rotate, countersign, revoke, sign.

Each writes what it decides to the logs, signed, so ``verify`` can replay who
vouched for which key when (rules in ``coverage``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import AuditError
from .keys import (
    find_signer,
    key_path,
    make_key,
    private_key_path,
    publish,
    published,
    read_public,
)
from .line import Event
from .log import PROJECT_LOG, locked_log

if TYPE_CHECKING:
    from ..project import Project

UNDOABLE = ("apply", "remove", "memo", "accept", "reject", "void", "route")


@dataclass(frozen=True, slots=True)
class KeyDone:
    """What a key command did: the key, the files it wrote, the log lines."""

    fingerprint: str
    public_file: Path
    private_file: Path | None = None
    events: tuple[Event, ...] = ()


def init_key(project: Project, coder: str, source: Path | None = None) -> KeyDone:
    """Publish ``coder``'s first key: a new one, or the OpenSSH key at ``source``."""
    if published(project.audit_dir, coder):
        raise AuditError(f"audit/keys/{coder}.pub already holds a key; replace it with "
                         f"`qcode keys rotate --coder {coder}`.")
    private = None
    if source is None:
        key, private = make_key(coder)
    else:
        key = read_public(source.expanduser())
    path = publish(project.audit_dir, coder, key)
    return KeyDone(key.fingerprint, path, private)


def rotate_key(project: Project, coder: str, source: Path | None = None, *,
               clock: Any = None) -> KeyDone:
    """Replace ``coder``'s key: a ``key`` line in her log, signed by the old key."""
    old = find_signer(project.audit_dir, coder)
    private = None
    if source is None:
        current = private_key_path(coder)
        if current.exists():
            n = 1
            while current.with_name(f"{coder}.replaced-{n}").exists():
                n += 1
            current.rename(current.with_name(f"{coder}.replaced-{n}"))
            pub = current.with_name(current.name + ".pub")
            if pub.exists():
                pub.rename(current.with_name(f"{coder}.replaced-{n}.pub"))
        key, private = make_key(coder)
    else:
        key = read_public(source.expanduser())
    if any(k.raw == key.raw for k in published(project.audit_dir, coder)):
        raise AuditError(f"{key.fingerprint} is already one of {coder}'s keys.")
    fields = {"actor": coder, "action": "key",
              "data": {"key": key.openssh, "replaces": old.key.fingerprint}}
    with locked_log(project.log_path(coder), project.id, clock=clock) as log:
        events = log.append([fields], signer=old)
    path = publish(project.audit_dir, coder, key)
    return KeyDone(key.fingerprint, path, private, events)


def _lead(project: Project, who: str) -> None:
    lead = project.settings.lead
    if lead is None:
        raise AuditError("qcode.yaml names no lead; add `audit: {lead: NAME}` (the person "
                         "who countersigns and revokes keys) and commit it.")
    if who != lead:
        raise AuditError(f"Only the lead ({lead}) countersigns or revokes keys; you act as "
                         f"{who} (pass --as {lead}).")


def countersign(project: Project, lead: str, coder: str, *, clock: Any = None) -> KeyDone:
    """The lead vouches in project.log for ``coder``'s newest published key."""
    _lead(project, lead)
    keys = published(project.audit_dir, coder)
    if not keys:
        raise AuditError(f"{coder} has no key in audit/keys/{coder}.pub to countersign.")
    if coder == lead:
        raise AuditError("The lead's own key counts once audit/keys/"
                         f"{lead}.pub is committed to git; nobody can countersign it.")
    fields = {"actor": lead, "action": "key", "data": {"coder": coder, "key": keys[-1].openssh}}
    events = _project_append(project, lead, fields, clock)
    return KeyDone(keys[-1].fingerprint, key_path(project.audit_dir, coder), None, events)


def revoke(project: Project, lead: str, coder: str, reason: str, source: Path | None = None, *,
           clock: Any = None) -> KeyDone:
    """The lead revokes ``coder``'s newest key (lost or stolen) and, with ``source``,
    gives her a new one, in one signed project.log line."""
    _lead(project, lead)
    keys = published(project.audit_dir, coder)
    if not keys:
        raise AuditError(f"{coder} has no key in audit/keys/{coder}.pub to revoke.")
    new = read_public(source.expanduser()) if source is not None else None
    data = {"coder": coder, "revoke": keys[-1].openssh, "key": new.openssh if new else None,
            "reason": reason}
    events = _project_append(project, lead, {"actor": lead, "action": "key", "data": data}, clock)
    path = publish(project.audit_dir, coder, new) if new else key_path(project.audit_dir, coder)
    return KeyDone(keys[-1].fingerprint, path, None, events)


def _project_append(project: Project, actor: str, fields: dict[str, Any], clock: Any
                    ) -> tuple[Event, ...]:
    with locked_log(project.log_path(PROJECT_LOG), project.id, clock=clock) as log:
        return log.append([fields])


def sign_log(project: Project, coder: str, *, void: bool = False, clock: Any = None
             ) -> tuple[Event, ...]:
    """Sign the unsigned tail of ``coder``'s log (or, with ``void``, void its decisions
    first and sign that): what the owner does after a crash or a refused append."""
    signer = find_signer(project.audit_dir, coder)
    with locked_log(project.log_path(coder), project.id, clock=clock, signing=None) as log:
        events = log.read_events()
        tail = _unsigned_tail(events)
        if not tail:
            raise AuditError(f"audit/{coder}.log: its head is already signed; nothing to do.")
        if void:
            targets = [e for e in tail if e.action in UNDOABLE]
            batch = [{"actor": coder, "action": "void", "ref": f"{coder}:{e.seq}",
                      "data": {"undid": e.action, "reason": "unsigned"}} for e in targets]
            if batch:
                return log.append(batch, signer=signer) + tuple(log.signatures)
        return (log.sign_head(signer, coder),)


def _unsigned_tail(events: tuple[Event, ...]) -> list[Event]:
    """The events after the last ``sign`` line (all of them without one)."""
    for index in range(len(events) - 1, -1, -1):
        if events[index].action == "sign":
            return list(events[index + 1:])
    return list(events)
