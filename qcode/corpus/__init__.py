"""Reading sources into documents: formats, normalisation, turns, units, attributes."""

from __future__ import annotations

from ..project import Project
from .attributes import import_attributes, set_attributes
from .decode import decode, normalise
from .ingest import IngestResult, ingest, parse_attrs, resegment
from .readers import READERS, read_source
from .store import UNIT_KINDS, Document, doc_id_from_path, list_document_ids, read_document
from .turns import Turn, detect_turns

__all__ = [
    "READERS", "UNIT_KINDS", "Document", "IngestResult", "Turn", "decode", "detect_turns",
    "doc_id_from_path", "document_exists", "import_attributes", "ingest", "list_documents",
    "load_document", "normalise", "parse_attrs", "read_source", "resegment", "set_attributes",
]


def load_document(project: Project, doc_id: str) -> Document:
    """The stored document ``doc_id`` of ``project`` (InputError if there is none)."""
    return read_document(project.documents_dir, doc_id)


def list_documents(project: Project) -> list[str]:
    """Ids of the project's documents, sorted."""
    return list_document_ids(project.documents_dir)


def document_exists(project: Project, doc_id: str) -> bool:
    return doc_id in list_document_ids(project.documents_dir)
