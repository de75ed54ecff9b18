"""Ingest as one job (the work layer): read sources, store them, and re-anchor the
codings of every document whose text changed, recorded in project.log under the
name of who records it. This is the public :func:`qcode.ingest`; the command
``qcode ingest`` calls it.

Everything that can refuse is checked before anything is written: a source that
would give a document a new text needs a name to record the re-anchoring under,
and a different file that only shares its name stem with a stored document (another
folder, another format) is not taken as that document's new version unless
``replace`` (``--replace``) says so or the id is given explicitly (``--id``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from . import intent
from .corpus.ingest import IngestResult, SourceChange, source_changes
from .corpus.ingest import ingest as store_sources
from .corpus.store import doc_paths, read_head
from .errors import InputError, ProjectError, QcodeError
from .migrations.reanchor import Clock, Reanchored, reanchor_documents
from .project import Project, resolve_coder


@dataclass(frozen=True, slots=True)
class Ingested:
    """What an ingest did: each source's result, the re-anchoring of each document
    whose text changed, and the stored documents that another file replaced."""

    documents: list[IngestResult]
    reanchored: list[Reanchored] = field(default_factory=list)
    replaced: list[SourceChange] = field(default_factory=list)


def ingest(
    project: Project,
    paths: Iterable[Path | str],
    *,
    coder: str | None = None,
    attrs: dict[str, str] | None = None,
    doc_id: str | None = None,
    replace: bool = False,
    on_document: Callable[[IngestResult], None] | None = None,
    threshold: float | None = None,
    clock: Clock = None,
) -> Ingested:
    """Ingest ``paths`` into ``project`` and re-anchor the codings of every document
    whose text changed, recorded under ``coder`` (else ``QCODE_CODER``, else the
    user's config). Raises before writing anything when a text would change and no
    one is named, or when a file would replace a document it is not the source of
    (see the module's docstring)."""
    sources = [Path(p) for p in paths]
    found = source_changes(project, sources, doc_id)
    replaced = [] if doc_id is not None else [c for c in found if not c.same_source]
    if replaced and not replace:
        raise InputError(_not_its_source(replaced[0]))
    changing = [c.doc_id for c in found if c.text_changes]
    who = _recorder(coder, changing) if changing else None
    previous = {d: str(read_head(project.documents_dir, d)["sha256_text"]) for d in changing}
    if who is not None:  # the texts and then project.log: the next command finishes it
        intent.begin(project.root, "ingest", {"actor": who, "docs": previous})
    try:
        documents = store_sources(project, sources, attrs=attrs, doc_id=doc_id,
                                  on_document=on_document)
    except QcodeError:  # refused (a source that does not read): nothing to finish
        if not any(_touched(project, d, sha) for d, sha in previous.items()):
            intent.finish(project.root, "ingest")
        intent.release(project.root, "ingest")
        raise
    if who is None and any(r.previous_version for r in documents):
        who = _recorder(coder, [r.doc_id for r in documents if r.previous_version])
    reanchored = reanchor_documents(project, documents, who, threshold=threshold, clock=clock)
    intent.finish(project.root, "ingest")
    return Ingested(documents, reanchored, replaced)


def _touched(project: Project, doc_id: str, sha: str) -> bool:
    """Whether the text or metadata of ``doc_id`` is no longer the version ``sha``."""
    text = doc_paths(project.documents_dir, doc_id)[0].read_bytes()
    return hashlib.sha256(text).hexdigest() != sha or str(
        read_head(project.documents_dir, doc_id)["sha256_text"]) != sha


def _recorder(coder: str | None, doc_ids: list[str]) -> str:
    """Who records the re-anchoring; a ProjectError naming the documents otherwise."""
    try:
        return resolve_coder(coder)
    except ProjectError:
        named = ", ".join(doc_ids[:3]) + (f" and {len(doc_ids) - 3} more" if len(doc_ids) > 3 else "")
        raise ProjectError(
            f"Nothing ingested: {named} would get a new text, and ingest re-anchors its "
            "codings in project.log under the name of who records it. Pass --coder NAME, "
            "set QCODE_CODER, or put 'coder: NAME' in your config file "
            "(~/.config/qcode/config.yaml)."
        ) from None


def _not_its_source(change: SourceChange) -> str:
    return (
        f"{change.path} would replace document {change.doc_id!r}, which was ingested from "
        f"{change.recorded_source} ({change.recorded_format}); nothing ingested. To make this "
        f"file the new version of {change.doc_id!r}, pass --replace (or --id {change.doc_id}); "
        "to add it as another document, give it its own --id."
    )
