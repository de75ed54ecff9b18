"""Finishing or rolling back a command that was stopped part-way (killed, power
lost) from the write-ahead records of :mod:`qcode.intent`. Every command that
opens a project runs :func:`recover` first; each repair looks at the files as
they are, so it is safe to run again and does nothing once the work is whole.

- **ingest**: a document whose text was replaced but not its metadata gets its
  kept earlier text back (the ingest is to be run again); a document whose new
  text is in place but whose re-anchoring is not in project.log is re-anchored
  now, under the name of who ran the ingest.
- **recode**: when project.log records the migration, codebook.yaml is put at the
  new version from ``codebook-versions/``; when it does not, nothing changed.
- **undo**: when project.log records the undo, codebook.yaml is put back at the
  earlier version; when it does not, nothing changed.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

from . import intent
from .audit.log import PROJECT_LOG, read_log
from .codings import voided_seqs
from .corpus.ingest import IngestResult
from .corpus.store import doc_paths, read_head, read_version_text
from .errors import QcodeError
from .fileio import atomic_write
from .migrations.kept import kept_text
from .migrations.reanchor import reanchor_documents


def recover(project: Any) -> list[str]:
    """Finish or roll back what interrupted commands left; one note per repair."""
    notes: list[str] = []
    for record in intent.pending(project.root):
        operation = record["operation"]
        lock = intent.hold(project.root, operation, wait=False)
        if lock is None:  # still going on in another command
            continue
        try:
            if not (intent.intent_dir(project.root) / f"{operation}.json").exists():
                continue  # finished while this command waited
            if record.get("unreadable"):
                notes.append(f".qcode/intent/{operation}.json does not read; check the "
                             "project with `qcode audit verify` and remove that file.")
                continue
            notes.extend(_REPAIRS[operation](project, record))
            intent.finish(project.root, operation)
        finally:
            os.close(lock)
    return notes


def _sha(data: str) -> str:
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- ingest


def _recover_ingest(project: Any, record: dict[str, Any]) -> list[str]:
    notes: list[str] = []
    changed: list[IngestResult] = []
    recorded = _docversions(project)
    docs = dict(record.get("docs") or {})
    states = {d: _document_state(project, d, str(p)) for d, p in docs.items()}
    if docs and all(state == "old" for state in states.values()):
        return [f"An ingest was stopped before it changed {_names(list(docs))}; nothing "
                "changed. Run that `qcode ingest` again."]
    for doc_id, previous in docs.items():
        state = states[doc_id]
        if state == "torn":
            notes.append(_roll_back_text(project, doc_id, str(previous)))
        elif state == "new":
            current = _meta_sha(project, doc_id)
            if (doc_id, current[:12], str(previous)[:12]) not in recorded:
                changed.append(IngestResult(doc_id, "updated", "", 0, 0, 0,
                                            previous_version=str(previous)[:12]))
    if changed:
        reanchor_documents(project, changed, str(record.get("actor")))
        names = _names([r.doc_id for r in changed])
        notes.append(f"An ingest was stopped before it recorded re-anchoring {names}; "
                     "re-anchored now in audit/project.log (see `qcode orphans`).")
    return notes


def _names(doc_ids: list[str]) -> str:
    more = len(doc_ids) - 3
    return ", ".join(doc_ids[:3]) + (f" and {more} more" if more > 0 else "")


def _document_state(project: Any, doc_id: str, previous: str) -> str:
    """"old" (untouched), "new" (text and metadata both replaced), "torn" (the text
    replaced, the metadata not) or "gone"."""
    txt, meta = doc_paths(project.documents_dir, doc_id)
    if not txt.is_file() or not meta.is_file():
        return "gone"
    text_sha = _sha(txt.read_text(encoding="utf-8"))
    meta_sha = _meta_sha(project, doc_id)
    if text_sha != meta_sha:
        return "torn"
    return "old" if meta_sha == previous else "new"


def _meta_sha(project: Any, doc_id: str) -> str:
    return str(read_head(project.documents_dir, doc_id).get("sha256_text"))


def _roll_back_text(project: Any, doc_id: str, previous: str) -> str:
    """Put back the kept text that the metadata still describes."""
    txt, _ = doc_paths(project.documents_dir, doc_id)
    if _meta_sha(project, doc_id) == previous:
        kept = read_version_text(project.documents_dir, doc_id, previous)
        if kept is not None and _sha(kept) == previous:
            atomic_write(txt, kept)
            return (f"An ingest was stopped while it replaced the text of {doc_id}; its "
                    "earlier text is back in place. Ingest the new source again "
                    f"(`qcode ingest FILE --id {doc_id}`).")
    return (f"documents/{doc_id}.txt does not match its metadata (an ingest was stopped "
            f"part-way) and no kept text does; ingest its source again with --id {doc_id}.")


def _docversions(project: Any) -> set[tuple[str, str, str]]:
    """(doc, docv, previous docv) of every docversion line in project.log."""
    path = project.log_path(PROJECT_LOG)
    return {(str(e.doc), str(e.docv), str((e.data or {}).get("previous")))
            for e in read_log(path).events if e.action == "docversion"}


# ---------------------------------------------------------------- codebook


def _live_migrations(project: Any, after: int) -> dict[str, str]:
    """{version: sha256 prefix} of the migrations recorded after line ``after`` of
    project.log and not voided since."""
    path = project.log_path(PROJECT_LOG)
    if not path.exists():
        return {}
    voided, _, _ = voided_seqs(path)
    return {str((e.data or {}).get("version")): str((e.data or {}).get("sha256"))
            for e in read_log(path).events
            if e.action == "migrate" and e.seq > after and e.seq not in voided
            and (e.data or {}).get("step") == "version"}


def _codebook_sha(project: Any) -> str | None:
    try:
        return _sha(project.codebook_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None


def _put_in_force(project: Any, version: Any, sha: str | None) -> bool:
    """codebook.yaml becomes the kept codebook of ``version`` (when it is the one
    recorded, ``sha``); False when none is kept."""
    text = kept_text(project, version)
    if text is None or (sha and not _sha(text).startswith(sha)):
        return False
    atomic_write(project.codebook_path, text)
    return True


def _recover_recode(project: Any, record: dict[str, Any]) -> list[str]:
    version, sha = record.get("version"), str(record.get("sha256") or "")
    head = int(record.get("head") or 0)
    if _live_migrations(project, head).get(str(version)) != sha:
        return [f"A migration to codebook version {version} was stopped before it was "
                f"recorded; nothing changed. Run `qcode recode run --to {record.get('path')}` "
                "again."]
    if (_codebook_sha(project) or "").startswith(sha):
        return []
    if _put_in_force(project, version, sha):
        return [f"A migration to codebook version {version} was stopped after it was "
                f"recorded in audit/project.log; codebook.yaml is now version {version}."]
    return [f"audit/project.log records the migration to codebook version {version}, but "
            f"codebook.yaml is not that version and codebook-versions/ holds no copy of it; "
            f"restore it from git, or undo the migration with `qcode recode undo {version}`."]


def _recover_undo(project: Any, record: dict[str, Any]) -> list[str]:
    version, previous = record.get("version"), record.get("previous")
    undone = str(version) not in _live_migrations(project, 0)
    if not undone:
        return [f"Undoing the migration to codebook version {version} was stopped before it "
                f"was recorded; nothing changed. Run `qcode recode undo {version}` again."]
    sha = str(record.get("sha256") or "")
    if not sha or not (_codebook_sha(project) or "").startswith(sha):
        return []  # put back already, or edited since: left as it is
    if _put_in_force(project, previous, None):
        return [f"Undoing the migration to codebook version {version} was stopped after it "
                f"was recorded; codebook.yaml is version {previous} again."]
    return [f"The migration to codebook version {version} is undone in audit/project.log, "
            f"but no codebook of version {previous} was kept; restore it from git."]


_REPAIRS = {"ingest": _recover_ingest, "recode": _recover_recode, "undo": _recover_undo}


def recover_or_note(project: Any) -> list[str]:
    """:func:`recover`, with a failed repair turned into a note that says what to run
    (a command must not be blocked by a repair it cannot make)."""
    try:
        return recover(project)
    except (QcodeError, OSError) as exc:
        return [f"Could not finish an interrupted command ({exc}); run `qcode audit verify`."]
