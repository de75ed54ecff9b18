"""Withdrawing a document (a participant withdraws consent).

:func:`withdraw_document` records the withdrawal in ``audit/project.log`` first (a
``docversion`` line with ``docv`` null and ``data`` {``withdrawn``: true,
``reason``, ``previous``}), then removes the document's text, metadata and kept
earlier versions from ``documents/``. Replay leaves every coding of the document
made up to the withdrawal out of every view, analysis and export (and says how
many). The logs keep what they recorded: each decision, with its short quote of
the coded text; erasing those quotes is ``qcode redact``'s work.

Safe to interrupt: a withdrawal recorded but whose files are still there is
finished by running the same command again.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..audit.log import PROJECT_LOG, read_log
from ..audit.ops import append_events
from ..corpus import document_exists, load_document
from ..errors import InputError
from ..ids import check_doc_id

if TYPE_CHECKING:
    from ..project import Project


@dataclass(frozen=True, slots=True)
class Withdrawal:
    doc: str
    removed: tuple[str, ...]  # the files and folders removed, relative to the project
    recorded: bool  # False: the withdrawal was recorded before (finished here)


def withdrawn_documents(project: Project) -> dict[str, dict[str, Any]]:
    """doc -> {time, actor, reason} of every recorded withdrawal."""
    out = {}
    for e in read_log(project.log_path(PROJECT_LOG)).events:
        if e.action == "docversion" and e.doc and (e.data or {}).get("withdrawn") is True:
            out[e.doc] = {"time": e.time, "actor": e.actor, "reason": (e.data or {}).get("reason")}
    return out


def withdraw_document(project: Project, doc_id: str, reason: str, actor: str) -> Withdrawal:
    """Record the withdrawal of ``doc_id`` in project.log, then remove its files."""
    check_doc_id(doc_id)
    if not reason.strip():
        raise InputError("A withdrawal needs --reason (why the document is withdrawn).")
    files = _files(project, doc_id)
    earlier = withdrawn_documents(project).get(doc_id)
    if earlier is None:
        if not document_exists(project, doc_id):
            raise InputError(f"No document {doc_id!r} in this project; see `qcode docs`.")
        previous = load_document(project, doc_id).version
        append_events(project, PROJECT_LOG, [{
            "actor": actor, "action": "docversion", "doc": doc_id, "docv": None,
            "data": {"withdrawn": True, "reason": reason.strip(), "previous": previous}}])
    elif not files:
        raise InputError(f"Document {doc_id!r} was withdrawn on {earlier['time'][:10]} by "
                         f"{earlier['actor']}; nothing is left to remove.")
    for path in files:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    return Withdrawal(doc_id, tuple(str(p.relative_to(project.root)) for p in files),
                      earlier is None)


def _files(project: Project, doc_id: str) -> list[Any]:
    folder = project.documents_dir
    found = [folder / f"{doc_id}.txt", folder / f"{doc_id}.yaml", folder / ".versions" / doc_id]
    return [p for p in found if p.exists()]
