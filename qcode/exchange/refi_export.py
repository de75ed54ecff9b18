"""A project as one ``project.qde`` and its ``sources/``: see :mod:`.refi_write`.

Every live coding that stands on its document's current text becomes a
``PlainTextSelection`` with one ``Coding`` (its creating user is the coder, its
time the one the audit log recorded, or the original tool's for an imported
coding); memos become ``Notes`` referred to from what they are about; document
attributes become ``Variables`` with one ``Case`` per document. What REFI-QDA
has no field for (suggestion provenance, removals, undos, migrations) travels
as the text of one note, "qcode history".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..audit.line import shorten
from ..audit.log import log_names, read_log
from ..codebook import load_codebook
from ..codings import replay
from ..corpus import list_documents, load_document
from ..errors import InputError
from ..fileio import atomic_write
from ..project import Project
from .guids import code_guid, make
from .refi_write import (
    PROFILES,
    PROJECT_NS,
    Layout,
    codes_element,
    layout,
    origin,
    serialise,
    xml_text,
    zip_bytes,
)

if TYPE_CHECKING:
    from ..codebook import Codebook
    from ..corpus import Document

HISTORY_NOTE = "qcode history"
CODE_IDS = "code ids (each code's GUID is derived from its id):"


@dataclass(frozen=True, slots=True)
class Exported:
    path: Path
    documents: int
    codes: int
    codings: int
    memos: int
    coders: int
    left_out: int  # orphaned codings not on their document's text
    profile: str
    unplaced_codes: int = 0  # codings whose code is not in the codebook in force (awaiting review)


class _Ids:
    def __init__(self, project_id: str) -> None:
        self.project_id = project_id

    def __call__(self, kind: str, key: str) -> str:
        return make(self.project_id, kind, key)


def _events_by_id(project: Project) -> dict[str, Any]:

    out: dict[str, Any] = {}
    for name in log_names(project.audit_dir):
        if name == "project":
            continue
        for event in read_log(project.log_path(name)).events:
            out[f"{name}:{event.seq}"] = event
    return out


def _created(event: Any, fallback: str) -> str:
    data = getattr(event, "data", None) or {}
    value = data.get("created") if isinstance(data, dict) else None
    return str(value) if value else fallback


def _history(project: Project, codings: list[Any], events: dict[str, Any]) -> str:
    """What REFI-QDA cannot carry, as lines of text."""
    lines = []
    for c in codings:
        if c.source not in ("manual", "") and not c.source.startswith("import:"):
            score = f" score {c.score}" if c.score is not None else ""
            lines.append(f"{c.id} {c.code} on {c.doc} {c.span}: from {c.source}{score}")
    counts: dict[str, int] = {}
    for event in events.values():
        if event.action in ("remove", "void", "reject", "migrate", "route", "reanchor"):
            counts[event.action] = counts.get(event.action, 0) + 1

    for event in read_log(project.log_path("project")).events:
        if event.action in ("migrate", "docversion", "reanchor", "import"):
            counts[f"project {event.action}"] = counts.get(f"project {event.action}", 0) + 1
    if counts:
        lines.append("not carried as codings: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
                     + " (see the project's audit logs)")
    return "\n".join(lines)


_KEPT_KINDS = {"remove": "removal", "void": "undo", "reject": "rejected suggestion",
               "migrate": "migration step", "route": "routing", "reanchor": "re-anchoring",
               "docversion": "new document version", "import": "import"}


def history_summary(text: str) -> list[str]:
    """What a "qcode history" note holds, counted, for the import to list as kept as text."""
    suggested = pending = 0
    counts: dict[str, int] = {}
    for line in text.splitlines():
        if line == CODE_IDS:
            break
        if line.startswith("not carried as codings: "):
            for item in line.removeprefix("not carried as codings: ").split(" (see")[0].split(", "):
                number, _, kind = item.partition(" ")
                kind = kind.removeprefix("project ")
                if number.isdigit():
                    counts[kind] = counts.get(kind, 0) + int(number)
        elif ": its code is not in the codebook in force" in line:
            pending += 1
        elif ": from " in line:
            suggested += 1
    out = [f"{suggested} coding{'s' * (suggested != 1)} from suggestions (suggester, version "
           "and score)"] if suggested else []
    if pending:
        out.append(f"{pending} coding{'s' * (pending != 1)} awaiting review after a codebook "
                   "change (their code is not in the codebook in force)")
    for kind in sorted(counts, key=lambda k: list(_KEPT_KINDS).index(k) if k in _KEPT_KINDS else 99):
        name = _KEPT_KINDS.get(kind, kind)
        out.append(f"{counts[kind]} {name}{'s' * (counts[kind] != 1)}")
    return out


def _exportable(state: Any, docs: dict[str, Any], codebook: Codebook) -> tuple[list[Any], list[Any], int]:
    """(codings to export, codings whose code is not in force, how many are orphans):
    only codings on their document's current text are exported."""
    on_text = [c for c in state.codings if "orphan" not in c.flags and c.doc in docs
               and (c.docv is None or c.docv == docs[c.doc].version)
               and c.end <= len(docs[c.doc].text)]
    in_force = set(codebook.ids)
    return ([c for c in on_text if c.code in in_force], [c for c in on_text if c.code not in in_force],
            len(state.codings) - len(on_text))


def _history_text(project: Project, live: list[Any], pending: list[Any], events: dict[str, Any],
                  codebook: Codebook) -> str:
    history = _history(project, live, events)
    if pending:
        history += ("\n" if history else "") + "".join(
            f"\n{c.id} {c.code} on {c.doc} {c.span}: its code is not in the codebook in force "
            f"({', '.join(c.flags) or 'no flag'})" for c in pending).lstrip("\n")
    ids_text = "\n".join(f"{c.id}\t{c.label}" for c in codebook.codes)
    return "\n\n".join(x for x in (history, f"{CODE_IDS}\n{ids_text}" if ids_text else "") if x)


def _sources(maker: Any, docs: dict[str, Any], profile: str, live: list[Any], user: dict[str, str],
             ids: _Ids, events: dict[str, Any], refs: dict[tuple[str, str], list[str]]
             ) -> tuple[list[Any], list[tuple[str, bytes]]]:
    sources, files = [], []
    for doc_id, doc in docs.items():
        lay = layout(doc.text, profile)
        guid = ids("source", doc_id)
        files.append((f"sources/{guid}.txt", lay.data))
        mine = [c for c in live if c.doc == doc_id]
        sources.append(_source(maker, doc, guid, lay, mine, user, ids, events, refs))
    return sources, files


def project_bytes(project: Project, profile: str) -> tuple[bytes, list[tuple[str, bytes]], Exported]:
    """``project.qde`` and the source files of ``project`` under ``profile``, children
    in schema order and no container left empty."""
    from lxml.builder import ElementMaker  # heavy: imported when needed

    if profile not in PROFILES:
        raise InputError(f"--profile {profile!r}: choose one of {', '.join(PROFILES)}.")
    ids = _Ids(project.id)
    maker = ElementMaker(namespace=PROJECT_NS, nsmap={None: PROJECT_NS})
    codebook = load_codebook(project.codebook_path)
    docs = {d: load_document(project, d) for d in list_documents(project)}
    state = replay(project)
    events = _events_by_id(project)
    live, pending, left_out = _exportable(state, docs, codebook)
    coders = sorted({c.coder for c in live} | {m.coder for m in state.memos})
    user = {name: ids("user", name) for name in coders}
    notes, refs = _notes(maker, state.memos, user, ids, docs, codebook)
    history = _history_text(project, live, pending, events, codebook)
    if history:
        note_id = ids("note", HISTORY_NOTE)
        notes.append(maker.Note(maker.PlainTextContent(xml_text(history)), guid=note_id,
                                name=HISTORY_NOTE))
        refs.setdefault(("project", ""), []).append(note_id)
    children = []
    if coders:
        children.append(maker.Users(*[maker.User(guid=user[n], name=n) for n in coders]))
    if codebook.codes:
        code_refs = {k[1]: v for k, v in refs.items() if k[0] == "code"}
        children.append(maker.CodeBook(codes_element(maker, codebook, code_refs)))
    children += _variables(maker, docs, ids)
    sources, files = _sources(maker, docs, profile, live, user, ids, events, refs)
    if sources:
        children.append(maker.Sources(*sources))
    if notes:
        children.append(maker.Notes(*notes))
    children += [maker.NoteRef(targetGUID=ref) for ref in refs.get(("project", ""), [])]
    root = maker.Project(*children, name=xml_text(project.settings.name or "qcode project"),
                         origin=origin(profile))
    summary = Exported(Path(), len(docs), len(codebook.codes), len(live), len(state.memos),
                       len(coders), left_out, profile, len(pending))
    return serialise(root), files, summary


def _memo_key(m: Any) -> tuple[str, str]:
    if m.coding:
        return "coding", m.coding
    if m.doc and m.span:
        return "unit", f"{m.doc}|{m.span}"
    if m.doc:
        return "doc", m.doc
    if m.code:
        return "code", m.code
    return "project", ""


def _notes(maker: Any, memos: Any, user: dict[str, str], ids: _Ids, docs: dict[str, Any],
           codebook: Codebook) -> tuple[list[Any], dict[tuple[str, str], list[str]]]:
    notes: list[Any] = []
    refs: dict[tuple[str, str], list[str]] = {}
    for m in memos:
        key = _memo_key(m)
        if key[0] in ("doc", "unit") and m.doc not in docs:
            continue
        if key[0] == "code" and m.code not in codebook.ids:
            continue
        guid = ids("note", m.id)
        name = shorten(" ".join(m.text.split()), 60)
        notes.append(maker.Note(maker.PlainTextContent(xml_text(m.text)), guid=guid,
                                name=xml_text(name), creatingUser=user[m.coder],
                                creationDateTime=m.time))
        refs.setdefault(key, []).append(guid)
    return notes, refs


def _variables(maker: Any, docs: dict[str, Any], ids: _Ids) -> list[Any]:
    keys = sorted({k for d in docs.values() for k in d.attributes})
    if not keys:
        return []
    variables = maker.Variables(*[maker.Variable(guid=ids("variable", k), name=k,
                                                 typeOfVariable="Text") for k in keys])
    cases = []
    for doc_id, doc in docs.items():
        values = [maker.VariableValue(maker.VariableRef(targetGUID=ids("variable", k)),
                                      maker.TextValue(xml_text(v)))
                  for k, v in sorted(doc.attributes.items())]
        if values:
            cases.append(maker.Case(*values, maker.SourceRef(targetGUID=ids("source", doc_id)),
                                    guid=ids("case", doc_id), name=doc_id))
    return [variables, maker.Cases(*cases)] if cases else [variables]


def _quote(text: str) -> str:
    return xml_text(shorten(" ".join(text.split()), 100))


def _source(maker: Any, doc: Document, guid: str, lay: Layout, codings: list[Any], user: dict[str, str],
            ids: _Ids, events: dict[str, Any], refs: dict[tuple[str, str], list[str]]) -> Any:
    node = maker.TextSource(guid=guid, name=doc.id, plainTextPath=f"internal://{guid}.txt")
    selections = []
    for c in codings:
        event = events.get(c.id)
        when = _created(event, c.time)
        coding = maker.Coding(maker.CodeRef(targetGUID=code_guid(c.code).upper()),
                              guid=ids("coding", c.id), creatingUser=user[c.coder],
                              creationDateTime=when)
        for ref in refs.get(("coding", c.id), []):
            coding.append(maker.NoteRef(targetGUID=ref))
        selections.append(((c.start, c.end, c.code, c.coder, c.id), maker.PlainTextSelection(
            coding, guid=ids("selection", c.id), name=_quote(doc.text[c.start:c.end]),
            startPosition=str(lay.offset(c.start)), endPosition=str(lay.offset(c.end)),
            creatingUser=user[c.coder], creationDateTime=when)))
    for (kind, key), note_ids in refs.items():
        doc_id, _, span = key.partition("|")
        if kind != "unit" or doc_id != doc.id:
            continue
        start, end = (int(x) for x in span.split(":"))
        if end > len(doc.text):
            continue
        sel = maker.PlainTextSelection(guid=ids("unit", key), name=_quote(doc.text[start:end]),
                                       startPosition=str(lay.offset(start)),
                                       endPosition=str(lay.offset(end)))
        for ref in note_ids:
            sel.append(maker.NoteRef(targetGUID=ref))
        selections.append(((start, end, "", "", key), sel))
    for _, sel in sorted(selections, key=lambda s: s[0]):
        node.append(sel)
    for ref in refs.get(("doc", doc.id), []):
        node.append(maker.NoteRef(targetGUID=ref))
    return node


def export_project(project: Project, path: Path, profile: str = "spec") -> Exported:
    """Write ``path`` (.qdpx) atomically."""
    from dataclasses import replace


    qde, files, summary = project_bytes(project, profile)
    atomic_write(path, zip_bytes([("project.qde", qde), *files]))
    return replace(summary, path=path)
