"""What the signatures prove about each log: covered and uncovered lines, forged or
invalid signatures, false seals, and how far a log is shown to be complete.

``verify`` calls :func:`signature_findings` after checking every chain. A project
without keys and signatures pays only for a directory listing here: cryptography
is imported only when a ``sign`` line or a published key is there to check.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field, replace
from pathlib import Path

from .coverage import Coverage, KeyRing, assess, ranges
from .erasure import naming_records
from .keys import coders_with_keys
from .log import display
from .signing import PROJECT_LOG, head_message
from .sshsig import verify as verify_sig
from .verify import LogCheck, Problem, Seal, Verdict, trusted_records


@dataclass
class Findings(Verdict):
    coverage: dict[str, Coverage] = field(default_factory=dict)


def signature_findings(checks: dict[str, LogCheck], audit_dir: Path, project_id: str, *,
                       lead: str | None = None, require: bool = False,
                       committed: dict[str, set[bytes]] | None = None,
                       git_lines: dict[str, int] | None = None) -> Findings:
    """Coverage, problems and notes for every log in ``checks``."""
    found = Findings()
    enrolled = set(coders_with_keys(audit_dir))
    for coder in sorted(set(committed or {}) - enrolled):
        if committed and committed[coder]:  # a published key someone deleted since
            enrolled.add(coder)
            found.notes.append(f"audit/keys/{coder}.pub is gone, but git has it: {coder}'s "
                               f"committed keys still count, and audit/{coder}.log still "
                               "needs their signatures.")
    if not require and not enrolled and not any(
            o["action"] == "sign" or _has_sig(o) for c in checks.values() for _, o, _ in c.trail):
        counts = ", ".join(f"{n}.log {c.lines}" for n, c in sorted(checks.items()) if c.lines)
        if counts:
            found.notes.append(f"No log is signed ({counts} lines): the chains show the order "
                               "of the lines, not who wrote them, and seals are testimony "
                               "(see `qcode keys init`).")
        return found
    ring = KeyRing(committed, lead)
    order = sorted(checks, key=lambda n: (n != PROJECT_LOG, n))
    for name in order:
        check = checks[name]
        cov = assess(project_id, name, check.lines, check.trail, ring, check.actors)
        found.coverage[name] = cov
        _judge(check, cov, found, enrolled, require)
    _check_seal_sigs(checks, found, ring, project_id)
    _unsigned_redactions(checks, found, audit_dir)
    found.signed_through = {n: c.last_signed for n, c in found.coverage.items() if c.covers}
    _completeness(checks, found, git_lines)
    if committed is None and enrolled:
        found.notes.append("The project is not in a git repository with commits, so only keys "
                           "the lead countersigned count (see `qcode keys countersign`).")
    return found


def _has_sig(obj: dict) -> bool:
    logs = (obj.get("data") or {}).get("logs") if obj["action"] == "seal" else None
    return isinstance(logs, dict) and any(isinstance(h, dict) and "sig" in h
                                          for h in logs.values())


def _judge(check: LogCheck, cov: Coverage, found: Findings, enrolled: set[str],
           require: bool) -> None:
    where = display(check.path)
    for number, reason in cov.bad:
        found.problems.append(Problem(check.name, number, "signature",
                                      f"{where} line {number}: a signature that does not "
                                      f"count: {reason}."))
    for cover, count in zip(cov.covers, cov.joined, strict=True):
        found.notes.append(f"{where}: lines {cover.first}-{cover.last} signed by "
                           f"{cover.signer} with {cover.key} ({cover.why}; {count} "
                           "signature(s)).")
    if not cov.uncovered:
        return
    owners = ({check.actors[n - 1] for n in cov.uncovered} if check.name == PROJECT_LOG
              else {check.name})
    needed = require or cov.signed or bool(owners & enrolled)
    who = ", ".join(sorted(owners))
    text = (f"{where} line(s) {ranges(cov.uncovered)}: no valid signature of {who} covers "
            "them")
    if not needed:
        found.notes.append(f"{text} (unsigned; the chain shows their order, not who wrote "
                           "them).")
        return
    found.problems.append(Problem(
        check.name, min(cov.uncovered), "unsigned",
        f"{text}; anyone who can write the file could have added them. If {who} wrote them, "
        f"`qcode audit sign --coder {sorted(owners)[0]}` signs them; otherwise void them."))


def _unsigned_redactions(checks: dict[str, LogCheck], found: Findings, audit_dir: Path) -> None:
    """Erased lines whose redaction record no valid signature of its actor covers. In a
    project with keys, a redaction counts only when signed: it changes lines under
    their owners' signatures (a format-1 line is rewritten), so it must name who did it."""
    recs = trusted_records(audit_dir, checks.get(PROJECT_LOG))
    cov = found.coverage.get(PROJECT_LOG)
    for name, check in checks.items():
        named = naming_records(name, recs)
        by_record: dict[int, list[int]] = {}
        for line, _ in check.redacted:
            if line in named:
                by_record.setdefault(named[line][0], []).append(line)
        for number, lines in sorted(by_record.items()):
            actor = str(named[lines[0]][1].get("actor"))
            if cov is not None and _covers(cov, number, actor):
                continue
            found.problems.append(Problem(
                name, lines[0], "redacted",
                f"{display(check.path)} line(s) {ranges(lines)}: changed by the redaction at "
                f"audit/project.log line {number}, which no valid signature of {actor} covers, "
                "so nothing shows who erased them (nor, for a format-1 line, that only its "
                "text changed); restore the log from git, or redact again with a key."))


def _covers(cov: Coverage, line: int, signer: str) -> bool:
    return line not in cov.uncovered and any(
        c.first <= line <= c.last and c.signer == signer for c in cov.covers)


def _unsigned_seal_notes(checks: dict[str, LogCheck]) -> list[str]:
    return [f"{display(c.path)} line {s.line}: an unsigned seal (testimony of what "
            f"{s.by} saw, not proof)." for c in checks.values() for s in c.seals
            if s.heads and not s.sigs]


def _check_seal_sigs(checks: dict[str, LogCheck], found: Findings, ring: KeyRing,
                     project_id: str) -> None:
    for check in checks.values():
        for seal in check.seals:
            sigs = dict(seal.sigs)
            if seal.heads and not sigs:
                found.notes.extend(_unsigned_seal_notes({check.name: _only(check, seal)}))
            for log, seq, hash_hex in seal.heads:
                if log not in sigs or log == seal.by:
                    continue
                key = verify_sig(_b64(sigs[log]), head_message(project_id, log, seq, hash_hex))
                if key is None or not _owner_key(log, key, found, ring, seal.time):
                    found.false_seals.add((seal.by, seal.line, log))
                    found.problems.append(Problem(
                        seal.by, seal.line, "false-seal",
                        f"{display(check.path)} line {seal.line}: a false seal: it records "
                        f"audit/{log}.log at seq {seq} with hash {hash_hex[:12]}, which no "
                        f"valid key of {log}'s owner signed. {seal.by}'s seal is wrong, not "
                        f"{log}'s log."))


def _only(check: LogCheck, seal: Seal) -> LogCheck:
    return replace(check, seals=(seal,))


def _b64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return b""


def _owner_key(log: str, key: object, found: Findings, ring: KeyRing, time: str) -> bool:
    cov = found.coverage.get(log)
    fingerprint = key.fingerprint  # type: ignore[attr-defined]
    if cov is not None and any(c.key == fingerprint for c in cov.covers):
        return True
    return log != PROJECT_LOG and ring.basis(log, key.raw, time, {}) is not None  # type: ignore[attr-defined]


def _completeness(checks: dict[str, LogCheck], found: Findings,
                  git_lines: dict[str, int] | None) -> None:
    """How far a later seal (or, with --git, a committed version) shows each signed log
    complete; a log signed beyond that could have been cut back to a signed head."""
    sealed: dict[str, tuple[int, str]] = {}
    for check in checks.values():
        for seal in check.seals:
            for log, seq, _ in seal.heads:
                if (seal.by, seal.line, log) in found.false_seals or log == seal.by:
                    continue
                if seq > sealed.get(log, (0, ""))[0]:
                    sealed[log] = (seq, f"{seal.by}'s seal at audit/{seal.by}.log line {seal.line}")
    for name, cov in found.coverage.items():
        last = cov.last_signed
        if not last:
            continue
        seq, by = sealed.get(name, (0, ""))
        if git_lines is not None and git_lines.get(name, 0) > seq:
            seq, by = git_lines[name], "its committed version in git"
        where = display(checks[name].path)
        if seq >= last:
            if seq <= checks[name].lines:
                found.notes.append(f"{where}: complete through line {seq}, as {by} shows.")
            continue
        found.unproven.append(name)
        proof = ("no later seal or commit records it this far" if git_lines is not None else
                 "without a later seal or the git history (`qcode audit verify --git`)")
        shown = f" (shown complete through line {seq} by {by})" if seq else ""
        found.notes.append(
            f"{where}: fully signed through line {last}, but nothing proves it complete"
            f"{shown}: a log cut back to an earlier signed head looks the same, {proof}.")
