"""qcode: qualitative fieldwork coding in the terminal.

The public API for notebooks and scripts. Heavy modules (spaCy, numpy) load only
when a function that needs them is called.
"""

from __future__ import annotations

from .codebook import Code, Codebook, check, load_codebook
from .corpus import Document, ingest, list_documents, load_document
from .errors import QcodeError
from .project import Project, find_project, init_project

__version__ = "0.1.0"

__all__ = [
    "Code", "Codebook", "Document", "Project", "QcodeError", "check", "find_project", "ingest",
    "init_project", "list_documents", "load_codebook", "load_document", "__version__",
]
