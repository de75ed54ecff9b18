"""Project and corpus commands: init, ingest, docs, turns, units, show, attrs, demo.

Each command imports the library inside its function, so that ``qcode --help``
loads none of it (docs/architecture.md, "Lazy imports").
"""


from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..errors import InputError
from ..project import UnitKind
from ..reports import clip
from ._options import (
    Format,
    FormatOption,
    ProjectOption,
    emit,
    info,
    is_table,
    project_from,
    report_reanchored,
    stdout_console,
)
from .root import app, new_app

if TYPE_CHECKING:
    from ..corpus import IngestResult
    from ..project import Project

UnitKindOption = Annotated[
    UnitKind | None,
    typer.Option("--kind", "-k", help="Unit kind: sentence, turn or paragraph "
                 "(default: the project's unit).", show_default=False),
]


FromOption = Annotated[Path | None, typer.Option(
    "--from", help="Start from another tool's project (.qdpx) or a codebook (.qdc, CSV): "
    "`qcode import` into the new folder.", show_default=False)]
ImporterOption = Annotated[str | None, typer.Option(
    "--as", help="Who imports --from (default: QCODE_CODER, else 'coder:' in your config).",
    show_default=False)]
InitDryRunOption = Annotated[bool, typer.Option(
    "--dry-run", help="With --from: show what the import would create, per coder and code; "
    "make no folder and write nothing.")]


@app.command()
def init(
    folder: Annotated[Path, typer.Argument(help="Folder to create the project in.")],
    *,
    name: Annotated[str | None, typer.Option(help="Project name (default: folder name).")] = None,
    language: Annotated[str, typer.Option(help="Language of the documents: en, nb, ...")] = "en",
    unit: Annotated[UnitKind, typer.Option(
        help="Default unit kind: sentence, turn or paragraph.")] = UnitKind.sentence,
    coder: Annotated[list[str] | None, typer.Option(
        "--coder", "-c", help="A known coder; repeat for several.")] = None,
    sample: Annotated[bool, typer.Option(
        "--sample", help="Fill it with the bundled sample study (documents, codebook, codings).")] = False,
    force: Annotated[bool, typer.Option("--force", help="Allow a non-empty folder.")] = False,
    from_file: FromOption = None,
    actor: ImporterOption = None,
    dry_run: InitDryRunOption = False,
) -> None:
    """Create a project folder: qcode.yaml, codebook.yaml, documents/, audit/."""
    from ..project import init_project

    if from_file is not None or dry_run:
        from .exchange_cmds import init_from

        init_from(folder, from_file, name=name, language=language, unit=unit.value,
                  coders=tuple(coder or ()), force=force, actor=actor, dry_run=dry_run)
        return
    if sample:
        from ..demo import init_sample

        project = init_sample(folder, force=force, report=info)
    else:
        project = init_project(folder, name=name, language=language, unit=unit.value,
                               coders=tuple(coder or ()), force=force)
    info(f"Created project {project.settings.name!r} in {folder} (id {project.id}).")


RecorderOption = Annotated[str | None, typer.Option(
    "--coder", "--as", help="Who records the re-anchoring of the codings of a document whose "
    "text changed (default: QCODE_CODER, else 'coder:' in your config).", show_default=False)]
ReplaceOption = Annotated[bool, typer.Option(
    "--replace", help="Let a file that is not the recorded source of the document with its "
    "id (another folder or format) replace that document.")]


@app.command()
def ingest(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Source files: .txt, .md, .docx, .odt, .pdf, .rtf, .html, .vtt, .srt.",
        show_default=False)] = None,
    *,
    attr: Annotated[list[str] | None, typer.Option(
        "--attr", "-a", help="An attribute key=value for these documents; repeat for several.")] = None,
    doc_id: Annotated[str | None, typer.Option(
        "--id", help="Document id (default: the file name's stem); one PATH only.")] = None,
    resegment: Annotated[bool, typer.Option(
        "--resegment", help="Recompute turns and units of stored documents (all, or the "
        "ids given as PATH) after a language or pipeline change.")] = False,
    coder: RecorderOption = None,
    replace: ReplaceOption = False,
    project: ProjectOption = None,
) -> None:
    """Read sources into the project (re-ingesting an unchanged source changes nothing).

    The codings of a document whose text changed are re-anchored onto the new text,
    recorded in project.log under --coder; without a name nothing is ingested."""
    from ..corpus import parse_attrs
    from ..corpus import resegment as do_resegment
    from ..intake import ingest as do_ingest

    proj = project_from(project)
    if resegment:
        for r in do_resegment(proj, [str(p) for p in paths] if paths else None):
            info(f"{r.status:>11}  {r.doc_id}  ({r.sentences} sentences)")
        return
    if not paths:
        raise InputError("Give at least one source file to ingest (or --resegment).")
    done = do_ingest(proj, list(paths), coder=coder, attrs=parse_attrs(attr or ()), doc_id=doc_id,
                     replace=replace, on_document=_said_ingested)
    for c in done.replaced:
        info(f"  {c.path} replaces {c.doc_id} (ingested from {c.recorded_source}, "
             f"{c.recorded_format})")
    report_reanchored(done.reanchored)


def _said_ingested(r: "IngestResult") -> None:
    info(f"{r.status:>11}  {r.doc_id}  ({r.words} words, {r.turns} turns, "
         f"{r.sentences} sentences)")
    if r.controls:
        info(f"{r.doc_id}: {r.controls} control character(s) kept in the text (escape "
             "sequences, say); qcode shows them as ␛ and the like, never acts on them.")


docs_app = new_app("The documents: `qcode docs` lists them with their attributes, word and "
                   "turn counts.", no_args_is_help=False)
app.add_typer(docs_app, name="docs")


@docs_app.callback(invoke_without_command=True)
def docs(ctx: typer.Context, *, format: FormatOption = Format.table,  # noqa: A002
         project: ProjectOption = None) -> None:
    """List documents with their attributes, word and turn counts."""
    if ctx.invoked_subcommand is not None:
        return
    records, keys = _doc_records(project_from(project))
    columns = ["doc", "format", "kind", "language", "words", "turns", *keys]
    if is_table(format):  # attributes in one column, so the table fits a terminal
        records = [{"doc": r["doc"], "format": r["format"], "lang": r["language"],
                    "words": r["words"], "turns": r["turns"],
                    "attributes": ", ".join(f"{k}={r[k]}" for k in keys if r.get(k))}
                   for r in records]
        columns = ["doc", "format", "lang", "words", "turns", "attributes"]
    emit(records, columns, format, title="Documents")


def _doc_records(proj: "Project") -> tuple[list[dict[str, Any]], list[str]]:
    """One record per document, and the attribute keys in first-seen order (from each
    document's metadata head, through the index: no text, no turn or unit lists)."""
    from ..corpus.store import Document
    from ..index import document_listing

    records = []
    keys: list[str] = []
    for doc_id, head, turns in document_listing(proj):
        doc = Document(id=doc_id, text="", meta=head)
        attrs = {k: v for k, v in doc.attributes.items() if k != "language"}  # a column already
        keys += [k for k in attrs if k not in keys]
        records.append({"doc": doc_id, "format": doc.meta.get("format"), "kind": doc.kind,
                        "language": doc.language, "words": doc.words(), "turns": turns, **attrs})
    return records, keys


@app.command()
def turns(
    doc: Annotated[str, typer.Argument(help="Document id.")],
    *,
    format: FormatOption = Format.table,  # noqa: A002
    project: ProjectOption = None,
) -> None:
    """List a document's speaker turns (or fieldnote entries)."""
    from ..corpus import load_document

    d = load_document(project_from(project), doc)
    records = [
        {"turn": t.n, "start": t.start, "end": t.end, "speaker": t.speaker or t.heading,
         "role": t.role, "time": t.time, "words": len(d.text[t.start:t.end].split()),
         "text": clip(d.text[t.start:t.end], 60)}
        for t in d.turns
    ]
    emit(records, ["turn", "speaker", "role", "time", "start", "end", "words", "text"], format,
         title=f"{doc}: {len(records)} {'entries' if d.kind == 'fieldnote' else 'turns'}")


@app.command()
def units(
    doc: Annotated[str, typer.Argument(help="Document id.")],
    *,
    kind: UnitKindOption = None,
    pages: Annotated[bool, typer.Option(
        "--pages", help="A PDF's pages (kept from its text layer) instead of units.")] = False,
    format: FormatOption = Format.table,  # noqa: A002
    project: ProjectOption = None,
) -> None:
    """List a document's units with their numbers and offsets."""
    from ..corpus import load_document
    from ..errors import InputError

    proj = project_from(project)
    if pages and kind:
        raise InputError("--pages lists a PDF's pages, --kind its units: choose one.")
    d = load_document(proj, doc)
    name = "page" if pages else kind.value if kind else proj.settings.unit
    spans = [tuple(p) for p in d.meta.get("pages") or ()] if pages else d.units(name)
    if pages and not spans:
        raise InputError(f"{doc}: no pages to list; only a PDF source keeps its pages.")
    records = [{"unit": f"{name}:{i}", "start": a, "end": b, "text": clip(d.text[a:b], 70)}
               for i, (a, b) in enumerate(spans, start=1)]
    emit(records, ["unit", "start", "end", "text"], format, title=f"{doc}: {len(records)} {name} units")


@app.command()
def show(
    doc: Annotated[str, typer.Argument(help="Document id.")],
    *,
    kind: UnitKindOption = None,
    coder: Annotated[list[str] | None, typer.Option(
        "--coder", "-c", help="Show this coder's codings; repeat for several.")] = None,
    pager: Annotated[bool, typer.Option(help="Page long output in a terminal.")] = True,
    project: ProjectOption = None,
) -> None:
    """Render a document with its turns, speakers, attributes and unit numbers."""
    from ..corpus import load_document
    from ..views import document_view

    proj = project_from(project)
    d = load_document(proj, doc)
    renderable = document_view(proj, d, kind.value if kind else proj.settings.unit, coders=coder or ())

    console = stdout_console()
    if pager and console.is_terminal and d.words() > 400:
        with console.pager(styles=True):
            console.print(renderable)
    else:
        console.print(renderable)


attrs_app = new_app("Document attributes: set them by hand or import a CSV.")
app.add_typer(attrs_app, name="attrs")


@attrs_app.command("set")
def attrs_set(
    doc: Annotated[str, typer.Argument(help="Document id.")],
    pairs: Annotated[list[str], typer.Argument(help="key=value pairs (an empty value clears).")],
    *,
    project: ProjectOption = None,
) -> None:
    """Set attributes of one document: qcode attrs set hc01 team=north role=nurse."""
    from ..corpus import parse_attrs, set_attributes

    proj = project_from(project)
    d = set_attributes(proj, doc, parse_attrs(pairs, "attribute"))
    info(f"{doc}: " + ", ".join(f"{k}={v}" for k, v in d.attributes.items()))
    _resegment_hint(proj, [doc])


@attrs_app.command("import")
def attrs_import(
    file: Annotated[Path, typer.Argument(help="CSV with a 'doc' column and one column per attribute.")],
    *,
    project: ProjectOption = None,
) -> None:
    """Set attributes of many documents from a CSV (one row per document)."""
    from ..corpus import import_attributes

    proj = project_from(project)
    changed = import_attributes(proj, file)
    info(f"Set attributes of {len(changed)} documents from {file}.")
    _resegment_hint(proj, changed)


def _resegment_hint(proj: "Project", doc_ids: list[str]) -> None:
    """Units were split in the document's old language; say how to redo them."""
    from ..corpus import load_document

    stale = []
    for doc_id in doc_ids:
        d = load_document(proj, doc_id)
        wanted = d.attributes.get("language") or proj.settings.language
        if wanted != d.language:
            stale.append(doc_id)
    if stale:
        info(f"The language of {', '.join(stale)} changed; run `qcode ingest --resegment "
             f"{' '.join(stale)}` to split its sentences in the new language.")


@docs_app.command("withdraw")
def docs_withdraw(
    doc: Annotated[str, typer.Argument(help="Document id.")],
    *,
    reason: Annotated[str, typer.Option("--reason", help="Why it is withdrawn (recorded).")],
    actor: Annotated[str | None, typer.Option(
        "--as", help="Who records the withdrawal (default: QCODE_CODER, else 'coder:' in "
        "your config).", show_default=False)] = None,
    project: ProjectOption = None,
) -> None:
    """Withdraw a document (consent withdrawn): record it in audit/project.log, remove its
    text, and leave its codings out of every view and export."""
    from ..migrations.withdraw import withdraw_document
    from ..project import resolve_coder

    proj = project_from(project)
    done = withdraw_document(proj, doc, reason, resolve_coder(actor, flag="--as"))
    if done.recorded:
        info(f"Withdrew {doc}: recorded in audit/project.log; removed {', '.join(done.removed)}.")
    else:
        info(f"{doc} was withdrawn before; removed what was left: {', '.join(done.removed)}.")
    info("Its codings are left out of every view, analysis and export. The logs keep each "
         f"decision with its short quote; `qcode redact {doc} --reason ...` erases "
         "those quotes.")
@app.command()
def demo(
    folder: Annotated[Path | None, typer.Argument(
        help="Folder for the demo project (default: a new temporary folder).", show_default=False)] = None,
    *,
    force: Annotated[bool, typer.Option("--force", help="Allow a non-empty folder.")] = False,
) -> None:
    """Build a project from the bundled sample study and run everything end to end."""
    from ..demo import run_demo

    ctx = run_demo(folder, force=force, report=info)
    info(f"Demo project: {ctx.folder}")
    if "report" in ctx.facts:
        info(f"Report: {ctx.facts['report']}")
