"""Ingest sources into a project: validate every source first, then process them
one at a time (memory does not grow with the number of documents)."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..project import Project
from .readers import Parsed, read_source
from .store import (
    ATTR_KEY_RE,
    Document,
    archive_version,
    check_doc_id,
    doc_id_from_path,
    list_document_ids,
    now_iso,
    read_document,
    sha256,
    write_document,
)
from .turns import caption_turns, detect_turns
from .units import clip_to_regions, compute_units, structural_units


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
        out[key] = value.strip()
    return out


def _read_bytes(path: Path) -> bytes:
    try:
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


def count_words(text: str) -> int:
    return len(text.split())


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
        kind, turns = detect_turns(text)
    attributes = dict(previous.attributes) if previous else {}
    attributes.update(attrs)
    language = attributes.get("language") or project.settings.language
    units, regions = structural_units(text, turns)
    roles = dict((previous.meta.get("roles") or {}) if previous else {})
    for t in turns:
        if t.speaker and t.speaker not in roles:
            roles[t.speaker] = t.role
    from ..nlp import pipeline_identity

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
        "words": count_words(text),
        "attributes": attributes,
        "roles": roles,
        "turns": [_turn_record(t) for t in turns],
        "timestamps": [[c.start, c.end, c.begin_time, c.end_time] for c in parsed.cues],
        "units": {"sentence": [], **{k: [list(s) for s in v] for k, v in units.items()}},
        "history": list(previous.meta.get("history") or []) if previous else [],
    }
    return meta, regions


def _turn_record(t) -> dict[str, Any]:
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
    """Ingest sources; all are read and checked before anything is written.

    Documents stream through in small groups: each group's text regions go
    through one ``nlp.pipe`` call (batching across documents), then the group is
    written and dropped, so memory does not grow with the corpus.
    """
    attrs = attrs or {}
    planned = plan_ids(list(paths), doc_id)
    for path, _ in planned:  # validation pass: every source must read
        read_source(path, _read_bytes(path))
    with _gc_paused():
        return _ingest_planned(project, planned, attrs, on_document)


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


def _ingest_planned(project: Project, planned: list[tuple[Path, str]], attrs: dict[str, str],
                    on_document: Callable[[IngestResult], None] | None) -> list[IngestResult]:
    results: list[IngestResult] = []

    def done(result: IngestResult) -> None:
        results.append(result)
        if on_document:
            on_document(result)

    group: list[_Pending] = []
    for path, this_id in planned:
        item = _prepare(project, path, this_id, attrs)
        if isinstance(item, IngestResult):
            done(item)
            continue
        if group and group[0].meta["language"] != item.meta["language"]:
            _flush(project, group, done)
        group.append(item)
        if sum(len(p.text) for p in group) >= _GROUP_CHARS:
            _flush(project, group, done)
    _flush(project, group, done)
    return results


_GROUP_CHARS = 500_000


def _flush(project: Project, group: list[_Pending], done: Callable[[IngestResult], None]) -> None:
    """Sentence-split a group of documents in one batch, then write each."""
    if not group:
        return
    from ..nlp import sentence_spans

    texts = [p.text for p in group]
    found = sentence_spans(texts, group[0].meta["language"], project.settings.pipeline)
    for pending, spans in zip(group, found, strict=True):
        pending.meta["units"]["sentence"] = clip_to_regions(spans, pending.regions, pending.text)
        done(_write_new(project, pending))
    group.clear()


def _prepare(project: Project, path: Path, doc_id: str, attrs: dict[str, str]) -> IngestResult | _Pending:
    raw = _read_bytes(path)
    previous = None
    if doc_id in list_document_ids(project.documents_dir):
        previous = read_document(project.documents_dir, doc_id)
    if previous is not None and previous.meta.get("sha256_source") == sha256(raw) and not (
        attrs and any(previous.attributes.get(k) != v for k, v in attrs.items())
    ):
        return _result(previous, "unchanged", path)
    parsed = read_source(path, raw)
    if previous is not None and previous.meta["sha256_text"] == sha256(parsed.text):
        meta = dict(previous.meta)
        meta["attributes"] = {**previous.attributes, **attrs}
        meta["sha256_source"], meta["source"] = sha256(raw), str(path)
        write_document(project.documents_dir, doc_id, previous.text, meta)
        return _result(Document(doc_id, previous.text, meta), "updated", path)
    meta, regions = build_meta(project, parsed, path, raw, attrs, previous)
    meta["id"] = doc_id
    return _Pending(doc_id, path, parsed.text, meta, regions, previous)


def _write_new(project: Project, pending: _Pending) -> IngestResult:
    """Write a new document or a new version (the old one is archived first)."""
    meta, previous, prior = pending.meta, pending.previous, None
    if previous is not None:
        kept = archive_version(project.documents_dir, previous)
        meta["history"].append({
            "sha256_text": previous.meta["sha256_text"],
            "sha256_source": previous.meta.get("sha256_source"),
            "source": previous.meta.get("source"),
            "ingested": previous.meta.get("ingested"),
            "text": kept,
        })
        prior = previous.version
    write_document(project.documents_dir, pending.doc_id, pending.text, meta)
    status = "updated" if previous is not None else "new"
    return _result(Document(pending.doc_id, pending.text, meta), status, pending.path, prior)


def _result(doc: Document, status: str, path: Path, prior: str | None = None) -> IngestResult:
    return IngestResult(
        doc_id=doc.id, status=status, source=str(path), words=doc.words(),
        turns=len(doc.meta.get("turns") or ()), sentences=len(doc.units("sentence")),
        previous_version=prior,
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
            kind, turns = detect_turns(doc.text)
        language = doc.attributes.get("language") or project.settings.language
        meta = dict(doc.meta)
        meta.update(
            kind=kind, language=language,
            turns=[_turn_record(t) for t in turns],
            units={k: [list(s) for s in v] for k, v in
                   compute_units(doc.text, turns, language, project.settings.pipeline).items()},
        )
        from ..nlp import pipeline_identity

        meta["pipeline"] = pipeline_identity(language, project.settings.pipeline)
        write_document(project.documents_dir, doc.id, doc.text, meta)
        results.append(_result(Document(doc.id, doc.text, meta), "resegmented", Path(str(meta["source"]))))
    return results
