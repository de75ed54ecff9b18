"""Batch re-coding: carry every coding to a new codebook version, recorded in project.log.

:func:`plan_recode` works out, without writing anything, which steps of the new
codebook's ``changes`` are not yet recorded, the ``migrate`` lines that record
them, the ``route`` lines for the codings of a split that the rules place, and
what happens to every coding (the same mapping replay will do). :func:`commit`
appends those lines to ``audit/project.log`` in one locked write and puts the new
codebook in force. Coders' own logs are never written.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from .. import intent
from ..audit.line import Event, fingerprint, now_iso, shorten
from ..audit.log import PROJECT_LOG, locked_log, read_head
from ..codebook import load_codebook
from ..codebook.mapping import StepIndex, map_codings, paused_gc, walk
from ..codebook.steps import Step, is_after, step_data
from ..corpus import DocumentCache
from ..errors import CodebookError, QcodeError
from ..fileio import atomic_write
from ..hints import did_you_mean
from ..project import resolve_coder
from ..suggest import suggest
from ..yamlio import read_text
from .history import raw_replay
from .kept import keep
from .routing import MIN_SCORE, route_by_rules

if TYPE_CHECKING:
    from ..codebook import Codebook
    from ..corpus import Document
    from ..project import Project


class Change(NamedTuple):
    """What a migration does to one coding (``after`` is None when a union joined it
    into another coding, named in ``into``). A NamedTuple, not a frozen dataclass:
    a plan holds one for every coding of the project, and these build ten times faster."""

    coding: str
    coder: str
    doc: str
    span: str
    before: str
    after: str | None
    outcome: str  # unchanged, rename, merge, routed, pending, review, retired, joined, ...
    steps: tuple[str, ...] = ()
    score: float | None = None
    into: str | None = None


@dataclass(frozen=True, slots=True)
class RecodePlan:
    """A migration worked out and not yet written."""

    actor: str
    previous: Any
    codebook: Codebook
    path: Path
    text: str
    steps: tuple[Step, ...]
    events: tuple[dict[str, Any], ...]
    changes: tuple[Change, ...]
    head: int
    union: bool = False
    notes: tuple[str, ...] = ()
    old_ids: tuple[str, ...] | None = None  # codes of the codebook replaced, when known

    @property
    def version(self) -> Any:
        return self.codebook.version

    def changed(self) -> tuple[Change, ...]:
        """The codings that change, by coder, document and place."""
        found = [c for c in self.changes if c.outcome != "unchanged"]
        found.sort(key=lambda c: (c.coder, c.doc, _start(c.span), c.span, c.before, c.coding))
        return tuple(found)

    def summary(self) -> list[dict[str, Any]]:
        """Rows of (coder, from, to, outcome, codings), codes in codebook order."""
        rank = {code: i for i, code in enumerate(self.codebook.ids)}
        counts = Counter((c.coder, c.before, c.after or c.into or "", c.outcome)
                         for c in self.changed())
        rows: list[dict[str, Any]] = [
            {"coder": k[0], "from": k[1], "to": k[2], "outcome": k[3], "codings": n}
                for k, n in counts.items()]
        rows.sort(key=lambda r: (r["coder"], rank.get(r["to"], len(rank)), r["from"], r["outcome"]))
        return rows

    def counts(self) -> Counter:
        return Counter(c.outcome for c in self.changes)


def _start(span: str) -> int:
    return int(span.partition(":")[0])


@dataclass(frozen=True, slots=True)
class RecodeResult:
    plan: RecodePlan
    events: tuple[Any, ...] = ()
    warnings: tuple[str, ...] = ()
    suggested: dict[str, int] = field(default_factory=dict)


# ---------------------------------------------------------------- reading the logs


def _fake_events(batch: list[dict[str, Any]], time: str) -> list[Any]:
    return [Event(seq=i, time=time, **{k: v for k, v in f.items() if k != "time"})
            for i, f in enumerate(batch, start=1)]


# ---------------------------------------------------------------- which steps


def _version_order(codebook: Codebook) -> list[Any]:
    order: list[Any] = []
    for step in codebook.steps:
        if step.version not in order:
            order.append(step.version)
    if codebook.version not in order:
        order.append(codebook.version)
    return order


def pending_steps(codebook: Codebook, previous: Any, index: StepIndex) -> tuple[Step, ...]:
    """Steps of ``codebook`` after version ``previous`` not yet recorded in the logs."""
    recorded = {s.id for s, _ in index.steps}
    order = _version_order(codebook)
    return tuple(s for s in codebook.steps if s.id not in recorded
                 and (previous is None or is_after(s.version, previous, order)))


def check_sources(steps: tuple[Step, ...], old: Any) -> None:
    """Every code a step starts from must exist by then (the old codebook, carried
    forward through the steps before it); raise with the step's file:line."""
    known = set(old.ids)
    problems = []
    for step in steps:
        missing = [c for c in step.sources if c not in known and c not in step.targets]
        for code in missing:
            problems.append(f"{step.where}: unknown code {code!r} in this {step.kind}: it is not in "
                            f"{old.source} (version {old.version}){did_you_mean(code, sorted(known))}")
        if step.kind in ("rename", "merge"):
            known -= set(step.sources)
        elif step.kind == "split":
            known.discard(step.sources[0])
        known |= set(step.targets)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise CodebookError(problems[0] + more + "; fix 'changes' in the new codebook.")


# ---------------------------------------------------------------- the plan


def _events(actor: str, codebook: Codebook, previous: Any, steps: tuple[Step, ...], text: str,
            union: bool) -> list[dict[str, Any]]:
    header = {"actor": actor, "action": "migrate", "codebook": codebook.version,
              "source": "migrate",
              "data": {"step": "version", "version": codebook.version, "previous": previous,
                       "steps": len(steps), "sha256": hashlib.sha256(text.encode()).hexdigest()[:12],
                       "union": union}}
    lines = [header]
    for step in steps:
        data = step_data(step)
        if step.kind == "merge":
            data["union"] = union
        lines.append({"actor": actor, "action": "migrate", "code": step.code,
                      "codebook": step.version, "source": "migrate", "data": data})
    return lines


def _route_event(actor: str, routed: Any, document: Document | None) -> dict[str, Any]:
    c = routed.coding
    fields = {"actor": actor, "action": "route", "doc": c.doc, "docv": c.docv, "span": c.span,
              "code": routed.code, "codebook": routed.step.version, "source": "migrate:rules.v1",
              "score": routed.score, "ref": c.id,
              "data": {"step": routed.step.id, "from": routed.step.sources[0],
                       "reason": routed.reason}}
    if document is not None:
        text = document.text[c.start:c.end]
        fields.update(quote=shorten(text), fp=fingerprint(text))
    return fields


@paused_gc()
def plan_recode(project: Project, new_path: Path | str, *, actor: str | None = None,
                coders: list[str] | None = None, union: bool = False, rules: bool = True,
                min_score: float | None = None, now: str | None = None) -> RecodePlan:
    """Work out a migration to the codebook at ``new_path``; writes nothing."""
    who = resolve_coder(actor, flag="--as")
    new_path = Path(new_path)
    text = read_text(new_path)
    new = load_codebook(new_path)
    same_file = new_path.resolve() == project.codebook_path.resolve()
    old = None if same_file else load_codebook(project.codebook_path)
    head = read_head(project.log_path(PROJECT_LOG), project.id).seq
    codings, events = raw_replay(project)
    index = StepIndex.build(events)
    previous = old.version if old is not None else (index.order[-1] if index.order else None)
    steps = pending_steps(new, previous, index)
    notes: list[str] = []
    if old is not None:
        check_sources(steps, old)
    if not steps and previous in (new.version, None):
        raise QcodeError(f"Nothing to migrate: codebook version {new.version} is in force and "
                         f"{new_path} lists no change that is not recorded yet. Raise 'version' "
                         "and add the change steps under 'changes'.")
    lines = _events(who, new, previous, steps, text, union)
    staged = [*events, *_fake_events(lines, now or now_iso())]
    after, routed, scores = _simulate(project, new, codings, staged, who, coders=coders,
                                      union=union, rules=rules, min_score=min_score, notes=notes)
    changes = _changes(map_codings(codings, events), after, steps, StepIndex.build(staged), scores)
    notes.extend(_missing_codes(after, new))
    return RecodePlan(who, previous, new, new_path, text, steps, tuple(lines + routed),
                      tuple(changes), head, union, tuple(notes),
                      old.ids if old is not None else None)


def _missing_codes(after: list[Any], new: Any) -> list[str]:
    """A note on codings left with codes the new codebook lacks (removed without a step)."""
    known = set(new.ids)
    missing = Counter(c.code for c in after if c.code not in known
                      and not any(f.startswith("pending:") for f in c.flags))
    if not missing:
        return []
    listed = ", ".join(f"{code} ({n})" for code, n in sorted(missing.items()))
    return [f"{sum(missing.values())} codings keep codes that {new.source} lacks: {listed}. "
            "Keep such codes with 'retired: true', or rename or merge them."]


def _simulate(project: Project, new: Any, codings: list[Any], staged: list[Any], who: str, *,
              coders: list[str] | None, union: bool, rules: bool, min_score: float | None,
              notes: list[str]) -> tuple[list[Any], list[dict[str, Any]], dict[str, float]]:
    """Replay's result with the migration's lines ``staged``, then with the route lines
    for the split codings the rules place: ``(codings after, route lines, scores)``."""
    mapped = map_codings(codings, staged)
    if not rules:
        return mapped, [], {}
    routed, scores = _route(project, new, mapped, who, coders, min_score, notes)
    if not routed:
        return mapped, [], {}
    final = [*staged, *_fake_events(routed, staged[-1].time)]
    if union:
        return map_codings(codings, final), routed, scores
    ids = {line["ref"] for line in routed}
    redone = {c.id: c for c in map_codings([c for c in codings if c.id in ids], final)}
    return [redone.get(c.id, c) for c in mapped], routed, scores


def _route(project: Project, new: Any, mapped: list[Any], who: str, coders: list[str] | None,
           min_score: float | None, notes: list[str]
           ) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """Route lines for the codings the new split steps leave pending, where the rules
    are clear; the rest stay pending for review."""
    steps = {s.id: s for s in new.steps if s.kind == "split" and s.by == "rules"}
    wanted = set(coders) if coders else None
    items = []
    for coding in mapped:
        for flag in coding.flags:
            step = steps.get(flag.removeprefix("pending:")) if flag.startswith("pending:") else None
            if step is not None and (wanted is None or coding.coder in wanted):
                items.append((coding, step))
    if not items:
        return [], {}

    documents = DocumentCache(project)
    try:
        decided = route_by_rules(project, new, items, documents=documents,
                                 min_score=MIN_SCORE if min_score is None else min_score)
    except ImportError as exc:  # pragma: no cover - suggestions are part of qcode
        notes.append(f"rules are not available ({exc}); every split coding waits for review")
        return [], {}
    lines = [_route_event(who, r, documents.get(r.coding.doc)) for r in decided if r.code]
    return lines, {r.coding.id: r.score for r in decided}


def _changes(before: list[Any], after: list[Any], steps: tuple[Step, ...], index: StepIndex,
             scores: dict[str, float]) -> list[Change]:
    """What happens to each coding of ``before`` (in its order)."""
    new_ids = {s.id for s in steps}
    sources = {code for s in steps for code in s.sources}
    after_by_id = {c.id: c for c in after}
    joined = {absorbed: c.id for c in after for f in c.flags if f.startswith("union:")
              for absorbed in f[6:].split("+")}
    mine: dict[Any, tuple[tuple[tuple[Step, bool], ...], dict[str, str]]] = {}
    seen: dict[tuple, tuple[str, tuple[str, ...]]] = {}  # outcomes that do not depend on the coding
    out = []
    for c in before:
        now = after_by_id.get(c.id)
        if c.code not in sources and now is not None and now.code == c.code \
                and now.flags == c.flags:
            out.append(Change(c.id, c.coder, c.doc, c.span, c.code, c.code, "unchanged"))
            continue
        key = (c.codebook, c.code, c.flags, now.code, now.flags) if now is not None else None
        known = seen.get(key) if key is not None else None
        if known is None:
            found = mine.get(c.codebook)
            if found is None:
                ahead = tuple(s for s in index.after(c.codebook) if s[0].id in new_ids)
                found = mine[c.codebook] = (ahead, {s.id: s.kind for s, _ in ahead})
            trail = walk(c.code, c.id, found[0], index.routes)
            known = (_outcome(c, now, trail, found[1]), trail.touched)
            if key is not None and not trail.per_coding:
                seen[key] = known
        out.append(Change(c.id, c.coder, c.doc, c.span, c.code, now.code if now else None,
                          known[0], known[1], scores.get(c.id), joined.get(c.id)))
    return out


def _outcome(c: Any, now: Any | None, trail: Any, kinds: dict[str, str]) -> str:
    """rename, merge, routed, pending, review, retired, merge (union), joined or unchanged."""
    if now is None:
        return "joined"
    added = set(now.flags) - set(c.flags) if now.flags != c.flags else ()
    for f in added:
        if f.startswith("pending:"):
            return "pending"
    for f in added:
        if f.startswith("review:"):
            return "review"
    names = [kinds[s] for s in trail.touched]
    if "split" in names:
        return "routed"
    if any(f.startswith("union:") for f in added):
        return "merge (union)"
    if "retired" in added:
        return "retired"
    if now.code != c.code:
        moved = [n for n in names if n in ("rename", "merge", "redefine")]
        return "+".join(dict.fromkeys(moved)) or "mapped"
    return "unchanged"


# ---------------------------------------------------------------- writing


def commit(project: Project, plan: RecodePlan) -> tuple[tuple[Any, ...], tuple[str, ...]]:
    """Keep the codebook replaced and the new one (``codebook-versions/``), append the
    plan's lines to project.log in one locked write, then put the new codebook in
    force. Refuses if project.log changed since the plan was made."""
    replacing = plan.path.resolve() != project.codebook_path.resolve()
    with locked_log(project.log_path(PROJECT_LOG), project.id) as log:
        if log.head.seq != plan.head:
            raise QcodeError("audit/project.log changed while the migration was planned; "
                             "nothing was written. Run `qcode recode` again.")
        if replacing and plan.previous is not None:  # kept first: a failure writes no line
            keep(project, plan.previous, project.codebook_path.read_bytes())
        keep(project, plan.codebook.version, plan.text.encode("utf-8"))
        if replacing:  # project.log and then codebook.yaml: the next command finishes it
            intent.begin(project.root, "recode", {
                "version": plan.codebook.version, "head": plan.head, "path": str(plan.path),
                "sha256": hashlib.sha256(plan.text.encode()).hexdigest()[:12]})
        try:
            events = log.append(list(plan.events))
        except QcodeError:  # refused (a broken log): nothing recorded, nothing to finish
            intent.finish(project.root, "recode")
            raise
        warnings = tuple(log.warnings)
    if replacing:
        atomic_write(project.codebook_path, plan.text)
        intent.finish(project.root, "recode")
    return events, warnings


def recode(project: Project, new_path: Path | str, *, actor: str | None = None,
           coders: list[str] | None = None, dry_run: bool = False, union: bool = False,
           rules: bool = True, min_score: float | None = None) -> RecodeResult:
    """Plan and (unless ``dry_run``) write a migration to the codebook at ``new_path``."""
    plan = plan_recode(project, new_path, actor=actor, coders=coders, union=union, rules=rules,
                       min_score=min_score)
    if dry_run:
        return RecodeResult(plan)
    events, warnings = commit(project, plan)
    return RecodeResult(plan, events, warnings)


# ---------------------------------------------------------------- after a migration
# Rules suggestions for the codes it brought in or redefined, run across the corpus
# into each coder's suggestion queue (``qcode recode`` does this unless --no-suggest).


def codes_to_suggest(plan: RecodePlan) -> tuple[str, ...]:
    """The codes a migration brings in (added outright, or made by a split) and the
    codes it redefines, active in the new codebook, in codebook order. Renamed and
    merged codes keep their codings and are not suggested again."""
    steps = plan.steps
    carried = {t for s in steps if s.kind in ("rename", "merge") for t in s.targets}
    wanted = {t for s in steps if s.kind == "split" for t in s.targets}
    wanted |= {s.sources[0] for s in steps if s.kind == "redefine"}
    if plan.old_ids is not None:
        wanted |= set(plan.codebook.ids) - set(plan.old_ids) - carried
    return tuple(c.id for c in plan.codebook.active() if c.id in wanted)


def queue_suggestions(project: Project, plan: RecodePlan, coders: list[str], *,
                      on_document: Any = None) -> dict[str, int]:
    """Run rules suggestions for the plan's new and redefined codes across the corpus
    into each coder's queue; ``{coder: suggestions queued}``."""
    codes = codes_to_suggest(plan)
    if not codes or not coders:
        return {}

    return {coder: suggest(project, coder, codes=list(codes), method="rules",
                           on_document=on_document, keep=False).made for coder in coders}
