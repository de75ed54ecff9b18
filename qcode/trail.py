"""Supervisor review of the audit trail: timeline, blame and statistics.

Each function returns records (dicts in a fixed column order) that ``reports``
or the CLI render; nothing here prints.
"""

from __future__ import annotations

import fcntl
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .audit import seal, verify_project
from .audit.line import Event, parse_line, parse_span
from .audit.log import bytes_hasher, log_names, read_log
from .codebook import load_codebook
from .codings import CODING_ACTIONS, Codings
from .corpus.store import list_document_ids
from .errors import AuditError, InputError, QcodeError
from .hints import did_you_mean
from .index import Activity, activity, checked_logs, replay
from .migrations import coding_trails

if TYPE_CHECKING:
    from .project import Project

TIMELINE_COLUMNS = ("time", "id", "actor", "action", "doc", "span", "code", "source", "score",
                    "reason", "ref", "memo", "quote", "codebook", "docv")
BLAME_COLUMNS = ("time", "id", "actor", "action", "code", "now", "span", "how", "source", "ref",
                 "status", "quote")
_DATE_RE = re.compile(r"^\d{4}-\d\d(-\d\d([T ]\d\d(:\d\d(:\d\d(\.\d{1,3})?)?)?Z?)?)?$")


@dataclass(frozen=True, slots=True)
class Entry:
    """One event with the log it came from (``id`` is ``log:seq``)."""

    log: str
    event: Event

    @property
    def id(self) -> str:
        return f"{self.log}:{self.event.seq}"


def all_events(project: Project, coders: Iterable[str] | None = None, *,
               signatures: bool = False) -> list[Entry]:
    """Every event of every log, in time order (then log and seq); with ``coders``, only
    their logs and the project log (the only logs where their events can be); ``sign``
    lines, which decide nothing, only with ``signatures``."""
    names = log_names(project.audit_dir)
    if coders is not None:
        wanted = set(coders) | {"project"}
        names = [n for n in names if n in wanted]
    entries = [Entry(name, e) for name in names
               for e in read_log(project.log_path(name)).events
               if signatures or e.action != "sign"]
    entries.sort(key=lambda x: (x.event.time, x.log, x.event.seq))
    return entries


def _check_date(value: str | None, option: str) -> str | None:
    if value is None:
        return None
    value = value.strip().replace(" ", "T")
    if not _DATE_RE.match(value):
        raise InputError(f"{option} {value!r} is not a date like 2025-03-01 or "
                         "2025-03-01T09:30 (UTC).")
    return value


def how(source: str | None, action: str) -> str:
    """manual, suggested, imported, migrated, re-anchored: how a decision came about."""
    src = source or ""
    if action == "reanchor" or src.startswith("reanchor"):
        return "re-anchored"
    if action in ("migrate", "route") or src.startswith("migrate"):
        return "migrated"
    if action in ("accept", "reject") or src.startswith("suggest"):
        return "suggested"
    if src.startswith("import"):
        return "imported"
    return "manual" if src in ("", "manual") else src


def timeline(project: Project, *, coders: Iterable[str] | None = None,
             codes: Iterable[str] | None = None, docs: Iterable[str] | None = None,
             since: str | None = None, until: str | None = None,
             actions: Iterable[str] | None = None, sources: Iterable[str] | None = None
             ) -> list[Entry]:
    """Events that match every filter given (``sources`` match by prefix)."""
    since, until = _check_date(since, "--since"), _check_date(until, "--until")
    want = {k: set(v) for k, v in (("actor", coders), ("code", codes), ("doc", docs),
                                   ("action", actions)) if v}
    # a coder's events are in her log and the project log only; a code filter reads
    # every log, so that a code found only in another coder's log is still known
    entries = all_events(project, coders if not codes else None,
                         signatures="sign" in want.get("action", ()))
    _check_names(project, want, entries)
    keep = _chosen(want, tuple(sources or ()), since, until)
    return [entry for entry in entries if keep(entry)]


def timeline_stream(project: Project, *, coders: Iterable[str] | None = None,
                    codes: Iterable[str] | None = None, docs: Iterable[str] | None = None,
                    since: str | None = None, until: str | None = None,
                    actions: Iterable[str] | None = None, sources: Iterable[str] | None = None
                    ) -> Iterator[Entry]:
    """:func:`timeline`'s entries one at a time, each line parsed when its turn comes:
    a listing cut short (``audit show | head``) parses the lines it shows. The order is
    found first from each line's leading ``seq``, ``time`` and ``action``, read from the
    bytes, in logs the index has read whole and found to be audit lines (hashed again
    now); with no index, a log with a bad line, a line not in the canonical form, or a
    code or document filter (whose names are checked against every event), it is
    :func:`timeline` itself."""
    kw: dict[str, Any] = {"coders": coders, "codes": codes, "docs": docs, "since": since,
                          "until": until, "actions": actions, "sources": sources}
    if codes or docs:
        return iter(timeline(project, **kw))
    since, until = _check_date(since, "--since"), _check_date(until, "--until")
    want = {k: set(v) for k, v in (("actor", coders), ("action", actions)) if v}
    if set(want.get("actor", ())) - _known_names(project, "actor"):
        return iter(timeline(project, **kw))  # the full read names the unknown coder
    names = log_names(project.audit_dir)
    if coders:
        names = [n for n in names if n in set(coders) | {"project"}]
    sizes = checked_logs(project, names)
    order = None if sizes is None else _order(project, sizes, "sign" in want.get("action", ()))
    if order is None:
        return iter(timeline(project, **kw))
    keep = _chosen(want, tuple(sources or ()), since, until)
    return (entry for entry in (Entry(log, parse_line(raw, strict=False)) for *_, log, raw in order)
            if keep(entry))


_HEAD_RE = re.compile(rb'\{"seq":(-?\d+),"time":"([^"\\]*)","actor":"(?:[^"\\]|\\.)*",'
                      rb'"action":"([^"\\]*)"')


def _order(project: Project, sizes: dict[str, tuple[int, bytes]], signatures: bool
           ) -> list[tuple[str, int, str, bytes]] | None:
    """Every line of the logs up to the sizes the index checked, as (time, seq, log,
    bytes) in time order (then log and seq), from the bytes alone; None when the bytes
    read are not those the index checked (a log replaced since) or a line does not start
    as a canonical audit line does."""
    out = []
    for name, (size, digest) in sizes.items():
        with open(project.log_path(name), "rb") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_SH)
            data = fh.read(size)
        if bytes_hasher(data).digest() != digest or (data and not data.endswith(b"\n")):
            return None
        for raw in data.split(b"\n")[:-1]:
            head = _HEAD_RE.match(raw)
            if head is None:
                return None
            if signatures or head[3] != b"sign":
                out.append((head[2].decode("utf-8", "replace"), int(head[1]), name, raw))
    out.sort(key=lambda x: (x[0], x[2], x[1]))
    return out


def _chosen(want: dict[str, set[str]], prefixes: tuple[str, ...], since: str | None,
            until: str | None) -> Callable[[Entry], bool]:
    def keep(entry: Entry) -> bool:
        e = entry.event
        if any(getattr(e, key) not in values for key, values in want.items()):
            return False
        if prefixes and not (e.source or "").startswith(prefixes):
            return False
        return not ((since and e.time < since) or (until and e.time[:len(until)] > until))
    return keep


_NAMED = {"actor": ("--coder", "coder", "the project's coders"),
          "code": ("--code", "code", "the codebook"),
          "doc": ("--doc", "document", "the project's documents")}


def _check_names(project: Project, want: dict[str, set[str]], entries: list[Entry]) -> None:
    """Refuse a coder, code or document that names nothing: not in the audit trail
    and not known to the project, so a typo is not mistaken for "no events". A
    retired code or a departed coder is still found in the trail."""
    for key, values in want.items():
        if key not in _NAMED:
            continue
        seen = {getattr(x.event, key) for x in entries}
        unknown = sorted(values - seen)
        if not unknown:
            continue
        known = seen | _known_names(project, key)
        for value in unknown:
            if value not in known:
                option, noun, where = _NAMED[key]

                hint = did_you_mean(value, sorted(k for k in known if k))
                raise InputError(f"{option} {value!r}: no such {noun} in {where} or the audit "
                                 f"trail{hint or '; check the spelling.'}")


def _known_names(project: Project, key: str) -> set[str]:
    if key == "actor":
        return set(project.settings.coders) | set(log_names(project.audit_dir)) - {"project"}
    if key == "doc":
        return set(list_document_ids(project.documents_dir))

    try:
        return {c.id for c in load_codebook(project.codebook_path).codes}
    except QcodeError:  # a broken codebook is reported by the commands that need it
        return set()


def entry_record(entry: Entry) -> dict[str, Any]:
    e = entry.event
    return {"time": e.time, "id": entry.id, "actor": e.actor, "action": e.action, "doc": e.doc,
            "span": e.span, "code": e.code, "source": e.source, "score": e.score,
            "reason": event_reason(e), "ref": e.ref, "memo": e.memo, "quote": e.quote, "codebook": e.codebook,
            "docv": e.docv}


def event_reason(event: Event) -> str | None:
    """Why the line was written, where it says: the suggester's reason on an accept or
    reject, the step's reason on a codebook migration."""
    reason = (event.data or {}).get("reason") if isinstance(event.data, dict) else None
    return None if reason in (None, "") else str(reason)


def blame(project: Project, doc: str, *, start: int | None = None, end: int | None = None
          ) -> list[dict[str, Any]]:
    """Who applied or removed which code on (part of) ``doc``, when and how; each apply
    says whether its coding is live, removed or undone."""
    codings = replay(project)
    events = all_events(project)
    entries = [x for x in events if x.event.doc == doc and x.event.span]
    if not entries and not any(x.event.doc == doc for x in events):
        known = _known_names(project, "doc") | {x.event.doc for x in events if x.event.doc}
        if doc not in known:
            hint = did_you_mean(doc, sorted(known))
            raise InputError(f"No document {doc!r} in this project or its audit trail"
                             f"{hint or '; see `qcode docs`.'}")
    fate = _fates(entries, codings)
    trails = coding_trails(project, doc=doc)
    records = []
    for x in entries:
        a, b = parse_span(x.event.span or "0:0")
        if start is not None and end is not None and not (a < end and start < b):
            continue
        e = x.event
        live = codings.get(x.id)
        records.append({"time": e.time, "id": x.id, "actor": e.actor, "action": e.action,
                        "code": e.code, "now": live.code if live else None, "span": e.span,
                        "how": how(e.source, e.action), "source": e.source, "ref": e.ref,
                        "status": fate.get(x.id, ""), "quote": e.quote})
        records.extend(_migration_records(trails.get(x.id, ()), x.id, e))
    return records


def _migration_records(trail: Iterable[dict[str, Any]], coding_id: str, applied: Any) -> list[dict[str, Any]]:
    """One blame row per codebook step that changed or flagged this coding."""
    return [{"time": t["time"], "id": t["id"], "actor": t["actor"], "action": "migrate",
             "code": f"{t['from']} -> {'?' if t['what'] in ('pending', 'review') else t['to']}",
             "now": None, "span": applied.span, "how": "migrated", "source": "migrate",
             "ref": coding_id, "status": t["what"], "quote": applied.quote}
            for t in trail]


def _fates(entries: list[Entry], codings: Codings) -> dict[str, str]:
    """For each coding event: live, or which event removed or voided it."""
    ended: dict[str, str] = {}
    for x in entries:
        if x.event.action in ("remove", "void") and x.event.ref:
            verb = "removed" if x.event.action == "remove" else "undone"
            ended.setdefault(x.event.ref, f"{verb} by {x.id}")
    fate = {}
    for x in entries:
        if x.event.action in CODING_ACTIONS:
            fate[x.id] = "live" if codings.get(x.id) else ended.get(x.id, "not live")
    return fate


def stats(project: Project) -> dict[str, list[dict[str, Any]]]:
    """Three tables: ``coders`` (totals, voids, share from suggestions), ``days``
    (events per coder per day) and ``codes`` (live codings per code and coder).

    A memo is counted as ``qcode memos`` lists it: every memo text not undone, whether
    written on its own (a ``memo`` line on a document, code or coding) or given with a
    coding when it was applied or accepted. The counts come from the index
    (:func:`qcode.index.activity`): each log's events are counted once, when the index
    reads them, never gathered into one list."""
    found = activity(project)
    for name in sorted(found.bad):
        number, problem = found.bad[name]
        raise AuditError(f"audit/{name}.log line {number}: {problem}; run `qcode audit verify` "
                         "to see what happened to the log.")
    found.note()
    tally = _Tally()
    for name in log_names(project.audit_dir):
        tally.add(found.tallies.get(name, {}))
    return {"coders": _coder_rows(tally, found), "days": _day_rows(tally, found),
            "codes": _code_rows(project, found)}


class _Tally:
    """Counts of events per coder and action, per coder and day, and each coder's days."""

    def __init__(self) -> None:
        self.by_actor: dict[str, Counter] = defaultdict(Counter)
        self.days: dict[tuple[str, str], Counter] = defaultdict(Counter)
        self.first: dict[str, str] = {}
        self.last: dict[str, str] = {}

    def add(self, counts: dict[tuple[str, str, str], int]) -> None:
        for (actor, day, action), n in counts.items():
            self.by_actor[actor][action] += n
            self.days[(actor, day)][action] += n
            self.first[actor] = min(self.first.get(actor, day), day)
            self.last[actor] = max(self.last.get(actor, day), day)


def _coder_rows(tally: _Tally, found: Activity) -> list[dict[str, Any]]:
    memos: Counter = Counter()
    for (coder, _), n in found.memos.items():
        memos[coder] += n
    days_of = Counter(actor for actor, _ in tally.days)
    rows = []
    for actor in sorted(tally.by_actor):
        mine = found.live.get(actor, 0)
        counts = tally.by_actor[actor]
        rows.append({"coder": actor, "events": sum(counts.values()), "codings": mine,
                     "applied": counts["apply"] + counts["accept"], "removed": counts["remove"],
                     "memos": memos[actor], "voids": counts["void"],
                     "from_suggestions": round(found.suggested.get(actor, 0) / mine, 3)
                     if mine else 0.0,
                     "first": tally.first[actor], "last": tally.last[actor],
                     "days": days_of[actor]})
    return rows


def _day_rows(tally: _Tally, found: Activity) -> list[dict[str, Any]]:
    return [{"coder": actor, "day": day, "events": sum(c.values()),
             "apply": c["apply"] + c["accept"], "remove": c["remove"],
             "memo": found.memos.get((actor, day), 0),
             "void": c["void"], "other": sum(c.values()) - c["apply"] - c["accept"]
             - c["remove"] - c["memo"] - c["void"]}
            for (actor, day), c in sorted(tally.days.items())]


def _code_rows(project: Project, found: Activity) -> list[dict[str, Any]]:
    order = list(code_order(project))
    seen = order + sorted({code for code, _ in found.by_code} - set(order))
    coders = sorted(found.live)
    rows = []
    for code in seen:
        per = {coder: found.by_code.get((code, coder), 0) for coder in coders}
        if any(per.values()) or code in order:
            rows.append({"code": code, **per, "total": sum(per.values())})
    return rows


def code_order(project: Project) -> tuple[str, ...]:
    """Code ids in codebook order (empty if the codebook does not load)."""
    try:
        return load_codebook(project.codebook_path).ids
    except QcodeError:
        return ()


def in_context(text: str, start: int, end: int, width: int = 60) -> tuple[str, str, str]:
    """``(before, coded, after)``: the coded text with up to ``width`` characters either
    side, whitespace collapsed so that it fits on a line or two."""
    def squash(s: str) -> str:
        return " ".join(s.split())

    before = squash(text[max(0, start - width):start])
    after = squash(text[end:end + width])
    if before and text[start - 1:start].isspace():
        before += " "
    if after and text[end:end + 1].isspace():
        after = " " + after
    return ("…" + before if start > width else before), squash(text[start:end]), (
        after + "…" if end + width < len(text) else after)


def report_decisions(project: Project, report: Any, supervisor: str) -> dict[str, Any]:
    """For ``qcode demo``: summarise each coder's log, seal as ``supervisor`` and verify."""
    tables, codings = stats(project), replay(project)
    for row in tables["coders"]:
        if row["events"]:
            docs = len({c.doc for c in codings.by_coder(row["coder"])})
            report(f"{row['coder']}: {row['events']} decisions, {row['codings']} codings on "
                   f"{docs} documents, {row['memos']} memos, {row['removed']} removals")
    written = seal(project, supervisor)
    event = written.events[0]
    verified = verify_project(project)
    sealed = ", ".join(f"{name}@{head['seq']}" for name, head in (event.data or {})["logs"].items())
    report(f"{supervisor} sealed {sealed} ({supervisor}:{event.seq}); "
           f"audit verify: {'intact' if verified.ok else 'PROBLEMS'}")
    return {"sealed_by": supervisor, "audit_ok": verified.ok}
