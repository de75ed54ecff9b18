"""Reading sources into documents: formats, normalisation, turns, units, attributes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import lazy
from ..project import Project
from .store import UNIT_KINDS, Document, doc_id_from_path, list_document_ids, read_document

if TYPE_CHECKING:
    from .attributes import import_attributes, set_attributes
    from .decode import normalise
    from .ingest import IngestResult, parse_attrs, resegment
    from .readers import READERS, read_source
    from .turns import Turn, detect_turns

# Readers, ingest and the rest load on first use: reading a stored document does not
# need them. ``decode`` and ``ingest`` share their module's name: import them from
# ``qcode.corpus.decode`` and ``qcode.corpus.ingest`` (the public ``qcode.ingest``
# is the whole intake).
__getattr__ = lazy.exports(__name__, {
    **dict.fromkeys(("import_attributes", "set_attributes"), ".attributes"),
    "normalise": ".decode",
    **dict.fromkeys(("IngestResult", "parse_attrs", "resegment"), ".ingest"),
    **dict.fromkeys(("READERS", "read_source"), ".readers"),
    **dict.fromkeys(("Turn", "detect_turns"), ".turns"),
})

__all__ = [
    "READERS", "UNIT_KINDS", "Document", "DocumentCache", "IngestResult", "Turn", "detect_turns",
    "doc_id_from_path", "document_exists", "import_attributes", "list_documents",
    "load_document", "normalise", "parse_attrs", "read_source", "resegment", "set_attributes",
]


def load_document(project: Project, doc_id: str) -> Document:
    """The stored document ``doc_id`` of ``project`` (InputError if there is none)."""
    return read_document(project.documents_dir, doc_id)


def list_documents(project: Project) -> list[str]:
    """Ids of the project's documents, sorted."""
    return list_document_ids(project.documents_dir)


class DocumentCache:
    """Stored documents by id, each read at most once; ``None`` for an id the project
    does not have (a coding may outlive its document)."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._ids: set[str] | None = None
        self._docs: dict[str, Document | None] = {}

    def get(self, doc_id: str) -> Document | None:
        if doc_id not in self._docs:
            if self._ids is None:
                self._ids = set(list_documents(self.project))
            self._docs[doc_id] = load_document(self.project, doc_id) if doc_id in self._ids else None
        return self._docs[doc_id]

    def text(self, doc_id: str) -> str:
        """The document's text, or "" when it is gone."""
        doc = self.get(doc_id)
        return doc.text if doc is not None else ""


def document_exists(project: Project, doc_id: str) -> bool:
    return doc_id in list_document_ids(project.documents_dir)
