"""Replay the audit logs into the current codings, memos and suggestion decisions.

Nothing else stores codings (DESIGN.md): this module folds every log in
``audit/`` -- one per coder, plus project.log -- into frozen records. Each log is
read twice, streaming: once to find which events a ``void`` undoes, then to fold
the rest in ``seq`` order. The result depends only on the bytes of the logs, so
replaying twice gives the same records.

Project-level steps (``migrate``, ``route``, ``reanchor``, ``docversion``) are
collected while folding and applied in one place, :func:`map_codings`, after the
logs are folded and before the records are sorted: it maps codes through codebook
migrations and spans through document versions (qcode.codebook.mapping). Each
Coding keeps the codebook version it was made under, which is what that needs.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .audit.health import note_broken
from .audit.line import Event, LineError, parse_object
from .audit.log import display, log_names
from .codebook.mapping import StepIndex
from .codebook.mapping import map_codings as through_steps
from .notices import note

if TYPE_CHECKING:
    from .corpus import Document
    from .project import Project

CODING_ACTIONS = ("apply", "accept")
STEP_ACTIONS = ("migrate", "route", "reanchor", "docversion")
TRAIL_ACTIONS = ("seal", "sign", "key", "redact")  # the audit trail's own lines: no coding


@dataclass(frozen=True, slots=True)
class Coding:
    """One live coding; ``id`` is ``coder:seq`` of the event that made it."""

    id: str
    coder: str
    doc: str
    start: int
    end: int
    code: str
    source: str
    time: str
    docv: str | None = None
    memo: str | None = None
    codebook: int | str | None = None
    fp: str | None = None
    score: int | float | None = None
    # set by the mapping through project-level steps (qcode.codebook.mapping):
    # "pending:<step>", "review:<step>", "retired", "orphan", "union:<ids>"
    flags: tuple[str, ...] = ()

    @property
    def span(self) -> str:
        return f"{self.start}:{self.end}"

    def overlaps(self, start: int, end: int) -> bool:
        return self.start < end and start < self.end


@dataclass(frozen=True, slots=True)
class Memo:
    """A memo on a document, a code or a coding (``coding`` is its id)."""

    id: str
    coder: str
    time: str
    text: str
    doc: str | None = None
    code: str | None = None
    coding: str | None = None
    span: str | None = None

    @property
    def target(self) -> str:
        if self.coding:
            return "coding"
        if self.doc:
            return "document"
        return "code" if self.code else "project"


@dataclass(frozen=True, slots=True)
class Decision:
    """An accepted or rejected suggestion, with what the suggester said."""

    id: str
    coder: str
    time: str
    doc: str
    start: int
    end: int
    code: str
    source: str
    score: int | float | None
    accepted: bool
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Codings:
    """Everything a replay derives, with queries. Codings are sorted by document,
    start, end, code, coder and id; memos by time and id."""

    codings: tuple[Coding, ...]
    memos: tuple[Memo, ...] = ()
    decisions: tuple[Decision, ...] = ()
    steps: tuple[Event, ...] = ()
    warnings: tuple[str, ...] = ()
    # kept in the logs but out of every view, analysis, export and training set until
    # resolved: codings whose text is gone (orphans) or whose document was withdrawn
    left_out: tuple[Coding, ...] = ()
    _by_id: dict[str, Coding] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_id.update((c.id, c) for c in (*self.left_out, *self.codings))

    @property
    def orphaned(self) -> tuple[Coding, ...]:
        return tuple(c for c in self.left_out if "orphan" in c.flags)

    @property
    def withdrawn(self) -> tuple[Coding, ...]:
        return tuple(c for c in self.left_out if "withdrawn" in c.flags)

    def scoped(self, docs: Iterable[str] | None, coders: Iterable[str] | None) -> Codings:
        """The codings, memos, decisions and left-out codings of these documents and
        coders (None: all); steps and warnings are kept whole."""
        d = set(docs) if docs is not None else None
        c = set(coders) if coders is not None else None

        def keep(doc: str | None, coder: str) -> bool:
            return (d is None or doc in d) and (c is None or coder in c)

        return Codings(tuple(x for x in self.codings if keep(x.doc, x.coder)),
                       tuple(m for m in self.memos if keep(m.doc, m.coder)),
                       tuple(x for x in self.decisions if keep(x.doc, x.coder)),
                       self.steps, self.warnings,
                       tuple(x for x in self.left_out if keep(x.doc, x.coder)))

    def with_warnings(self, notes: Iterable[str]) -> Codings:
        return Codings(self.codings, self.memos, self.decisions, self.steps,
                       (*notes, *self.warnings), self.left_out)

    def __len__(self) -> int:
        return len(self.codings)

    def __iter__(self) -> Iterator[Coding]:
        return iter(self.codings)

    def get(self, coding_id: str) -> Coding | None:
        return self._by_id.get(coding_id)

    @property
    def coders(self) -> tuple[str, ...]:
        return tuple(sorted({c.coder for c in self.codings}))

    @property
    def docs(self) -> tuple[str, ...]:
        return tuple(sorted({c.doc for c in self.codings}))

    def select(self, *, coders: Iterable[str] | None = None, codes: Iterable[str] | None = None,
               docs: Iterable[str] | None = None) -> tuple[Coding, ...]:
        """Codings of any of the given coders, codes and documents (None: all)."""
        want_coders = set(coders) if coders is not None else None
        want_codes = set(codes) if codes is not None else None
        want_docs = set(docs) if docs is not None else None
        return tuple(c for c in self.codings
                     if (want_coders is None or c.coder in want_coders)
                     and (want_codes is None or c.code in want_codes)
                     and (want_docs is None or c.doc in want_docs))

    def by_doc(self, doc: str) -> tuple[Coding, ...]:
        return self.select(docs=[doc])

    def by_coder(self, coder: str) -> tuple[Coding, ...]:
        return self.select(coders=[coder])

    def by_code(self, code: str) -> tuple[Coding, ...]:
        return self.select(codes=[code])

    def overlapping(self, doc: str, start: int, end: int) -> tuple[Coding, ...]:
        """Codings of ``doc`` that share at least one character with ``start:end``."""
        return tuple(c for c in self.by_doc(doc) if c.overlaps(start, end))

    def in_unit(self, document: Document, ref: str, default_kind: str = "sentence"
                ) -> tuple[Coding, ...]:
        """Codings that overlap unit ``ref`` (``"14"`` or ``"turn:3"``) of ``document``."""
        _, _, start, end = document.resolve_unit(str(ref), default_kind)
        return self.overlapping(document.id, start, end)

    def memos_for(self, *, doc: str | None = None, code: str | None = None,
                  coder: str | None = None) -> tuple[Memo, ...]:
        return tuple(m for m in self.memos
                     if (doc is None or m.doc == doc) and (code is None or m.code == code)
                     and (coder is None or m.coder == coder))


# ---------------------------------------------------------------- one log


def _objects(path: Path, limit: int, lock: bool, fold: Fold
             ) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, parsed object)`` of the first ``limit`` lines (keys checked); the
    first line that is not an audit line is kept in ``fold.bad``."""
    with open(path, "rb") as fh:
        if lock:
            fcntl.flock(fh.fileno(), fcntl.LOCK_SH)
        for number, raw in enumerate(fh, start=1):
            if number > limit:
                return
            try:
                yield number, parse_object(raw[:-1], strict=False)
            except (LineError, UnicodeDecodeError) as exc:
                # not an audit line: the log's health says so (audit.health)
                if fold.bad is None:
                    fold.bad = (number, str(exc))


def voided_seqs(path: Path, *, lock: bool = True) -> tuple[set[int], int, bytes | None]:
    """``(seqs undone by a void, whole lines, partial last line)``. A void of a void
    cancels it; voids only ever name earlier events of the same log."""
    voids: list[tuple[int, int]] = []
    count, partial = 0, None
    name = path.stem
    with open(path, "rb") as fh:
        if lock:
            fcntl.flock(fh.fileno(), fcntl.LOCK_SH)
        for raw in fh:
            if raw[-1:] != b"\n":
                partial = raw
                break
            count += 1
            if b'"action":"void"' in raw:
                try:
                    event = parse_object(raw[:-1], strict=False)
                except (LineError, UnicodeDecodeError):
                    continue  # not an audit line: the log's health says so
                target = _ref_seq(event["ref"], name)
                if event["action"] == "void" and target is not None:
                    voids.append((event["seq"], target))
    voided: set[int] = set()
    for seq, target in reversed(voids):
        if seq not in voided:
            voided.add(target)
    return voided, count, partial


def _ref_seq(ref: str | None, log: str) -> int | None:
    if not ref:
        return None
    name, _, seq = ref.rpartition(":")
    return int(seq) if name == log and seq.isdigit() else None


def _bounds(span: Any) -> tuple[int, int]:
    start, sep, end = span.partition(":")
    if not sep:
        raise ValueError(f"span {span!r}")
    return int(start), int(end)


REDACTED_MEMO = "[memo text redacted]"


class Fold:
    """The state of one log while its events (parsed objects) are folded in order:
    ``live`` codings by id, ``memos``, ``decisions``, ``steps`` (as Events), warnings."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.live: dict[str, Coding] = {}
        self.keys: dict[tuple[str, int, int, str], str] = {}
        self.memos: list[Memo] = []
        self.decisions: list[Decision] = []
        self.steps: list[Event] = []
        self.warnings: list[str] = []
        self.voided: set[int] = set()  # seqs undone by a void (set by fold_log)
        self.lines = 0  # whole lines read
        self.partial = False  # whether the log ends with a partial line
        # every event, undone or not (``qcode audit stats``): (actor, day, action) -> count
        self.tally: dict[tuple[str, str, str], int] = {}
        self.bad: tuple[int, str] | None = None  # the first line that is no audit line
        self._handlers = {
            "apply": self._add, "accept": self._accept, "reject": self._reject,
            "remove": self._remove, "memo": self._memo, "void": _nothing,
            "import": _nothing, **dict.fromkeys(TRAIL_ACTIONS, _nothing),
            **dict.fromkeys(STEP_ACTIONS, self._step),
        }

    def count(self, e: dict[str, Any]) -> None:
        """Count an event in ``tally`` (a signature is the trail's, not a decision). A
        line whose time is no text (its chain is broken: the health check says so) is
        counted under no day."""
        if e["action"] != "sign":
            time = e["time"]
            key = (e["actor"], time[:10] if isinstance(time, str) else "", str(e["action"]))
            self.tally[key] = self.tally.get(key, 0) + 1

    def feed(self, number: int, e: dict[str, Any]) -> None:
        handler = self._handlers.get(e["action"])
        if handler is None:
            self.warnings.append(f"audit/{self.name}.log line {number}: unknown action "
                                 f"{e['action']!r} (from a newer qcode?); ignored.")
            return
        try:
            handler(e)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            self.warnings.append(f"audit/{self.name}.log line {number}: {e['action']} event "
                                 f"lacks what it needs ({exc}); ignored.")

    def _add(self, e: dict[str, Any]) -> None:
        doc, code, span = e["doc"], e["code"], e["span"]
        if not (doc and code and span):
            raise ValueError("doc, span and code")
        _text(doc, code, e["actor"])
        start, end = _bounds(span)
        key = (doc, start, end, code)
        if key in self.keys:
            return
        coding_id = f"{self.name}:{e['seq']}"
        memo = e["memo"]
        self.live[coding_id] = Coding(coding_id, e["actor"], doc, start, end, code,
                                      e["source"] or "manual", e["time"], e["docv"], memo,
                                      e["codebook"], e["fp"], e["score"])
        self.keys[key] = coding_id
        if memo:
            self.memos.append(Memo(coding_id, e["actor"], e["time"], memo, doc, code,
                                   coding_id, span))

    def _accept(self, e: dict[str, Any]) -> None:
        self._add(e)
        self._decide(e, True)

    def _reject(self, e: dict[str, Any]) -> None:
        self._decide(e, False)

    def _decide(self, e: dict[str, Any], accepted: bool) -> None:
        if not (e["doc"] and e["code"] and e["span"]):
            raise ValueError("doc, span and code")
        _text(e["doc"], e["code"], e["actor"])
        start, end = _bounds(e["span"])
        reason = (e["data"] or {}).get("reason")
        self.decisions.append(Decision(f"{self.name}:{e['seq']}", e["actor"], e["time"],
                                       e["doc"], start, end, e["code"], e["source"] or "",
                                       e["score"], accepted,
                                       None if reason is None else str(reason)))

    def _remove(self, e: dict[str, Any]) -> None:
        target = e["ref"] if e["ref"] in self.live else None
        if target is None and e["doc"] and e["code"] and e["span"]:
            start, end = _bounds(e["span"])
            target = self.keys.get((e["doc"], start, end, e["code"]))
        if target is not None:
            gone = self.live.pop(target)
            self.keys.pop((gone.doc, gone.start, gone.end, gone.code), None)

    def _memo(self, e: dict[str, Any]) -> None:
        if e["memo"] == "":
            raise ValueError("memo text")
        text = REDACTED_MEMO if e["memo"] is None else e["memo"]  # erased by `qcode redact`
        self.memos.append(Memo(f"{self.name}:{e['seq']}", e["actor"], e["time"], text,
                               e["doc"], e["code"], e["ref"], e["span"]))
        if e["ref"] in self.live:
            self.live[e["ref"]] = replace(self.live[e["ref"]], memo=text)

    def _step(self, e: dict[str, Any]) -> None:
        self.steps.append(Event(*e.values()))


def _text(*values: Any) -> None:
    """A coding's document, code and coder are text (a hand-written number is no code:
    codings are ordered by them, and a number beside text has no order)."""
    if not all(isinstance(v, str) for v in values):
        raise TypeError("doc, code and actor as text")


def _nothing(e: dict[str, Any]) -> None:
    """Voids were applied before the fold; seals change no coding."""


def fold_log(path: Path, *, lock: bool = True) -> Fold:
    """Fold one log file (events undone by a void are skipped). ``lock=False`` when
    the caller holds the log's exclusive lock already."""
    fold = Fold(path.stem)
    if not path.exists():
        return fold
    voided, count, partial = voided_seqs(path, lock=lock)
    fold.voided, fold.lines, fold.partial = voided, count, partial is not None
    feed, tally = fold.feed, fold.count
    for number, event in _objects(path, count, lock, fold):
        tally(event)
        if event["seq"] not in voided:
            feed(number, event)
    if partial is not None:
        fold.warnings.append(f"{display(path)} ends with a partial line ({len(partial)} bytes, "
                             "an interrupted write); not replayed. The next append moves it "
                             "aside; `qcode audit verify` reports it.")
    return fold


# ---------------------------------------------------------------- all logs


def map_codings(codings: list[Coding], steps: list[Event]) -> list[Coding]:
    """Map codings through project-level steps (migrations, routes, re-anchorings,
    document versions): :func:`qcode.codebook.mapping.map_codings`."""
    if not steps:
        return codings

    return through_steps(codings, steps)


def replay_dir(audit_dir: Path) -> Codings:
    """Replay every ``*.log`` in ``audit_dir``."""
    return combine([fold_log(audit_dir / f"{name}.log") for name in log_names(audit_dir)])


def combine(folds: list[Fold]) -> Codings:
    """The codings, memos and decisions of folded logs (in log-name order), mapped
    through their project-level steps; the folds are read, never changed."""
    codings = [c for f in folds for c in f.live.values()]
    steps = sorted((e for f in folds for e in f.steps), key=lambda e: (e.time, e.actor, e.seq))
    codings = map_codings(codings, steps)
    codings.sort(key=lambda c: (c.doc, c.start, c.end, c.code, c.coder, len(c.id), c.id))
    left_out = [c for c in codings if LEFT_OUT_FLAGS.intersection(c.flags)]
    if left_out:
        codings = [c for c in codings if not LEFT_OUT_FLAGS.intersection(c.flags)]
    memos = sorted((m for f in folds for m in f.memos), key=lambda m: (m.time, m.coder,
                                                                        len(m.id), m.id))
    if steps:
        memos = _memos_follow(memos, codings, left_out, StepIndex.build(steps).withdrawn)
    decisions = [d for f in folds for d in f.decisions]
    return Codings(tuple(codings), tuple(memos), tuple(decisions), tuple(steps),
                   tuple(w for f in folds for w in f.warnings), tuple(left_out))


LEFT_OUT_FLAGS = frozenset({"orphan", "withdrawn"})


def _memos_follow(memos: list[Memo], codings: list[Coding], left_out: list[Coding],
                  withdrawn: dict[str, str]) -> list[Memo]:
    """A memo on a coding goes where its coding went: its code after a migration
    (renamed, merged, routed), its span after re-anchoring, as the coding itself; out
    of view with it while the coding is left out (an orphan, a withdrawn document).
    A memo on a document withdrawn after the memo was written is out of view too."""
    by_id = {c.id: c for c in codings}
    gone = {c.id for c in left_out}
    out = []
    for m in memos:
        if m.coding in gone or (m.doc in withdrawn and m.time <= withdrawn[m.doc]):
            continue
        c = by_id.get(m.coding or "")
        if c is not None and (m.code, m.span, m.doc) != (c.code, c.span, c.doc):
            m = replace(m, code=c.code, span=c.span, doc=c.doc)
        out.append(m)
    return out


def note_left_out(codings: Codings) -> Codings:
    """Say how many codings a result leaves out, and which command lists them."""
    note_left_out_counts(len(codings.orphaned), len(codings.withdrawn))
    return codings


def note_left_out_counts(orphaned: int, withdrawn: int) -> None:
    """:func:`note_left_out`'s notes, from the counts."""
    if orphaned:
        note(f"{orphaned} orphaned coding(s) left out (their text changed and they could "
             "not be re-anchored); `qcode orphans` lists them.")
    if withdrawn:
        note(f"{withdrawn} coding(s) of withdrawn documents left out; `qcode audit show "
             "--action docversion` lists the withdrawals.")


def replay(project: Project) -> Codings:
    """The project's current codings, memos and suggestion decisions. A log whose
    chain is broken is replayed as it stands and noted for the person (one line
    naming the log and the line); ``--strict`` commands refuse it instead."""
    note_broken(project.audit_dir, project.id)
    return note_left_out(replay_dir(project.audit_dir))


STATUSES = ("active", "pending", "retired", "orphan")


def coding_status(coding: Coding, retired: frozenset[str] | set[str] = frozenset()) -> str:
    """One word for exports: ``pending`` (a migration left it for a decision: a split
    the rules could not call, or a redefined code), ``orphan`` (an edit of its document
    left it without a place), ``retired`` (its code was retired, by a migration step or
    in the codebook in force) or ``active``."""
    flags = coding.flags
    if any(f.startswith(("pending:", "review:")) for f in flags):
        return "pending"
    if "orphan" in flags:
        return "orphan"
    if "retired" in flags or coding.code in retired:
        return "retired"
    return "active"
