"""Ingest sources into a project: validate every source first, then process them
one at a time (memory does not grow with the number of documents)."""

from __future__ import annotations

import gc
import stat
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import workers
from ..errors import InputError
from ..fileio import write_files
from ..nlp import pipeline_identity, sentence_pipeline, sentence_spans
from ..project import Project
from ..safetext import count_controls
from .readers import Parsed, read_source
from .store import (
    ATTR_KEY_RE,
    Document,
    check_attr_key,
    check_doc_id,
    doc_id_from_path,
    document_files,
    list_document_ids,
    now_iso,
    read_document,
    read_head,
    sha256,
    version_files,
    write_document,
)
from .turns import Turn, caption_turns, detect_turns
from .units import clip_to_regions, compute_units, spoken_words, structural_units


@dataclass(frozen=True, slots=True)
class IngestResult:
    """What happened to one source: new, updated, unchanged or resegmented."""

    doc_id: str
    status: str
    source: str
    words: int
    turns: int
    sentences: int
    previous_version: str | None = None  # docv of the version this one replaced
    controls: int = 0  # terminal control characters in the text (shown visibly, kept)


@dataclass(frozen=True, slots=True)
class SourceChange:
    """A source that would change a stored document, found before anything is written."""

    doc_id: str
    path: Path
    format: str
    recorded_source: str  # the source the stored document was ingested from
    recorded_format: str
    text_changes: bool  # its text differs from the stored one (codings need re-anchoring)

    @property
    def same_source(self) -> bool:
        """This source is the recorded one: the same file (resolved) in the same format."""
        return (self.format == self.recorded_format
                and Path(self.recorded_source).resolve() == self.path.resolve())


def source_changes(project: Project, paths: list[Path], doc_id: str | None = None
                   ) -> list[SourceChange]:
    """What ingesting ``paths`` would change in documents already stored: one entry per
    source whose bytes differ from those its document was ingested from. Reads only;
    the ids are planned as :func:`ingest` plans them."""
    planned = plan_ids(list(paths), doc_id)
    existing = set(list_document_ids(project.documents_dir))
    found = []
    for path, did in planned:
        if did not in existing:
            continue
        head = read_head(project.documents_dir, did)
        raw = _read_bytes(path)
        if head.get("sha256_source") == sha256(raw):
            continue
        parsed = read_source(path, raw)
        found.append(SourceChange(
            did, path, parsed.format, str(head.get("source") or ""), str(head.get("format") or ""),
            text_changes=head.get("sha256_text") != sha256(parsed.text)))
    return found


def parse_attrs(pairs: Iterable[str], source: str = "--attr") -> dict[str, str]:
    """``["team=north", "role=nurse"]`` -> dict; a bad pair is an InputError."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not ATTR_KEY_RE.match(key):
            raise InputError(
                f"{source} {pair!r}: write key=value, with a key of letters, digits, '_' or '-'."
            )
        out[check_attr_key(key, f"{source} {pair!r}")] = value.strip()
    return out


def _read_bytes(path: Path) -> bytes:
    try:
        mode = path.stat().st_mode
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            raise InputError(f"{path}: not a regular file (a pipe, socket or device); "
                             "give a saved file.")
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; check the path.") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder; give the files in it (e.g. {path}/*.txt).") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied; make the file readable.") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror}).") from None


def plan_ids(paths: list[Path], explicit_id: str | None) -> list[tuple[Path, str]]:
    if explicit_id is not None and len(paths) != 1:
        raise InputError("--id names one document; give exactly one PATH with it.")
    planned = [(p, check_doc_id(explicit_id if explicit_id is not None else doc_id_from_path(p)))
               for p in paths]
    seen: dict[str, Path] = {}
    for path, doc_id in planned:
        if doc_id in seen:
            raise InputError(
                f"{path} and {seen[doc_id]} would both get the id {doc_id!r}; "
                "ingest one of them separately with --id NAME."
            )
        seen[doc_id] = path
    return planned


@dataclass
class _Pending:
    """A document read and segmented except for sentences, which are batched."""

    doc_id: str
    path: Path
    text: str
    meta: dict[str, Any]
    regions: list[tuple[int, int]]
    previous: Document | None


def build_meta(
    project: Project, parsed: Parsed, source: Path, raw: bytes, attrs: dict[str, str],
    previous: Document | None,
) -> tuple[dict[str, Any], list[tuple[int, int]]]:
    """The metadata of a newly read version (all but its sentence units), and the
    regions of text to split into sentences."""
    text = parsed.text
    if parsed.turns is not None:
        kind, turns = "transcript", caption_turns(parsed.turns)
    else:
        kind, turns = detect_turns(text, project.settings.speakers)
    attributes = dict(previous.attributes) if previous else {}
    attributes.update(attrs)
    language = attributes.get("language") or project.settings.language
    units, regions = structural_units(text, turns)
    roles = dict((previous.meta.get("roles") or {}) if previous else {})
    declared = {k.casefold(): v for k, v in project.settings.speakers.items()}
    for t in turns:
        if t.speaker and (t.speaker not in roles or t.speaker.casefold() in declared):
            roles[t.speaker] = t.role

    meta = {
        "id": None,  # filled by the caller
        "source": str(source),
        "format": parsed.format,
        "encoding": parsed.encoding,
        "kind": kind,
        "language": language,
        "sha256_source": sha256(raw),
        "sha256_text": sha256(text),
        "ingested": now_iso(),
        "pipeline": pipeline_identity(language, project.settings.pipeline),
        "words": spoken_words(text, turns),
        "attributes": attributes,
        "roles": roles,
        "turns": [_turn_record(t) for t in turns],
        "timestamps": [[c.start, c.end, c.begin_time, c.end_time] for c in parsed.cues],
        "units": {"sentence": [], **{k: [list(s) for s in v] for k, v in units.items()}},
        "history": list(previous.meta.get("history") or []) if previous else [],
    }
    if parsed.pages:  # PDF: where each page's text is
        meta["pages"] = [list(span) for span in parsed.pages]
    return meta, regions


def _turn_record(t: Turn) -> dict[str, Any]:
    rec: dict[str, Any] = {"n": t.n, "start": t.start, "end": t.end, "line": t.line_start}
    if t.speaker is not None:
        rec["speaker"] = t.speaker
    if t.time is not None:
        rec["time"] = t.time
    if t.heading is not None:
        rec["heading"] = t.heading
    return rec


def ingest(
    project: Project,
    paths: list[Path],
    *,
    attrs: dict[str, str] | None = None,
    doc_id: str | None = None,
    on_document: Callable[[IngestResult], None] | None = None,
) -> list[IngestResult]:
    """Read sources and store them as documents; all are read and checked before
    anything is written. This is the corpus layer's part of ingest: it never writes
    the logs, so the codings of a document whose text changed are left on the old
    version. The public :func:`qcode.ingest` (:mod:`qcode.intake`) re-anchors them.

    Documents stream through in small groups. A group is one job: read, segment,
    split into sentences (one ``nlp.pipe`` call across its documents), write,
    and drop, so memory does not grow with the corpus. Jobs run here or, for
    large inputs, also in a forked worker (see :mod:`qcode.workers`); results
    are reported in the order of the sources.
    """
    attrs = attrs or {}
    planned = plan_ids(list(paths), doc_id)
    sizes = [_source_size(path) for path, _ in planned]
    use_worker = workers.available(sum(sizes))
    if use_worker:  # loaded before the fork, so the worker inherits it
        sentence_pipeline(project.settings.language, project.settings.pipeline)
    limit = _GROUP_BYTES_SHARED if use_worker else _GROUP_BYTES
    run = _Run(project, planned, attrs, frozenset(list_document_ids(project.documents_dir)))
    token = id(run)
    _RUNS[token] = run  # before the fork: a job sent to the worker names it by token
    try:
        with _gc_paused(), workers.forked(use_worker) as worker:
            shared = workers.Shared(worker)
            groups = list(_groups(sizes, limit))
            for start, end in groups:  # validation: every source must read
                shared.submit(_check_sources, token, start, end)
            for problem in shared.ready(wait=True):
                if problem is not None:
                    raise problem
            return _ingest_groups(shared, token, groups, on_document)
    finally:
        del _RUNS[token]


@dataclass(frozen=True, slots=True)
class _Run:
    """What the jobs of one ingest share (a forked worker inherits it)."""

    project: Project
    planned: list[tuple[Path, str]]
    attrs: dict[str, str]
    existing: frozenset[str]


_RUNS: dict[int, _Run] = {}  # ingests in progress, by token


def _source_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        _read_bytes(path)  # raises the InputError that says what is wrong
        raise  # pragma: no cover - stat failed but the file reads


def _check_sources(token: int, start: int, end: int) -> InputError | None:
    """The first of a group of sources that does not read, as an error to raise, or None."""
    for path, _ in _RUNS[token].planned[start:end]:
        try:
            read_source(path, _read_bytes(path))
        except InputError as exc:
            return exc
    return None


_GROUP_BYTES = 500_000  # source bytes per job (one nlp.pipe call)
_GROUP_BYTES_SHARED = 150_000  # smaller when shared with a worker, so both stay busy
_GROUP_SOURCES = 256  # and at most this many sources (a job's results stay small)


def _groups(sizes: list[int], limit: int) -> Iterator[tuple[int, int]]:
    """(start, end) of runs of consecutive sources of about ``limit`` bytes."""
    start = size = 0
    for i, n in enumerate(sizes):
        size += n
        if size >= limit or i + 1 - start >= _GROUP_SOURCES:
            yield start, i + 1
            start, size = i + 1, 0
    if start < len(sizes):
        yield start, len(sizes)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Ingest allocates millions of small offsets and no reference cycles; the cyclic
    collector's passes over them cost more than the sentence splitter, so it rests."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# What preparing one source gives: the files to write (in order) and the result.
_Prepared = tuple[list[tuple[Path, bytes]], IngestResult]


def _ingest_groups(
    shared: Any, token: int, groups: list[tuple[int, int]],
    on_document: Callable[[IngestResult], None] | None,
) -> list[IngestResult]:
    results: list[IngestResult] = []

    def report(done: list[IngestResult]) -> None:
        for result in done:
            results.append(result)
            if on_document:
                on_document(result)

    for start, end in groups:
        shared.submit(_ingest_group, token, start, end)
        for done in shared.ready():
            report(done)
    for done in shared.ready(wait=True):
        report(done)
    return results


def _ingest_group(token: int, start: int, end: int) -> list[IngestResult]:
    """One job: read, segment, split into sentences (one ``nlp.pipe`` call for the
    group), serialise and write a group of sources, in order."""
    run = _RUNS[token]
    project, attrs = run.project, run.attrs
    with _gc_paused():
        items = [_prepare(project, path, doc_id, attrs, doc_id in run.existing)
                 for path, doc_id in run.planned[start:end]]
        pending = [item for item in items if isinstance(item, _Pending)]
        for lang in dict.fromkeys(p.meta["language"] for p in pending):
            batch = [p for p in pending if p.meta["language"] == lang]
            found = sentence_spans([p.text for p in batch], lang, project.settings.pipeline)
            for waiting, spans in zip(batch, found, strict=True):
                waiting.meta["units"]["sentence"] = clip_to_regions(spans, waiting.regions,
                                                                    waiting.text)
        files: list[tuple[Path, bytes]] = []
        out = []
        for item in items:
            more, result = _new_files(project, item) if isinstance(item, _Pending) else item
            files += more
            out.append(result)
        write_files(files)
        return out


def _prepare(
    project: Project, path: Path, doc_id: str, attrs: dict[str, str], exists: bool
) -> _Pending | _Prepared:
    raw = _read_bytes(path)
    previous = None
    if exists:
        previous = read_document(project.documents_dir, doc_id)
    if previous is not None and previous.meta.get("sha256_source") == sha256(raw) and not (
        attrs and any(previous.attributes.get(k) != v for k, v in attrs.items())
    ):
        return [], _result(previous, "unchanged", path)
    parsed = read_source(path, raw)
    if previous is not None and previous.meta["sha256_text"] == sha256(parsed.text):
        meta = dict(previous.meta)
        meta["attributes"] = {**previous.attributes, **attrs}
        meta["sha256_source"], meta["source"] = sha256(raw), str(path)
        files = document_files(project.documents_dir, doc_id, previous.text, meta)
        return files, _result(Document(doc_id, previous.text, meta), "updated", path)
    meta, regions = build_meta(project, parsed, path, raw, attrs, previous)
    meta["id"] = doc_id
    return _Pending(doc_id, path, parsed.text, meta, regions, previous)


def _new_files(project: Project, pending: _Pending) -> tuple[list[tuple[Path, bytes]], IngestResult]:
    """The files of a new document or version (the old version's archive first), and
    what ingesting it did; nothing is written here."""
    meta, previous, prior = pending.meta, pending.previous, None
    files: list[tuple[Path, bytes]] = []
    if previous is not None:
        kept, files = version_files(project.documents_dir, previous)
        meta["history"].append({
            "sha256_text": previous.meta["sha256_text"],
            "sha256_source": previous.meta.get("sha256_source"),
            "source": previous.meta.get("source"),
            "ingested": previous.meta.get("ingested"),
            "text": kept,
        })
        prior = previous.version
    files += document_files(project.documents_dir, pending.doc_id, pending.text, meta)
    status = "updated" if previous is not None else "new"
    return files, _result(Document(pending.doc_id, pending.text, meta), status, pending.path, prior)


def _result(doc: Document, status: str, path: Path, prior: str | None = None) -> IngestResult:
    return IngestResult(
        doc_id=doc.id, status=status, source=str(path), words=doc.words(),
        turns=len(doc.meta.get("turns") or ()), sentences=len(doc.units("sentence")),
        previous_version=prior, controls=count_controls(doc.text),
    )


def resegment(project: Project, doc_ids: list[str] | None = None) -> list[IngestResult]:
    """Recompute turns and units of stored documents (after a language change)."""
    ids = doc_ids or list_document_ids(project.documents_dir)
    docs = [read_document(project.documents_dir, d) for d in ids]  # all must exist first
    results = []
    for doc in docs:
        if doc.meta.get("format") in ("vtt", "srt"):
            kind, turns = doc.kind, doc.turns
        else:
            kind, turns = detect_turns(doc.text, project.settings.speakers)
        language = doc.attributes.get("language") or project.settings.language
        meta = dict(doc.meta)
        roles = dict(doc.meta.get("roles") or {})
        declared = {k.casefold() for k in project.settings.speakers}
        roles.update({t.speaker: t.role for t in turns if t.speaker and (
            t.speaker not in roles or t.speaker.casefold() in declared)})
        meta.update(
            kind=kind, language=language, roles=roles,
            turns=[_turn_record(t) for t in turns],
            words=spoken_words(doc.text, turns),
            units={k: [list(s) for s in v] for k, v in
                   compute_units(doc.text, turns, language, project.settings.pipeline).items()},
        )

        meta["pipeline"] = pipeline_identity(language, project.settings.pipeline)
        write_document(project.documents_dir, doc.id, doc.text, meta)
        results.append(_result(Document(doc.id, doc.text, meta), "resegmented", Path(str(meta["source"]))))
    return results
