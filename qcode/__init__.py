"""qcode: qualitative fieldwork coding in the terminal.

The public API for notebooks and scripts::

    import qcode
    project = qcode.find_project("my-study")
    doc = qcode.load_document(project, "hc01-nurse-team-north")

Names load on first use (PEP 562), so ``qcode --help`` stays fast and heavy
modules (spaCy, numpy) load only when a function that needs them runs.
"""

from __future__ import annotations

from . import lazy

__version__ = "0.1.0"

_EXPORTS = {
    "QcodeError": "qcode.errors",
    "Project": "qcode.project",
    "find_project": "qcode.project",
    "init_project": "qcode.project",
    "Code": "qcode.codebook",
    "Codebook": "qcode.codebook",
    "check": "qcode.codebook",
    "load_codebook": "qcode.codebook",
    "Document": "qcode.corpus",
    "ingest": "qcode.intake",
    "list_documents": "qcode.corpus",
    "load_document": "qcode.corpus",
    "Coding": "qcode.codings",
    "replay": "qcode.codings",
    "apply": "qcode.coding",
    "apply_csv": "qcode.coding",
    "verify_project": "qcode.audit",
    "recover": "qcode.recovery",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


__getattr__ = lazy.exports(__name__, _EXPORTS)


def __dir__() -> list[str]:
    return __all__
