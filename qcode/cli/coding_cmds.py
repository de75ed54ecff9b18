"""Coding commands: apply, remove, memo, memos, undo, codings.

Each command imports the library inside its function, so that ``qcode --help``
loads none of it (docs/architecture.md, "Lazy imports").
"""


from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..errors import InputError
from ..hints import did_you_mean
from ._options import (
    CoderOption,
    CodersOption,
    Format,
    FormatOption,
    ProjectOption,
    StrictOption,
    emit,
    info,
    project_from,
)
from .root import app

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from ..codebook import Codebook
    from ..codings import Coding, Memo
    from ..project import Project

SpanOption = Annotated[str | None, typer.Option(
    "--span", "-s", help="Character offsets START:END of the document text.", show_default=False)]
QuoteOption = Annotated[str | None, typer.Option(
    "--quote", "-q", help="The exact text to select (must occur once).", show_default=False)]
UnitOption = Annotated[str | None, typer.Option(
    "--unit", "-u", help="A unit number (14, of the project's unit kind) or KIND:N (turn:3).",
    show_default=False)]
DocArg = Annotated[str | None, typer.Argument(help="Document id.", show_default=False)]
CodeArg = Annotated[str | None, typer.Argument(help="Code id.", show_default=False)]


def _report(outcome: Any, done: str) -> None:
    for warning in outcome.warnings:
        info(f"Warning: {warning}")
    for note in outcome.notes:
        info(note)
    if outcome.events:
        info(done)


def _need(value: str | None, what: str, usage: str) -> str:
    if not value:
        raise InputError(f"Missing {what}; usage: {usage}.")
    return value


@app.command()
def apply(
    doc: DocArg = None,
    code: CodeArg = None,
    *,
    span: SpanOption = None,
    quote: QuoteOption = None,
    unit: UnitOption = None,
    memo: Annotated[str | None, typer.Option("--memo", "-m", help="A memo on this coding.")] = None,
    from_file: Annotated[Path | None, typer.Option(
        "--from", help="A CSV of decisions (doc, code, quote|unit|span, memo, action), all "
        "applied in one write or none.", show_default=False)] = None,
    coder: CoderOption = None,
    project: ProjectOption = None,
) -> None:
    """Code a span of a document: qcode apply DOC CODE --quote "exact text"."""
    from .. import coding

    proj = project_from(project)
    if from_file is not None:
        if doc or code or span or quote or unit or memo:
            raise InputError("--from FILE takes no DOC, CODE, selection or --memo; they come "
                             "from the file's columns.")
        out = coding.apply_csv(proj, coder, from_file)
        _report(out, f"{out.coder}: wrote {out.written} events from {from_file} to "
                     f"audit/{out.coder}.log" + (f"; `qcode undo --steps {out.written} --coder "
                                                 f"{out.coder}` takes them back."
                                                 if out.written > 1 else "."))
        if not out.events and not out.notes:
            info(f"{out.coder}: {from_file} has no rows; nothing was written.")
        return
    usage = "qcode apply DOC CODE (--span A:B | --quote TEXT | --unit N)"
    out = coding.apply(proj, _need(doc, "DOC", usage), _need(code, "CODE", usage), span=span,
                       quote=quote, unit=unit, memo=memo, coder=coder)
    e = out.events[0] if out.events else None
    quoted = " ".join((e.quote or "").split()) if e else ""
    _report(out, f"{out.coder}:{e.seq} {e.code} on {e.doc} {e.span}: \"{quoted}\"" if e else "")


@app.command()
def remove(
    doc: DocArg = None,
    code: CodeArg = None,
    *,
    span: SpanOption = None,
    quote: QuoteOption = None,
    unit: UnitOption = None,
    overlapping: Annotated[bool, typer.Option(
        "--overlapping", help="Remove every coding of CODE that overlaps the selection.")] = False,
    coding_id: Annotated[str | None, typer.Option(
        "--coding", help="Remove one coding by its id (anna:42) instead.", show_default=False)] = None,
    coder: CoderOption = None,
    project: ProjectOption = None,
) -> None:
    """Remove your codings of CODE on a selection (or one coding by --coding ID)."""
    from .. import coding

    proj = project_from(project)
    if coding_id:
        out = coding.remove_coding(proj, coding_id, coder=coder)
    else:
        usage = "qcode remove DOC CODE (--span A:B | --quote TEXT | --unit N) [--overlapping]"
        out = coding.remove(proj, _need(doc, "DOC", usage), _need(code, "CODE", usage),
                            span=span, quote=quote, unit=unit, overlapping=overlapping,
                            coder=coder)
    removed = ", ".join(f"{e.ref} ({e.code} {e.doc} {e.span})" for e in out.events)
    _report(out, f"{out.coder}: removed {removed}")


@app.command()
def memo(
    args: Annotated[list[str], typer.Argument(
        help="DOC TEXT for a memo on a document, or TEXT with --code or --coding.",
        show_default=False)],
    *,
    code: Annotated[str | None, typer.Option("--code", help="A memo on this code.")] = None,
    coding_id: Annotated[str | None, typer.Option(
        "--coding", help="A memo on this coding (anna:42).")] = None,
    coder: CoderOption = None,
    project: ProjectOption = None,
) -> None:
    """Write a memo on a document, a code or a coding."""
    from .. import coding

    proj = project_from(project)
    targeted = bool(code or coding_id)
    if len(args) != (1 if targeted else 2):
        raise InputError("Usage: qcode memo DOC TEXT, qcode memo --code CODE TEXT or "
                         "qcode memo --coding anna:42 TEXT (quote TEXT if it has spaces).")
    doc = None if targeted else args[0]
    out = coding.memo(proj, args[-1], doc=doc, code=code, coding=coding_id, coder=coder)
    e = out.events[0]
    _report(out, f"{out.coder}:{e.seq} memo on {e.ref or e.doc or e.code}")


MEMO_COLUMNS = ["id", "coder", "time", "target", "doc", "code", "coding", "span", "text"]
MEMO_OPTIONAL = ["coding", "span", "target", "time", "code"]  # left out first on a narrow table


@app.command()
def memos(
    *,
    doc: Annotated[str | None, typer.Option("--doc", help="Only memos on this document.")] = None,
    code: Annotated[str | None, typer.Option("--code", help="Only memos about this code.")] = None,
    coder: CodersOption = None,
    format: FormatOption = Format.table,  # noqa: A002
    strict: StrictOption = False,
    project: ProjectOption = None,
) -> None:
    """List or export memos on documents, codes and codings (markdown for a report)."""
    from ..index import replay

    proj = project_from(project, strict=strict)
    found = replay(proj).memos
    codes, docs = _known_filters(proj, found, [code] if code else None, [doc] if doc else None)
    code = codes[0] if codes else None
    records = [{"id": m.id, "coder": m.coder, "time": m.time, "target": m.target, "doc": m.doc,
                "code": m.code, "coding": m.coding, "span": m.span, "text": m.text}
               for m in found
               if (not doc or m.doc == doc) and (not code or m.code == code)
               and (not coder or m.coder in coder)]
    emit(records, MEMO_COLUMNS, format, title=f"{len(records)} memos", optional=MEMO_OPTIONAL)


@app.command()
def undo(
    *,
    steps: Annotated[int, typer.Option(
        "--steps", "-n", help="Undo your last N decisions (e.g. all the rows of an "
        "`apply --from`), in one write or none.", min=1)] = 1,
    coder: CoderOption = None,
    project: ProjectOption = None,
) -> None:
    """Undo your last decision (a void line is appended; history is never edited)."""
    from .. import coding

    out = coding.undo(project_from(project), coder=coder, steps=steps)
    for warning in out.warnings:
        info(f"Warning: {warning}")
    for note in out.notes:
        info(f"{out.coder}: {note}")


CODING_COLUMNS = ["id", "coder", "doc", "start", "end", "code", "status", "source", "time", "memo",
                  "text"]
TABLE_COLUMNS = ["id", "doc", "start", "end", "code", "status", "source", "text"]
# what a column may say on every row for a narrow table to leave it out (None: anything
# alike; a status is kept unless it is "active" everywhere: a listing of retired codings)
QUIET_WHEN = {"status": "active", "source": None, "doc": None}


@app.command()
def codings(
    *,
    coder: CodersOption = None,
    code: Annotated[list[str] | None, typer.Option(
        "--code", help="Only this code; repeat for several.", show_default=False)] = None,
    doc: Annotated[list[str] | None, typer.Option(
        "--doc", help="Only this document; repeat for several.", show_default=False)] = None,
    format: FormatOption = Format.table,  # noqa: A002
    strict: StrictOption = False,
    project: ProjectOption = None,
) -> None:
    """List the current codings (replayed from the audit logs)."""
    from ..index import replay

    proj = project_from(project, strict=strict)
    # only the documents asked for are read from the index (a --code filter also looks
    # at the codes of every coding, to tell a typo from a code nobody used here)
    replayed = replay(proj, docs=doc or None if not code else None)
    for warning in replayed.warnings:
        info(f"Warning: {warning}")
    code, doc = _known_filters(proj, replayed.codings, code, doc)
    _known_coders(proj, replayed.codings, coder)
    chosen = replayed.select(coders=coder or None, codes=code or None, docs=doc or None)
    wide = getattr(format, "value", format) != "table"
    records = _coding_records(proj, chosen, wide=wide)
    emit(records, CODING_COLUMNS if wide else TABLE_COLUMNS, format,
         title=f"{len(records)} codings", optional=_narrow_drops(records))


def _narrow_drops(records: list[dict]) -> tuple[str, ...]:
    """The columns a narrow table leaves out first (the caption names them): those
    that say the same on every row (every coding active, from one source, in one
    document), then ``end``. A column that tells rows apart (a second source or
    document, a retired status among active ones) stays."""
    quiet = tuple(c for c, value in QUIET_WHEN.items()
                  if len(found := {r[c] for r in records}) <= 1
                  and (value is None or found <= {value}))
    return (*quiet, "end")


def _known_filters(proj: "Project", all_codings: "Sequence[Coding | Memo]", codes: list[str] | None,
                   docs: list[str] | None) -> tuple[list[str] | None, list[str] | None]:
    """The --code and --doc filters, each a code or document of the project (or of some
    coding); a typo is an error with a did-you-mean rather than an empty listing."""
    from ..codebook import load_codebook
    from ..corpus import list_documents

    used_codes = {c.code for c in all_codings}
    if codes and any(c not in used_codes for c in codes):
        codebook = load_codebook(proj.codebook_path)
        codes = [c if c in used_codes else codebook.require(c).id for c in codes]
    known_docs = set(list_documents(proj)) | {c.doc for c in all_codings}
    for d in docs or ():
        if d not in known_docs:
            raise InputError(f"No document {d!r} in this project; see `qcode docs`.")
    return codes, docs


def _known_coders(proj: "Project", all_codings: "Sequence[Coding]", coders: list[str] | None) -> None:
    """A --coder that is neither a coder of the project nor of any coding is a typo:
    an error with the nearest name rather than an empty listing."""
    from ..audit.log import PROJECT_LOG, log_names

    known = set(proj.settings.coders) | {c.coder for c in all_codings}
    for name in coders or ():
        if name not in known:
            known |= set(log_names(proj.audit_dir)) - {PROJECT_LOG}
        if name not in known:
            hint = did_you_mean(name, sorted(known))
            raise InputError(f"No coder {name!r} in this project; the coders are "
                             f"{', '.join(sorted(known)) or 'none yet'}{hint or '.'}")


def _coding_records(proj: "Project", chosen: "Iterable[Coding]", *, wide: bool) -> list[dict]:
    from ..audit.line import shorten
    from ..codings import coding_status
    from ..corpus import DocumentCache

    codebook = _codebook_or_none(proj)
    rank = {c: i for i, c in enumerate(codebook.ids if codebook else ())}
    retired = frozenset(c.id for c in codebook.codes if c.retired) if codebook else frozenset()
    documents = DocumentCache(proj)
    records = []
    for c in sorted(chosen, key=lambda c: (c.doc, c.start, c.end, rank.get(c.code, len(rank)),
                                           c.code, c.coder)):
        text = " ".join(documents.text(c.doc)[c.start:c.end].split())
        records.append({"id": c.id, "coder": c.coder, "doc": c.doc, "start": c.start,
                        "end": c.end, "code": c.code, "status": coding_status(c, retired),
                        "source": c.source, "time": c.time,
                        "memo": c.memo, "text": text if wide else shorten(text, 60)})
    return records


def _codebook_or_none(proj: "Project") -> "Codebook | None":
    """The codebook in force, for its order and its retired codes (``None`` when it does
    not load: the listing still works, and `qcode codebook check` says what is wrong)."""
    from ..codebook import load_codebook
    from ..errors import QcodeError

    try:
        return load_codebook(proj.codebook_path)
    except QcodeError:
        return None
