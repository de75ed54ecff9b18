"""Map replayed codings through the project-level steps of the logs.

Replay (:mod:`qcode.codings`) folds every log into codings as they were made,
then calls :func:`map_codings` once. Here each coding goes

- through the ``migrate`` steps that lead past the codebook version it was made
  under: a rename or merge changes its code; a split changes it to the code a
  ``route`` line chose, or leaves it ``pending:<step>`` for review; a retire keeps
  it and marks it ``retired``; a redefine marks it ``review:<step>`` until a route
  line confirms or moves it; a move changes nothing;
- through the document versions: a ``reanchor`` line moves its span to a newer
  version of the text (or marks it an ``orphan``, kept on its old version); a
  ``docversion`` line carries the codings whose text did not move.

Nothing is stored: the result depends only on the logs, so pending reviews and
orphans are whatever replay says they are. Voiding a step's lines undoes it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from .steps import Step, is_after, step_from_data

MAX_HOPS = 64  # document versions followed for one coding


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a batch makes many small records that
    hold no cycles (otherwise it walks the whole heap again and again as they pile
    up); its state is restored afterwards. Used as a decorator on batch functions."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass(frozen=True, slots=True)
class DocVersion:
    """A ``docversion`` line: ``doc`` moved from ``previous`` to ``docv``; ``same``
    holds the codings whose offsets and text were unchanged."""

    doc: str
    previous: str
    docv: str
    same: frozenset[str]
    time: str


@dataclass
class StepIndex:
    """The project-level steps of all logs, indexed for mapping codings."""

    order: list[Any] = field(default_factory=list)
    steps: list[tuple[Step, bool]] = field(default_factory=list)  # (step, union)
    routes: dict[tuple[str, str], str] = field(default_factory=dict)
    docversions: dict[tuple[str, str], list[DocVersion]] = field(default_factory=dict)
    reanchors: dict[tuple[str, str], Any] = field(default_factory=dict)
    withdrawn: dict[str, str] = field(default_factory=dict)  # doc -> time of its withdrawal
    lines: dict[str, int] = field(default_factory=dict)  # step id -> its project.log line
    _after: dict[Any, tuple[tuple[Step, bool], ...]] = field(default_factory=dict)

    @classmethod
    def build(cls, events: Iterable[Any]) -> StepIndex:
        """From step events in time order (a later route or reanchor for the same
        coding wins over an earlier one)."""
        index = cls()
        seen: set[str] = set()
        routes: list[tuple[str, str, str, Any, bool]] = []
        for e in events:
            data = e.data or {}
            if e.action == "migrate":
                index._migrate(e, data, seen)
            elif e.action == "route" and e.ref and e.code and data.get("step"):
                step = str(data["step"])
                routes.append((e.ref, step, e.code, data.get("migrate"), step in seen))
            elif e.action == "docversion" and e.doc and data.get("withdrawn") is True:
                index.withdrawn[e.doc] = e.time
            elif e.action == "docversion" and e.doc and e.docv and data.get("previous"):
                dv = DocVersion(e.doc, str(data["previous"]), e.docv,
                                frozenset(data.get("same") or ()), e.time)
                index.docversions.setdefault((e.doc, dv.previous), []).append(dv)
            elif e.action == "reanchor" and e.ref and data.get("from_docv"):
                index.reanchors[(e.ref, str(data["from_docv"]))] = e
        for ref, step, code, line, after in routes:
            # A review decision names the migrate line of its step (older ones are
            # taken when they come after that line): one made under a migration that
            # was undone does not carry over to the same migration done again.
            if (after if line is None else line == index.lines.get(step)):
                index.routes[(ref, step)] = code
        return index

    def _migrate(self, e: Any, data: dict[str, Any], seen: set[str]) -> None:
        if data.get("step") == "version":
            for v in (data.get("previous"), data.get("version")):
                if v is not None and v not in self.order:
                    self.order.append(v)
            return
        try:
            step = step_from_data(data)
        except (KeyError, TypeError, ValueError):
            return
        if step.id in seen or not step.sources:
            return
        seen.add(step.id)
        self.lines[step.id] = e.seq
        if step.version not in self.order:
            self.order.append(step.version)
        self.steps.append((step, bool(data.get("union"))))

    @property
    def empty(self) -> bool:
        return not (self.steps or self.docversions or self.reanchors or self.withdrawn)

    def after(self, made_under: Any) -> tuple[tuple[Step, bool], ...]:
        """The steps a coding made under ``made_under`` goes through, in order."""
        key = (type(made_under), made_under)  # 2 and 2.0 are equal keys, not one version
        found = self._after.get(key)
        if found is None:
            found = tuple(s for s in self.steps if is_after(s[0].version, made_under, self.order))
            self._after[key] = found
        return found


@dataclass(frozen=True, slots=True)
class Outcome:
    """Where one coding ends up: its code, flags, and merges it went through with
    ``union`` on (their step ids)."""

    code: str
    flags: tuple[str, ...] = ()
    unions: tuple[str, ...] = ()
    touched: tuple[str, ...] = ()  # ids of the steps that changed or flagged it
    per_coding: bool = False  # a split or redefine was decided for this coding alone


def walk(code: str, coding_id: str, steps: tuple[tuple[Step, bool], ...],
         routes: dict[tuple[str, str], str]) -> Outcome:
    """Take one coding's code through ``steps``."""
    flags: list[str] = []
    unions: list[str] = []
    touched: list[str] = []
    per_coding = False
    for step, union in steps:
        if code not in step.sources:
            continue
        kind, sid = step.kind, step.id
        if kind in ("rename", "merge"):
            code = step.targets[0]
            touched.append(sid)
            if union and kind == "merge":
                unions.append(sid)
        elif kind in ("split", "redefine"):
            routed = routes.get((coding_id, sid))
            touched.append(sid)
            per_coding = True
            if routed is not None:
                code = routed
            elif kind == "split":
                flags.append(f"pending:{sid}")
                break  # its code no longer exists; later steps wait for the decision
            else:
                flags.append(f"review:{sid}")
        elif kind == "retire":
            touched.append(sid)
            if "retired" not in flags:
                flags.append("retired")
    return Outcome(code, tuple(flags), tuple(unions), tuple(touched), per_coding)


def code_outcome(coding: Any, index: StepIndex, cache: dict[tuple[Any, ...], Outcome]) -> Outcome:
    """The outcome of one coding, cached by version and code unless a split or
    redefine (decided per coding) was on its way."""
    steps = index.after(coding.codebook)
    if not steps:
        return Outcome(coding.code)
    key = (type(coding.codebook), coding.codebook, coding.code)
    found = cache.get(key)
    if found is not None:
        return found
    outcome = walk(coding.code, coding.id, steps, index.routes)
    if not outcome.per_coding:
        cache[key] = outcome
    return outcome


def place(coding: Any, index: StepIndex) -> tuple[int, int, str | None, str | None, bool]:
    """``(start, end, docv, fp, orphan)`` after following the document's versions."""
    start, end, docv, fp = coding.start, coding.end, coding.docv, coding.fp
    for _ in range(MAX_HOPS):
        if docv is None:
            break
        moved = index.reanchors.get((coding.id, docv))
        if moved is not None:
            if moved.span is None or moved.docv is None:
                return start, end, docv, fp, True
            start, end = (int(x) for x in moved.span.split(":"))
            docv, fp = moved.docv, moved.fp or fp
            continue
        versions = index.docversions.get((coding.doc, docv))
        if not versions:
            break
        carried = next((dv.docv for dv in versions if coding.id in dv.same), None)
        if carried is None:
            return start, end, docv, fp, True  # on a replaced version, not re-anchored
        docv = carried
    return start, end, docv, fp, False


@paused_gc()
def map_codings(codings: list[Any], events: list[Any]) -> list[Any]:
    """Codings mapped through the step ``events`` (in time order); see the module text.
    Returns the same objects when nothing applies to them."""
    if not events:
        return codings
    index = StepIndex.build(events)
    if index.empty:
        return codings
    cache: dict[tuple[Any, ...], Outcome] = {}
    out: list[Any] = []
    unions: list[tuple[Any, tuple[str, ...]]] = []
    spans = bool(index.docversions or index.reanchors)
    for coding in codings:
        outcome = code_outcome(coding, index, cache)
        changes: dict[str, Any] = {}
        if outcome.code != coding.code:
            changes["code"] = outcome.code
        flags = list(outcome.flags)
        if spans and coding.docv is not None:
            start, end, docv, fp, orphan = place(coding, index)
            if (start, end, docv) != (coding.start, coding.end, coding.docv):
                changes.update(start=start, end=end, docv=docv, fp=fp)
            if orphan:
                flags.append("orphan")
        gone = index.withdrawn.get(coding.doc)
        if gone is not None and coding.time <= gone:
            flags.append("withdrawn")
        if flags:
            changes["flags"] = (*coding.flags, *flags)
        mapped = _replace(coding, changes) if changes else coding
        if outcome.unions:
            unions.append((mapped, outcome.unions))
        else:
            out.append(mapped)
    out.extend(join_unions(unions))
    return out


_FIELDS: dict[type, tuple[dict[str, int], Any]] = {}


def _replace(record: Any, changes: dict[str, Any]) -> Any:
    """``dataclasses.replace`` for one record, about twice as fast (replay maps many)."""
    kind = type(record)
    found = _FIELDS.get(kind)
    if found is None:
        from dataclasses import fields
        from operator import attrgetter

        names = [f.name for f in fields(kind)]
        found = _FIELDS[kind] = ({n: i for i, n in enumerate(names)}, attrgetter(*names))
    where, values = found
    row = list(values(record))
    for name, value in changes.items():
        row[where[name]] = value
    return kind(*row)


def _seq(coding_id: str) -> int:
    return int(coding_id.rpartition(":")[2])


def join_unions(items: list[tuple[Any, tuple[str, ...]]]) -> list[Any]:
    """Overlapping codings of one coder, document and code that came through a merge
    recorded with ``union``: one coding over the union of their spans, keeping the
    earliest id and naming the others in a ``union:`` flag."""
    groups: dict[tuple, list[Any]] = {}
    for coding, steps in items:
        groups.setdefault((coding.coder, coding.doc, coding.docv, coding.code, steps), []).append(coding)
    out: list[Any] = []
    for members in groups.values():
        members.sort(key=lambda c: (c.start, c.end, _seq(c.id)))
        cluster = [members[0]]
        for coding in members[1:]:
            if coding.start < max(c.end for c in cluster):
                cluster.append(coding)
            else:
                out.append(_joined(cluster))
                cluster = [coding]
        out.append(_joined(cluster))
    return out


def _joined(cluster: list[Any]) -> Any:
    if len(cluster) == 1:
        return cluster[0]
    keep = min(cluster, key=lambda c: _seq(c.id))
    others = sorted((c.id for c in cluster if c is not keep), key=_seq)
    return _replace(keep, {"start": min(c.start for c in cluster), "end": max(c.end for c in cluster),
                           "fp": None, "flags": (*keep.flags, "union:" + "+".join(others))})
