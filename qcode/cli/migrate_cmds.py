"""Codebook evolution commands: codebook diff and log, recode, orphans.

Each command imports the library inside its function, so that ``qcode --help``
loads none of it (docs/architecture.md, "Lazy imports").
"""


from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..errors import InputError
from ._options import (
    CodersOption,
    Format,
    FormatOption,
    ProjectOption,
    emit,
    info,
    progress_bar,
    project_from,
    report_reanchored,
)
from .codebook_cmds import codebook_app
from .modes import OldFlag, mode_group
from .root import app, new_app

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ..migrations.batch import RecodePlan
    from ..project import Project

ActorOption = Annotated[str | None, typer.Option(
    "--as", help="Who is acting (default: QCODE_CODER, else 'coder:' in "
    "~/.config/qcode/config.yaml); named in the lines written.", show_default=False)]


# ---------------------------------------------------------------- codebook diff / log


@codebook_app.command("diff")
def codebook_diff(
    old: Annotated[Path, typer.Argument(help="The codebook before (YAML).")],
    new: Annotated[Path, typer.Argument(help="The codebook after (YAML).")],
    *,
    write: Annotated[bool, typer.Option(
        "--write", help="Add the proposed steps to NEW's 'changes' (all, or those chosen "
        "with --step).")] = False,
    step: Annotated[list[int] | None, typer.Option(
        "--step", help="With --write: only proposal number N; repeat for several.",
        show_default=False)] = None,
    format: FormatOption = Format.table,  # noqa: A002
) -> None:
    """Show added, removed and changed codes, and propose the steps between them."""
    from ..codebook import load_codebook
    from ..migrations.diff import diff_codebooks

    before, after = load_codebook(old), load_codebook(new)
    found = diff_codebooks(before, after)
    proposals = list(enumerate(found.proposals, start=1))
    rows: list[dict[str, Any]] = [
        {"n": "", "what": c.what, "code": c.code, "detail": _change_detail(c), "score": "",
         "why": ""} for c in found.changes]
    rows += [{"n": n, "what": "proposed", "code": p.step.code, "detail": p.step.describe(),
              "score": p.score, "why": p.why} for n, p in proposals]
    emit(rows, ["n", "what", "code", "detail", "score", "why"], format,
         title=f"{old} (version {before.version}) -> {new} (version {after.version})")
    for code in found.unaccounted:
        info(f"Removed without a step: {code!r}; its codings would keep a code the new codebook "
             "lacks. Keep it with 'retired: true', or rename or merge it.")
    if write:
        _write_proposals(old, new, before, after, proposals, step)
    elif proposals:
        info(f"{len(proposals)} step(s) proposed; add them to {new} with --write "
             "(or --write --step N).")


def _write_proposals(old: Path, new: Path, before: Any, after: Any,
                     proposals: list[tuple[int, Any]], step: list[int] | None) -> None:
    """Add the chosen proposals to NEW's 'changes' (``codebook diff --write``)."""
    from ..errors import InputError
    from ..migrations.diff import write_steps

    if before.version == after.version:
        raise InputError(f"{new} has the same version as {old} ({after.version}); raise "
                         f"'version' in {new} so the steps lead somewhere, then --write again.")
    chosen = [p.step for n, p in proposals if not step or n in step]
    unknown = sorted(set(step or ()) - {n for n, _ in proposals})
    if unknown:
        raise InputError(f"No proposal number {unknown[0]}; the proposals are 1 to {len(proposals)}.")
    if not chosen:
        info("Nothing to write.")
        return
    write_steps(new, chosen)
    info(f"Added {len(chosen)} step(s) to 'changes' in {new}; edit each 'reason', then run "
         f"`qcode recode run --to {new} --dry-run`.")


def _change_detail(change: Any) -> str:
    if change.what in ("added", "removed"):
        return ""
    clip = lambda s: s if len(s) <= 40 else s[:39] + "…"  # noqa: E731
    return f"{clip(change.old) or '(none)'} -> {clip(change.new) or '(none)'}"


@codebook_app.command("log")
def codebook_log(
    *,
    all_lines: Annotated[bool, typer.Option("--all", help="Also migrations that were undone.")] = False,
    format: FormatOption = Format.table,  # noqa: A002
    project: ProjectOption = None,
) -> None:
    """Codebook versions and change steps, with when and by whom (from audit/project.log)."""
    from ..migrations.history import COLUMNS
    from ..migrations.history import codebook_log as history

    rows = history(project_from(project), all_lines=all_lines)
    if not rows:
        info("No codebook migrations in audit/project.log yet (see `qcode recode run --to`).")
    if getattr(format, "value", format) == "table":  # minutes are enough to read by
        rows = [{**r, "time": str(r.get("time") or "").replace("T", " ")[:16]} for r in rows]
    emit(rows, list(COLUMNS), format, title="Codebook history")


# ---------------------------------------------------------------- recode


recode_app = new_app(
    "Carry every coding to a new codebook version (`recode run`), decide the codings it "
    "left waiting (`recode review`), or undo a migration (`recode undo`).",
    cls=mode_group(OldFlag("--to", "run", "option", "NEW.yaml"), OldFlag("--review", "review"),
                   OldFlag("--undo", "undo", "argument", "VERSION")))
app.add_typer(recode_app, name="recode")


@recode_app.command("run")
def recode_run(
    *,
    to: Annotated[Path, typer.Option(
        "--to", help="The new codebook (YAML) whose 'changes' lead to its version.",
        show_default=False)],
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Show what would change, per code and coder; write nothing.")] = False,
    coder: CodersOption = None,
    union: Annotated[bool, typer.Option(
        "--union", help="Join overlapping codings of one coder that a merge brings together.")] = False,
    detail: Annotated[bool, typer.Option("--detail", help="List every coding that changes.")] = False,
    min_score: Annotated[float | None, typer.Option(
        "--min-score", help="Rules score (0-1) a split needs to route a coding (default 0.5).",
        show_default=False)] = None,
    no_suggest: Annotated[bool, typer.Option(
        "--no-suggest", help="Do not queue suggestions for new and redefined codes.")] = False,
    actor: ActorOption = None,
    format: FormatOption = Format.table,  # noqa: A002
    project: ProjectOption = None,
) -> None:
    """Carry every coding to a new codebook version: renames and merges map codes, splits
    are routed by the rules or left for review, retired codes' codings are kept.
    --coder limits the report, the routing and the suggestions to those coders."""
    _recode(project_from(project), to, dry_run=dry_run, coders=coder, union=union,
            detail=detail, min_score=min_score, suggest=not no_suggest, actor=actor, fmt=format)


@recode_app.command("review")
def recode_review(
    *,
    coder: CodersOption = None,
    coding: Annotated[str | None, typer.Option(
        "--coding", help="The coding to decide (e.g. anna:42).", show_default=False)] = None,
    code: Annotated[str | None, typer.Option(
        "--code", help="With --coding: the code it takes.", show_default=False)] = None,
    actor: ActorOption = None,
    format: FormatOption = Format.table,  # noqa: A002
    project: ProjectOption = None,
) -> None:
    """List the codings waiting for a migration decision; with --coding and --code,
    decide one."""
    _review(project_from(project), coder, coding, code, actor, format)


@recode_app.command("undo")
def recode_undo(
    version: Annotated[str, typer.Argument(
        help="The version whose migration to undo.", metavar="VERSION", show_default=False)],
    *,
    actor: ActorOption = None,
    project: ProjectOption = None,
) -> None:
    """Undo the migration to VERSION: its lines are voided and the earlier codebook is
    back in force."""
    from ..migrations.history import undo_migration

    undone = undo_migration(project_from(project), version, actor=actor)
    _warn(undone.warnings)
    info(f"Voided {len(undone.events)} line(s) of the migration to version {version}; "
         f"{undone.note}")


def _warn(warnings: "Iterable[str]") -> None:
    for warning in warnings:
        info(f"Warning: {warning}")


def _recode(proj: "Project", to: Path, *, dry_run: bool, coders: list[str] | None, union: bool,
            detail: bool, min_score: float | None, suggest: bool, actor: str | None,
            fmt: Any) -> None:
    from ..migrations.batch import commit, plan_recode

    plan = plan_recode(proj, to, actor=actor, coders=coders, union=union, min_score=min_score)
    wanted = set(coders or ())
    previous = "(none recorded)" if plan.previous is None else plan.previous
    changes = [c for c in plan.changed() if not wanted or c.coder in wanted]
    if detail:
        rows = [{"coding": c.coding, "coder": c.coder, "doc": c.doc, "span": c.span,
                 "from": c.before, "to": c.after or c.into, "outcome": c.outcome,
                 "score": c.score} for c in changes]
        emit(rows, ["coding", "coder", "doc", "span", "from", "to", "outcome", "score"], fmt,
             title=f"Codings that change (version {previous} -> {plan.version})")
    else:
        rows = [r for r in plan.summary() if not wanted or r["coder"] in wanted]
        emit(rows, ["coder", "from", "to", "outcome", "codings"], fmt,
             title=f"Version {previous} -> {plan.version}: what changes, per coder and code")
    for note in plan.notes:
        info(note)
    counts = plan.counts()
    described = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
    info(f"{len(plan.steps)} step(s), {len(plan.changes)} codings: {described or 'none'}.")
    if dry_run:
        info("Dry run: nothing was written.")
        return
    events, warnings = commit(proj, plan)
    _warn(warnings)
    info(f"Wrote {len(events)} line(s) to audit/project.log as {plan.actor}; codebook version "
         f"{plan.version} is in force.")
    if counts.get("pending") or counts.get("review"):
        info("Codings waiting for a decision: `qcode recode review`.")
    if suggest:
        _suggest(proj, plan, coders)


def _suggest(proj: "Project", plan: "RecodePlan", coders: list[str] | None) -> None:
    from ..codings import replay
    from ..corpus import list_documents
    from ..migrations.batch import codes_to_suggest, queue_suggestions

    codes = codes_to_suggest(plan)
    who = list(coders or replay(proj).coders)
    if not codes or not who:
        return
    with progress_bar(len(list_documents(proj)) * len(who), "suggesting new codes") as step:
        queued = queue_suggestions(proj, plan, who, on_document=step)
    for name, n in queued.items():
        info(f"Queued {n} suggestion(s) of {', '.join(codes)} for {name} (`qcode suggestions`).")


def _review(proj: "Project", coders: list[str] | None, coding: str | None, code: str | None,
            actor: str | None, fmt: Any) -> None:
    from ..migrations.pending import COLUMNS, pending_reviews, route

    if coding is None:
        if code is not None:
            raise InputError("--code needs --coding: which coding takes it?")
        rows = [p.record() for p in pending_reviews(proj, coders=coders)]
        emit(rows, list(COLUMNS), fmt, title="Codings waiting for a migration decision")
        if rows:
            info("Decide one with `qcode recode review --coding ID --code CODE`.")
        return
    if code is None:
        raise InputError("--coding needs --code: the code it takes.")
    written = route(proj, coding, code, actor=actor)
    _warn(written.warnings)
    info(f"Routed {coding} to {code!r} (audit/{written.events[0].actor}.log).")


# ---------------------------------------------------------------- orphans

SpanOption = Annotated[str | None, typer.Option(
    "--span", help="START:END on the current text.", show_default=False)]
QuoteOption = Annotated[str | None, typer.Option(
    "--quote", help="Exact text on the current text.", show_default=False)]
UnitOption = Annotated[str | None, typer.Option(
    "--unit", help="A unit: 14 or turn:3.", show_default=False)]


IdArg = Annotated[str, typer.Argument(
    help="The orphaned coding (e.g. anna:42).", metavar="ID", show_default=False)]

orphans_app = new_app(
    "Codings an edit of their document left without a place (kept on the old version): "
    "`qcode orphans` lists them; `orphans place` puts one on the current text, `orphans "
    "void` undoes one, `orphans reanchor` re-anchors codings no re-anchoring has handled.",
    cls=mode_group(OldFlag("--place", "place", "argument", "ID"),
                   OldFlag("--void", "void", "argument", "ID"), OldFlag("--reanchor", "reanchor")),
    no_args_is_help=False)
app.add_typer(orphans_app, name="orphans")


@orphans_app.callback(invoke_without_command=True)
def orphans(
    ctx: typer.Context, *,
    coder: CodersOption = None,
    doc: Annotated[list[str] | None, typer.Option(
        "--doc", "-d", help="Only this document; repeat for several.", show_default=False)] = None,
    format: FormatOption = Format.table,  # noqa: A002
    project: ProjectOption = None,
) -> None:
    """List the codings an edit of their document left without a place."""
    if ctx.invoked_subcommand is not None:
        return
    from ..migrations.reanchor import COLUMNS
    from ..migrations.reanchor import orphans as find

    rows = [o.record() for o in find(project_from(project), coders=coder, docs=doc)]
    emit(rows, list(COLUMNS), format, title="Orphaned codings")
    if rows:
        info("Place one with `qcode orphans place ID --quote TEXT`, or void it with "
             "`qcode orphans void ID`.")


@orphans_app.command("place")
def orphans_place(coding: IdArg, *, span: SpanOption = None, quote: QuoteOption = None,
                  unit: UnitOption = None, actor: ActorOption = None,
                  project: ProjectOption = None) -> None:
    """Put an orphaned coding on the current text, at --span, --quote or --unit."""
    from ..errors import InputError
    from ..migrations.reanchor import place_orphan

    if sum(x is not None for x in (span, quote, unit)) != 1:
        raise InputError("`qcode orphans place` needs exactly one of --span, --quote or --unit.")
    written = place_orphan(project_from(project), coding, span=span, quote=quote, unit=unit,
                           actor=actor)
    _warn(written.warnings)
    info(f"Placed {coding} at {written.events[0].span} on the current text.")


@orphans_app.command("void")
def orphans_void(coding: IdArg, *, actor: ActorOption = None,
                 project: ProjectOption = None) -> None:
    """Undo an orphaned coding (its coder only)."""
    from ..migrations.reanchor import void_orphan

    written = void_orphan(project_from(project), coding, coder=actor)
    _warn(written.warnings)
    info(f"Voided {coding} in audit/{written.events[0].actor}.log.")


@orphans_app.command("reanchor")
def orphans_reanchor(*, actor: ActorOption = None, project: ProjectOption = None) -> None:
    """Re-anchor codings still on a replaced version of their document that no
    re-anchoring has handled yet."""
    from ..migrations.reanchor import reanchor_stale

    report_reanchored(reanchor_stale(project_from(project), actor))
