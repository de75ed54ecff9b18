"""``qcode audit``: verify, seal, show, blame and stats over the decision logs.

Each command imports the library inside its function, so that ``qcode --help``
loads none of it (docs/architecture.md, "Lazy imports").
"""


import enum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..errors import InputError
from ..reports import clip
from ._options import (
    CoderOption,
    CodersOption,
    Format,
    FormatOption,
    ProjectOption,
    emit,
    info,
    is_table,
    name_of,
    project_from,
    stdout_console,
)
from .output import Listing, emit_tables
from .root import app, new_app

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from rich.console import Group

    from ..corpus import Document
    from ..project import Project

audit_app = new_app("The audit trail: verify the logs, seal them, and review who did what.")
app.add_typer(audit_app, name="audit")

VERIFY_COLUMNS = ["log", "lines", "seq", "hash", "status", "problem"]


@audit_app.command()
def verify(
    *,
    coder: CodersOption = None,
    git: Annotated[bool, typer.Option(
        "--git", help="Also check that every committed version of each log is a prefix of "
        "today's.")] = False,
    format: FormatOption = Format.table,  # noqa: A002
    project: ProjectOption = None,
) -> None:
    """Check every log's bytes, order, sequence, chain and seals; exit 1 on tampering."""
    from ..audit import verify_project

    report = verify_project(project_from(project), coder or None, git=git)
    first: dict[str, Any] = {}
    for problem in report.problems:
        first.setdefault(problem.log, problem)
    records = [{"log": f"{c.name}.log", "lines": c.lines, "seq": c.head.seq,
                "hash": c.head.hash[:12], "status": first[c.name].kind if c.name in first
                else "signed" if c.name in report.unproven else "ok",
                "problem": first[c.name].message if c.name in first else ""}
               for c in report.logs]
    records += [{"log": f"{p.log}.log", "lines": None, "seq": None, "hash": None,
                 "status": p.kind, "problem": p.message}
                for p in first.values() if p.log not in {c.name for c in report.logs}]
    emit(records, VERIFY_COLUMNS, format, title="Audit logs")
    for note in report.notes:
        info(f"Note: {note}")
    for problem in report.problems:
        info(f"Tampering: {problem.message}")
    if report.problems:
        info(f"{len(report.problems)} problem(s) found; restore the logs from git or ask who "
             "changed them.")
        raise typer.Exit(1)
    info(_summary(len(report.logs), report.unproven, git))


def _summary(count: int, unproven: tuple[str, ...], git: bool) -> str:
    """The last line of a clean verify. A log only shown fully signed is not called
    intact: cut back to an earlier signed head, it would look the same."""
    parts = []
    if count > len(unproven) or not unproven:
        parts.append(f"{count - len(unproven)} log(s) intact"
                     + (" and consistent with git history" if git else ""))
    if unproven:
        logs = ", ".join(f"{n}.log" for n in unproven)
        them = "it" if len(unproven) == 1 else "them"
        since = "no later seal or commit records" if git else "without a later seal or --git"
        parts.append(f"{logs}: fully signed, but nothing proves {them} complete: a log cut "
                     f"back to an earlier signed head looks the same, {since}"
                     + (f" {them} this far" if git else ""))
    return "; ".join(parts) + "."


@audit_app.command()
def sign(*, coder: CoderOption = None, void: Annotated[bool, typer.Option(
        "--void", help="Void the unsigned decisions instead of vouching for them, and sign "
        "that.")] = False, project: ProjectOption = None) -> None:
    """Sign your log's unsigned tail (after a crash, or a refused append), or void it."""
    from ..audit.keyops import sign_log
    from ..project import resolve_coder

    name = resolve_coder(coder)
    events = sign_log(project_from(project), name, void=void)
    voids = [e for e in events if e.action == "void"]
    if voids:
        info(f"audit/{name}.log: voided {', '.join(e.ref or '' for e in voids)}.")
    info(f"audit/{name}.log: signed through seq {events[-1].seq - 1} "
         f"({(events[-1].data or {}).get('key')}).")


@audit_app.command()
def seal(*, coder: CoderOption = None, project: ProjectOption = None) -> None:
    """Record the current seq and hash of every other log in your own log."""
    from ..audit import seal as do_seal
    from ..project import resolve_coder

    name = resolve_coder(coder)
    written = do_seal(project_from(project), name)
    for warning in written.warnings:
        info(f"Warning: {warning}")
    event = written.events[0]
    logs = (event.data or {}).get("logs", {})
    sealed = ", ".join(f"{log}@{head['seq']}" for log, head in logs.items()) or "no other logs"
    info(f"{name}:{event.seq} sealed {sealed}.")


class Action(enum.StrEnum):
    apply = "apply"
    remove = "remove"
    memo = "memo"
    void = "void"
    seal = "seal"
    accept = "accept"
    reject = "reject"
    migrate = "migrate"
    route = "route"
    reanchor = "reanchor"
    docversion = "docversion"


@audit_app.command()
def show(
    *,
    coder: CodersOption = None,
    code: Annotated[list[str] | None, typer.Option("--code", help="Only this code; repeat "
                                                   "for several.", show_default=False)] = None,
    doc: Annotated[list[str] | None, typer.Option("--doc", help="Only this document; repeat "
                                                  "for several.", show_default=False)] = None,
    since: Annotated[str | None, typer.Option(help="From this UTC date or time on.")] = None,
    until: Annotated[str | None, typer.Option(help="Up to this UTC date or time.")] = None,
    action: Annotated[list[Action] | None, typer.Option(
        "--action", help="Only this action; repeat for several.", show_default=False)] = None,
    source: Annotated[list[str] | None, typer.Option(
        "--source", help="Only sources starting with this (manual, suggest, import:csv).",
        show_default=False)] = None,
    format: FormatOption = Format.table,  # noqa: A002
    project: ProjectOption = None,
) -> None:
    """A timeline of decisions with the coded text in its context."""
    from ..trail import TIMELINE_COLUMNS, entry_record, timeline, timeline_stream

    proj = project_from(project)
    kw: dict[str, Any] = {"coders": coder, "codes": code, "docs": doc, "since": since,
                          "until": until, "actions": [a.value for a in action or ()],
                          "sources": source}
    if getattr(format, "value", format) != "table":
        emit([entry_record(x) for x in timeline(proj, **kw)], list(TIMELINE_COLUMNS), format)
        return
    console = stdout_console()
    shown: list[int] = [0]  # how many were shown
    imported: list[Any] = []  # those an import wrote
    # each entry parsed and drawn in its turn, so `| head` shows the first ones at once
    for block in _timeline_view(proj, _counted(timeline_stream(proj, **kw), shown, imported)):
        console.print(block)
    info(f"{shown[0]} events.")
    for line in _imported(imported):
        info(line)


def _counted(entries: "Iterable[Any]", shown: list[int], imported: list[Any]) -> "Iterator[Any]":
    for x in entries:
        shown[0] += 1
        if (x.event.source or "").startswith("import:"):
            imported.append(x)
        yield x


def _imported(entries: "Iterable[Any]") -> list[str]:
    """One line per imported coder shown: her log was written by someone's import."""
    seen: dict[str, str] = {}
    for x in entries:
        data = x.event.data if isinstance(x.event.data, dict) else {}
        if (x.event.source or "").startswith("import:") and data.get("by"):
            tool = f" from {data['tool']}" if data.get("tool") else ""
            user = f" (user {data['user']!r})" if data.get("user") else ""
            seen.setdefault(x.event.actor, f"{x.event.actor}: imported{tool}{user}, written by "
                                           f"{data['by']}'s import, not by {x.event.actor} in qcode.")
    return list(seen.values())


def _timeline_view(proj: "Project", entries: "Iterable[Any]") -> "Iterator[Group]":
    """The Rich lines of each entry in turn (a generator: nothing waits for the last)."""
    from rich.console import Group
    from rich.text import Text

    from ..safetext import visible
    from ..trail import event_reason, in_context

    texts: dict[str, object] = {}
    for x in entries:
        blocks = []
        e = x.event
        head = Text()
        head.append(e.time.replace("T", " ")[:19], style="dim")
        head.append(f"  {x.id:<12} ", style="bold")
        head.append(f"{e.action:<7} ", style="cyan")
        for part, style in ((e.code, "magenta"), (e.doc, ""), (e.span, "dim"),
                            (e.source, "dim"), (f"-> {e.ref}" if e.ref else None, "yellow")):
            if part:
                head.append(visible(f"{part}  "), style=style)
        blocks.append(head)
        doc = _doc_at(proj, texts, e.doc, e.docv)
        if e.span and doc is not None:
            start, end = (int(v) for v in e.span.split(":"))
            before, coded, after = in_context(doc.text, start, end)
            blocks.append(Text("    ").append(visible(before), style="dim").append(
                visible(coded), style="underline").append(visible(after), style="dim"))
        elif e.quote:
            blocks.append(Text(visible(f"    \"{e.quote}\"")))
        reason = event_reason(e)
        if reason:
            blocks.append(Text(visible(f"    because: {reason}"), style="dim italic"))
        if e.memo:
            blocks.append(Text(visible(f"    memo: {e.memo}"), style="italic"))
        yield Group(*blocks)


def _doc_at(proj: "Project", cache: dict[str, Any], doc_id: str | None,
            docv: str | None) -> "Document | None":
    """The document if its current version is the one the event saw."""
    if not doc_id:
        return None
    if doc_id not in cache:
        from ..corpus import load_document

        try:
            cache[doc_id] = load_document(proj, doc_id)
        except InputError:
            cache[doc_id] = None
    doc = cache[doc_id]
    return doc if doc is not None and (docv is None or doc.version == docv) else None


@audit_app.command()
def blame(
    doc: Annotated[str, typer.Argument(help="Document id.")],
    *,
    span: Annotated[str | None, typer.Option(
        "--span", "-s", help="Only events on text overlapping START:END.")] = None,
    format: FormatOption = Format.table,  # noqa: A002
    project: ProjectOption = None,
) -> None:
    """Who applied or removed which code on this text, when, and how."""
    from ..trail import BLAME_COLUMNS
    from ..trail import blame as do_blame

    proj = project_from(project)
    start = end = None
    if span:
        from ..coding import parse_span_arg
        from ..corpus import load_document

        start, end = parse_span_arg(span, load_document(proj, doc))
    records = do_blame(proj, doc, start=start, end=end)
    if getattr(format, "value", format) == "table":
        records = [{**r, "time": r["time"].replace("T", " ")[:16],
                    "code": r["code"] if r["now"] in (None, r["code"]) else f"{r['code']} → {r['now']}",
                    "quote": clip(r["quote"] or "", 48)} for r in records]
        columns = ["time", "id", "action", "code", "span", "how", "status", "quote"]
    else:
        columns = list(BLAME_COLUMNS)
    emit(records, columns, format, title=f"{doc}: {len(records)} events")


class By(enum.StrEnum):
    coder = "coder"
    day = "day"
    code = "code"


@audit_app.command()
def stats(
    *,
    by: Annotated[By | None, typer.Option(
        "--by", help="One table: per coder, per coder and day, or per code (default: all "
        "three; csv shows the coder table).", show_default=False)] = None,
    format: FormatOption = Format.table,  # noqa: A002
    project: ProjectOption = None,
) -> None:
    """Events per coder and day, codes used, voids, and the share from suggestions."""
    from ..trail import stats as do_stats

    tables = do_stats(project_from(project))
    names = {"coder": "coders", "day": "days", "code": "codes"}
    if by is not None:
        chosen = [names[by.value]]
    else:  # csv is one table: the coders
        chosen = ["coders"] if name_of(format) == "csv" else ["coders", "days", "codes"]
    if is_table(format):
        tables["codes"] = _narrow_codes(tables["codes"])
    listings = [Listing(name, name, tables[name], list(tables[name][0]) if tables[name]
                        else ["coder"], optional=STATS_OPTIONAL) for name in chosen]
    if by is not None and name_of(format) == "json":  # one table: its list, as before
        emit(listings[0].rows, listings[0].columns, format)
        return
    emit_tables(listings, format)


STATS_OPTIONAL = ("first", "last", "days", "removed", "voids", "memos")


def _narrow_codes(rows: list[dict]) -> list[dict]:
    """The codes table with one column per coder, or, when those columns would not fit
    the terminal, one column listing each code's coders and counts."""
    from ._options import stdout_console

    if not rows:
        return rows
    width = sum(max(len(k), *(len(str(r[k])) for r in rows)) + 3 for k in rows[0])
    if width <= stdout_console().width:
        return rows
    return [{"code": r["code"], "total": r["total"],
             "by coder": ", ".join(f"{k} {v}" for k, v in r.items()
                                   if k not in ("code", "total") and v)} for r in rows]
