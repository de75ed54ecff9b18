"""Verify audit logs: bytes, key order, sequence, chain, and the seals between logs.

The chain is checked in one streaming pass per log. At the first bad line a
second look at the lines after it says what happened (edited, deleted, inserted,
reordered, a line from another log). Seals then witness what a chain alone cannot
see: a log cut off at a line boundary, or rewritten and re-chained from scratch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from hashlib import sha256
from pathlib import Path

from ..errors import AuditError
from .diagnose import Problem, after_good, classify
from .erasure import converted_lines, explain, records
from .line import (
    Event,
    LineError,
    genesis,
    parse_object,
    split_hash,
)
from .log import PROJECT_LOG, Head, display, iter_lines, log_names, partial_path
from .log import verified_line as _verified


@dataclass(frozen=True, slots=True)
class Seal:
    """A seal line: log ``by`` recorded ``heads`` (name -> (seq, hash)) at ``line``."""

    by: str
    line: int
    seq: int
    time: str
    heads: tuple[tuple[str, int, str], ...]
    sigs: tuple[tuple[str, str], ...] = ()  # (log, base64 SSHSIG) for signed heads


@dataclass(frozen=True, slots=True)
class LogCheck:
    name: str
    path: Path
    lines: int          # whole lines that verified
    head: Head          # the last verified line
    problem: Problem | None
    notes: tuple[str, ...]
    seals: tuple[Seal, ...]
    trail: tuple[tuple[int, dict, str], ...] = ()  # sign and key lines, hash before each
    actors: tuple[str, ...] = ()  # project.log: each line's actor
    redacted: tuple[tuple[int, tuple[str, ...]], ...] = ()  # line -> fields erased


@dataclass(frozen=True, slots=True)
class VerifyReport:
    logs: tuple[LogCheck, ...]
    problems: tuple[Problem, ...]
    signature_notes: tuple[str, ...] = ()
    unproven: tuple[str, ...] = ()  # fully signed logs that no seal or git shows complete

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def notes(self) -> tuple[str, ...]:
        return tuple(n for log in self.logs for n in log.notes) + self.signature_notes


@dataclass
class Verdict:
    """What a signature judge adds: problems, notes, and seals found false (sealer,
    line, sealed log), which then witness nothing."""

    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    false_seals: set[tuple[str, int, str]] = field(default_factory=set)
    signed_through: dict[str, int] = field(default_factory=dict)  # log -> last signed line
    unproven: list[str] = field(default_factory=list)  # signed logs nothing shows complete


Judge = Callable[[dict[str, "LogCheck"]], Verdict]


# ---------------------------------------------------------------- one log


def _imported_note(name: str, first: dict) -> list[str]:
    """A log written once by an import (its first line says so) is named as such:
    its coder never ran qcode; the person in ``data.by`` imported it."""
    data = first.get("data")
    source = first.get("source") or ""
    if not source.startswith("import:") or not isinstance(data, dict) or not data.get("by"):
        return []
    tool = f" from {data['tool']}" if data.get("tool") else ""
    user = f" (user {data['user']!r})" if data.get("user") else ""
    return [f"audit/{name}.log: imported{tool}{user}, written once by {data['by']}'s import "
            "(see the import line in project.log)."]


def check_log(path: Path, project_id: str, others: Iterable[Path] = (),
              converted: Mapping[int, str] | None = None) -> LogCheck:
    """Check one log's chain; ``others`` are searched for a copied (foreign) line.
    ``converted``: line number -> sha256 of the line as a recorded redaction of a
    format-1 line left it (its hash, which covered the erased text, is kept)."""
    name = path.stem
    prev = genesis(project_id, name)
    before: tuple[str | None, bytes] = (None, b"")  # hash and bytes of the line before ``prev``'s line
    count, seals, notes, trail, actors, erased = 0, [], [], [], [], []
    problem = None
    shared = name == PROJECT_LOG
    for number, raw, complete in iter_lines(path):
        if not complete:
            notes.append(_tail_note(path, raw, prev, count + 1))
            break
        fields: list[str] = []
        obj = _verified(raw, prev, count + 1, name, fields)
        if obj is None and converted and number in converted:
            obj = _converted(raw, converted[number], count + 1, name)
            fields = ["format 1"] if obj is not None else fields
        if fields:
            erased.append((number, tuple(fields)))
        if obj is None:
            problem = after_good(path, number, raw, before) or classify(
                path, number, prev, count + 1, others)
            break
        if obj["action"] in _TRAIL:
            trail.append((number, {k: obj[k] for k in _KEPT}, prev))
            if obj["action"] == "seal":
                seals.append(_seal_of(name, number, Event(*obj.values())))
        if shared:
            actors.append(obj["actor"])
        elif number == 1:
            notes += _imported_note(name, obj)
        before = (prev, raw)
        count, prev = number, obj["hash"]
    if problem is not None and problem.line is not None and problem.line <= count:
        count, prev = problem.line - 1, before[0] or prev
        seals = [s for s in seals if s.line <= count]
        trail = [t for t in trail if t[0] <= count]
    quarantine = partial_path(path)
    if quarantine.exists():
        pieces = quarantine.read_bytes().count(b"\n")
        notes.append(f"{display(quarantine)} holds {pieces} fragment(s) of interrupted writes, "
                     "moved aside by a later append (not counted as decisions).")
    return LogCheck(name, path, count, Head(count, prev), problem, tuple(notes), tuple(seals),
                    tuple(trail), tuple(actors), tuple(erased))


_TRAIL = frozenset({"seal", "sign", "key", "redact"})
_KEPT = ("time", "actor", "action", "data")  # what the signature checks read


def _converted(raw: bytes, recorded: str, seq: int, name: str) -> dict | None:
    """A format-1 line a recorded redaction rewrote: the bytes the record names."""
    if sha256(raw).hexdigest() != recorded:
        return None
    try:
        obj = parse_object(raw)
    except (LineError, UnicodeDecodeError):
        return None
    return obj if obj["seq"] == seq and (name == PROJECT_LOG or obj["actor"] == name) else None


def _tail_note(path: Path, raw: bytes, prev: str, seq: int) -> str:
    if _verified(raw, prev, seq, path.stem) is not None:
        return (f"{display(path)} line {seq}: whole, but its newline is missing "
                "(an interrupted write); the next append completes it.")
    return (f"{display(path)} line {seq}: a partial line of {len(raw)} bytes (an "
            f"interrupted write); the next append moves it to {display(partial_path(path))}.")


def _seal_of(name: str, number: int, event: Event) -> Seal:
    logs = (event.data or {}).get("logs")
    heads, sigs = [], []
    if isinstance(logs, dict):
        for log, head in sorted(logs.items()):
            if isinstance(head, dict) and type(head.get("seq")) is int:
                heads.append((log, head["seq"], str(head.get("hash"))))
                if isinstance(head.get("sig"), str):
                    sigs.append((log, head["sig"]))
    return Seal(name, number, event.seq, event.time, tuple(heads), tuple(sigs))


# ---------------------------------------------------------------- all logs


def verify(audit_dir: Path, project_id: str, names: Iterable[str] | None = None, *,
           signatures: Judge | None = None) -> VerifyReport:
    """Check the chosen logs (default: every log, and every log a seal names) and every
    seal in any other log against them. ``signatures`` judges the signatures (see
    ``proof``); without it the report is the chain's and the seals' alone. Raises
    AuditError for an unknown name."""
    every = log_names(audit_dir)
    checks, recs = _check_all(audit_dir, project_id, every)
    sealed = {log for c in checks.values() for s in c.seals for log, _, _ in s.heads}
    chosen = sorted(set(every) | sealed) if names is None else list(dict.fromkeys(names))
    for name in chosen:
        if name not in checks and name not in sealed:
            raise AuditError(f"No log audit/{name}.log and no seal names it; logs: "
                             f"{', '.join(every) or 'none yet'}.")
    problems = [p for n in chosen if n in checks and (p := checks[n].problem) is not None]
    erased_notes = []
    for name in chosen:
        if name in checks and checks[name].redacted:
            notes_of, unnamed = explain(name, checks[name].redacted, recs)
            erased_notes += notes_of
            problems += [Problem(name, line, "redacted", text) for line, text in unnamed]
    verdict = signatures(checks) if signatures is not None else Verdict()
    problems += [p for p in verdict.problems if p.log in chosen or names is None]
    problems += _seal_problems(checks, chosen, audit_dir, verdict)
    ordered = sorted(problems, key=lambda p: (p.log, p.line or 0))
    notes = tuple(erased_notes) + tuple(n for n in verdict.notes if names is None or any(
        f"audit/{c}.log" in n for c in chosen) or n.startswith("No log is signed"))
    return VerifyReport(tuple(checks[n] for n in chosen if n in checks), tuple(ordered), notes,
                        tuple(n for n in verdict.unproven if n in chosen))


def _check_all(audit_dir: Path, project_id: str, every: list[str]
               ) -> tuple[dict[str, LogCheck], list[tuple[int, dict]]]:
    """Every log checked, and the redaction records that count. project.log goes
    first: only records within its verified lines vouch for a converted line."""
    paths = {n: audit_dir / f"{n}.log" for n in every}
    checks: dict[str, LogCheck] = {}
    if PROJECT_LOG in paths:
        own = converted_lines(records(audit_dir)).get(PROJECT_LOG)
        checks[PROJECT_LOG] = check_log(paths[PROJECT_LOG], project_id,
                                        [paths[o] for o in every if o != PROJECT_LOG], own)
    recs = trusted_records(audit_dir, checks.get(PROJECT_LOG))
    conv = converted_lines(recs)
    checks.update({n: check_log(paths[n], project_id, [paths[o] for o in every if o != n],
                                conv.get(n)) for n in every if n != PROJECT_LOG})
    return {n: checks[n] for n in every}, recs


def trusted_records(audit_dir: Path, project_check: LogCheck | None
                    ) -> list[tuple[int, dict]]:
    """The ``redact`` records of project.log within its verified lines: a record past
    a break in its chain vouches for nothing."""
    if project_check is None:
        return []
    return [(n, obj) for n, obj in records(audit_dir) if n <= project_check.lines]


def _seal_problems(checks: dict[str, LogCheck], chosen: list[str], audit_dir: Path,
                   verdict: Verdict) -> list[Problem]:
    false_seals = verdict.false_seals
    wanted: dict[str, dict[int, list[tuple[Seal, str]]]] = {}
    for check in checks.values():
        for seal in check.seals:
            for log, seq, hash_hex in seal.heads:
                if (seal.by, seal.line, log) in false_seals:
                    continue
                if log != seal.by and log in chosen:
                    wanted.setdefault(log, {}).setdefault(seq, []).append((seal, hash_hex))
    problems = []
    for log, by_seq in sorted(wanted.items()):
        found = checks.get(log)
        problem = (_missing(log, by_seq, audit_dir) if found is None
                   else _against_seals(found, by_seq, verdict.signed_through.get(log, 0)))
        if problem is not None:
            problems.append(problem)
    return problems


def _sealed_by(seal: Seal) -> str:
    return f"{seal.by}'s seal (audit/{seal.by}.log line {seal.line}, {seal.time})"


def _missing(log: str, by_seq: dict[int, list[tuple[Seal, str]]], audit_dir: Path) -> Problem:
    seq = max(by_seq)
    seal = by_seq[seq][0][0]
    return Problem(log, None, "missing", f"audit/{log}.log is missing, but {_sealed_by(seal)} "
                   f"recorded it at seq {seq}.")


def _against_seals(check: LogCheck, by_seq: dict[int, list[tuple[Seal, str]]],
                   signed: int = 0) -> Problem | None:
    """Compare the sealed heads with the log's verified lines (seq n is line n). Where
    the owner's valid signature covers the line, a seal that disagrees is the false one."""
    if check.problem is not None and check.problem.line is not None:
        stop = check.problem.line
        by_seq = {s: v for s, v in by_seq.items() if s < stop}
    beyond = [s for s in by_seq if s > check.lines]
    if beyond:
        seq = max(beyond)
        return Problem(check.name, check.lines + 1, "truncated",
                       f"{display(check.path)}: truncated after line {check.lines}; "
                       f"{_sealed_by(by_seq[seq][0][0])} recorded seq {seq}.")
    needed = set(by_seq)
    for number, raw, complete in iter_lines(check.path):
        if number in needed and complete:
            for seal, hash_hex in by_seq[number]:
                if split_hash(raw)[1] != hash_hex and number <= signed:
                    return Problem(seal.by, seal.line, "false-seal",
                                   f"audit/{seal.by}.log line {seal.line}: a false seal: it "
                                   f"records {display(check.path)} line {number} with a hash "
                                   f"that line never had, and the owner's signature covers "
                                   "the line as it is.")
                if split_hash(raw)[1] != hash_hex:
                    return Problem(check.name, number, "rewritten",
                                   f"{display(check.path)} line {number}: not the line "
                                   f"{_sealed_by(seal)} recorded (the log was rewritten).")
    return None
