"""An import, planned in full before anything is written, then written in one order.

Every importer (REFI-QDA, Taguette, a codings spreadsheet, a qc project) builds
an :class:`ImportPlan`: the documents to create, the codes to add, and for each
*imported coder* the lines of her log. :func:`describe` says what it would do
(``--dry-run`` stops there); :func:`write_plan` writes the documents, the
codebook, each imported coder's log (once: a log that exists is refused while
planning) and last the import's own line in ``project.log`` under the
importer's name.

DESIGN's rule is that only a coder writes her own log. An imported coder never
ran qcode, so her log is written once, by the import, every line with
``source: import:<kind>``, the original tool and user named in ``data``, and
the person who imported it in ``data.by`` and in project.log.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..audit.line import fingerprint, shorten
from ..audit.log import PROJECT_LOG, append
from ..audit.ops import append_events
from ..audit.signing import signing_for
from ..codebook import Code, dump_codebook, load_codebook, parse_codebook
from ..corpus import set_attributes
from ..corpus.ingest import build_meta
from ..corpus.readers import Parsed
from ..corpus.store import document_files, sha256
from ..corpus.units import clip_to_regions
from ..errors import InputError
from ..fileio import atomic_write, write_files
from ..nlp import sentence_spans
from ..project import RESERVED_LOG_NAMES, Project
from ..safetext import csv_safe

if TYPE_CHECKING:
    from ..codebook import Codebook

CODE_ID_RE = re.compile(r"[^a-z0-9]+")
MAX_INPUT = 1 << 30  # a file larger than this is refused before it is read


@dataclass
class NewDoc:
    doc_id: str
    text: str  # normalised
    source: str  # where it came from, for its metadata
    fmt: str
    attrs: dict[str, str] = field(default_factory=dict)
    raw_text: str | None = None  # the file's text, kept when an orphan refers to it
    raw_version: str | None = None


@dataclass
class NewCode:
    id: str
    label: str
    parent: str | None = None
    definition: str = ""
    colour: str | None = None
    retired: bool = False


@dataclass
class ImportPlan:
    kind: str  # refi, taguette, csv, qc
    source: str
    sha256: str
    origin: str
    importer: str
    docs: list[NewDoc] = field(default_factory=list)
    codes: list[NewCode] = field(default_factory=list)
    coders: dict[str, str] = field(default_factory=dict)  # qcode name -> the tool's user name
    events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    attrs: dict[str, dict[str, str]] = field(default_factory=dict)  # existing doc -> attributes
    rejects: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the person should know
    kept_as_text: list[str] = field(default_factory=list)  # recorded whole in project.log
    kept_summary: list[str] = field(default_factory=list)  # ... and listed, counted
    reading: str | None = None

    def counts(self) -> dict[str, Any]:
        per = {}
        for coder, events in sorted(self.events.items()):
            codings = [e for e in events if e["action"] == "apply"]
            per[coder] = {"codings": len(codings), "memos": sum(e["action"] == "memo" for e in events),
                          "orphans": sum(e["action"] == "reanchor" for e in events),
                          "codes": len({e["code"] for e in codings})}
        return per


# ---------------------------------------------------------------- names


def ascii_slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return CODE_ID_RE.sub("-", folded.casefold()).strip("-")


def coder_name(user: str, taken: set[str], prefix: str = "") -> str:
    """A valid coder name for another tool's user (``Friedrich Markgraf`` ->
    ``friedrich-markgraf``), unique among ``taken``."""
    base = (prefix + ascii_slug(user))[:60].strip("-._") or "imported"
    if not base[0].isalnum():
        base = "u" + base
    if base in RESERVED_LOG_NAMES:
        base += "-user"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    taken.add(name)
    return name


def code_id(label: str, taken: set[str]) -> str:
    base = ascii_slug(label)[:60] or "code"
    if not base[0].isalnum():
        base = "c" + base
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    taken.add(name)
    return name


def doc_version(text: str) -> str:

    return sha256(text)[:12]


def apply_fields(coder: str, doc_id: str, text: str, start: int, end: int, code: str,
                 codebook: int | str | None, kind: str, data: dict[str, Any],
                 memo: str | None = None, docv: str | None = None) -> dict[str, Any]:
    piece = text[start:end]
    return {"actor": coder, "action": "apply", "doc": doc_id, "docv": docv or doc_version(text),
            "span": f"{start}:{end}", "code": code, "codebook": codebook,
            "quote": shorten(piece), "fp": fingerprint(piece), "source": f"import:{kind}",
            "memo": memo or None, "data": data}


def check_writable(project: Project, plan: ImportPlan) -> None:
    """Refuse, while planning (so a dry run answers as the import would) and again
    before writing: an imported coder's log that exists already (it is written
    once), or an import line the importer may not write (unsigned where the
    project requires signatures)."""
    for coder in plan.events:
        if project.log_path(coder).exists():
            raise InputError(
                f"audit/{coder}.log exists already; an import writes an imported coder's log "
                f"only once. Import with --prefix NAME- to give the imported coders other names.")
    signing_for(project.audit_dir, project.id).signer_for(PROJECT_LOG, {plan.importer})


# ---------------------------------------------------------------- describing


def describe(plan: ImportPlan) -> list[str]:
    """What the plan creates, per coder and code, for the person (and --dry-run)."""
    lines = [f"{plan.source}: {plan.origin or plan.kind}"]
    if plan.reading:
        lines.append(f"offsets read as {plan.reading}")
    lines += plan.notes
    lines.append(f"documents: {len(plan.docs)} new" + (
        f" ({', '.join(d.doc_id for d in plan.docs[:8])}{', ...' if len(plan.docs) > 8 else ''})"
        if plan.docs else ""))
    lines.append(f"codes: {len(plan.codes)} new" + (
        f" ({', '.join(c.id for c in plan.codes[:12])}{', ...' if len(plan.codes) > 12 else ''})"
        if plan.codes else ""))
    for coder, n in plan.counts().items():
        who = plan.coders.get(coder)
        named = f" (was {who!r})" if who and who != coder else ""
        per_code = _per_code(plan.events[coder])
        lines.append(f"coder {coder}{named}: {n['codings']} codings of {n['codes']} codes, "
                     f"{n['memos']} memos, {n['orphans']} kept as orphans"
                     + (f"; {per_code}" if per_code else ""))
    if plan.attrs:
        lines.append(f"attributes: set on {len(plan.attrs)} documents")
    if plan.kept_summary:
        lines.append("kept as text in project.log (REFI-QDA has no field for it): "
                     + ", ".join(plan.kept_summary))
    if plan.rejects:
        lines.append(f"not placed: {len(plan.rejects)} (listed in the rejects file)")
    return lines


def _per_code(events: list[dict[str, Any]]) -> str:
    counts: dict[str, int] = {}
    for e in events:
        if e["action"] == "apply":
            counts[e["code"]] = counts.get(e["code"], 0) + 1
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    text = ", ".join(f"{k} {v}" for k, v in top[:6])
    return text + (f", {len(top) - 6} more codes" if len(top) > 6 else "")


# ---------------------------------------------------------------- writing


@dataclass(frozen=True, slots=True)
class Written:
    lines: tuple[str, ...]
    rejects_file: Path | None
    project_seq: int


def write_plan(project: Project, plan: ImportPlan) -> Written:
    """Write what the plan holds (see the module text for the order)."""

    check_writable(project, plan)  # before anything is written
    codebook = load_codebook(project.codebook_path)
    _write_documents(project, plan.docs)
    for doc_id, attrs in sorted(plan.attrs.items()):

        set_attributes(project, doc_id, attrs)
    if plan.codes:
        _write_codes(project, codebook, plan.codes)
    heads = {}
    for coder, events in sorted(plan.events.items()):
        # The imported coder has no key: her log is attested by the heads in the
        # importer's own (signed, where she has a key) project.log line below.
        written, _ = append(project.log_path(coder), project.id, events, signing=None)
        heads[coder] = {"seq": written[-1].seq, "hash": written[-1].hash}
    rejects = _write_rejects(project, plan) if plan.rejects else None
    record = {"actor": plan.importer, "action": "import", "source": f"import:{plan.kind}",
              "codebook": codebook.version,
              "memo": f"imported {Path(plan.source).name}" + (f" ({plan.origin})" if plan.origin else ""),
              "data": {"file": Path(plan.source).name, "sha256": plan.sha256, "origin": plan.origin,
                       "coders": dict(sorted(plan.coders.items())),
                       "documents": [d.doc_id for d in plan.docs],
                       "codes": [c.id for c in plan.codes], "counts": plan.counts(),
                       "logs": heads,
                       "reading": plan.reading, "rejects": len(plan.rejects),
                       "kept_as_text": plan.kept_as_text}}
    recorded = append_events(project, "project", [record])
    return Written(tuple(describe(plan)), rejects, recorded.events[-1].seq)


def _write_documents(project: Project, docs: list[NewDoc]) -> None:

    files: list[tuple[Path, bytes]] = []
    pending = []
    for doc in docs:
        raw = doc.text.encode("utf-8")
        meta, regions = build_meta(project, Parsed(doc.text, doc.fmt, "utf-8"), Path(doc.source),
                                   raw, doc.attrs, None)
        meta["id"] = doc.doc_id
        pending.append((doc, meta, regions))
    for lang in dict.fromkeys(m["language"] for _, m, _ in pending):
        batch = [(d, m, r) for d, m, r in pending if m["language"] == lang]
        spans = sentence_spans([d.text for d, _, _ in batch], lang, project.settings.pipeline)
        for (doc, meta, regions), found in zip(batch, spans, strict=True):
            meta["units"]["sentence"] = clip_to_regions(found, regions, doc.text)
    for doc, meta, _ in pending:
        files += document_files(project.documents_dir, doc.doc_id, doc.text, meta)
        if doc.raw_text is not None and doc.raw_version and doc.raw_version != meta["sha256_text"][:12]:
            folder = project.documents_dir / ".versions" / doc.doc_id
            files.append((folder / f"{doc.raw_version}.txt", doc.raw_text.encode("utf-8")))
    write_files(files)


def _write_codes(project: Project, codebook: Codebook, codes: list[NewCode]) -> None:
    from dataclasses import replace


    added = tuple(Code(c.id, c.label, definition=c.definition, colour=c.colour, parent=c.parent,
                       retired=c.retired) for c in codes)
    merged = replace(codebook, codes=codebook.codes + added)
    text = dump_codebook(merged)
    checked, problems = parse_codebook(text, str(project.codebook_path))
    errors = [p for p in problems if p.severity == "error"]
    if checked is None or errors:
        raise InputError(f"{project.codebook_path}: the imported codes would not check "
                         f"({errors[0] if errors else 'unreadable'}); nothing was written to it.")
    atomic_write(project.codebook_path, text)


def _write_rejects(project: Project, plan: ImportPlan) -> Path:
    import csv
    import io


    columns = sorted({k for row in plan.rejects for k in row}, key=_reject_order)
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, lineterminator="\n")
    writer.writeheader()
    for row in plan.rejects:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    stem = re.sub(r"[^\w.-]+", "-", Path(plan.source).stem) or "import"
    path = project.root / "imports" / f"{stem}-rejects.csv"
    atomic_write(path, out.getvalue())
    return path


_FIRST = ("row", "selection", "doc", "code", "coder", "start", "end", "why", "quote")


def _reject_order(key: str) -> tuple[int, str]:
    return (_FIRST.index(key) if key in _FIRST else len(_FIRST), key)


def _cell(value: Any) -> str:
    return csv_safe("" if value is None else str(value))


def read_input(path: Path) -> bytes:
    try:
        if path.is_dir():
            raise InputError(f"{path}: is a folder; give a .qdpx, .qdc, .csv or .xlsx file "
                             "(`qcode import FOLDER` reads a qc project folder).")
        size = path.stat().st_size
        if size > MAX_INPUT:
            raise InputError(f"{path}: {size >> 20} MiB, over the {MAX_INPUT >> 20} MiB qcode imports.")
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; check the path.") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied; make the file readable.") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror}).") from None
