"""Documents as suggestions need them: text, version, language and units.

The corpus store reads document metadata fast (its turn and unit lists are one
JSON value per line), so this is a thin view over :func:`qcode.corpus.load_document`
with the field names the suggesters use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class DocView:
    """What suggesting needs of a stored document (same names as ``Document``)."""

    id: str
    text: str
    sha256: str
    language: str
    spans: dict[str, tuple[tuple[int, int], ...]]

    @property
    def version(self) -> str:
        return self.sha256[:12]

    def units(self, kind: str) -> tuple[tuple[int, int], ...]:
        return self.spans.get(kind, ())


def read_view(project: Any, doc_id: str) -> DocView:
    """The document ``doc_id`` (InputError, with a did-you-mean, if there is none)."""
    from ..corpus import load_document
    from ..corpus.store import UNIT_KINDS

    document = load_document(project, doc_id)
    return DocView(document.id, document.text, str(document.meta["sha256_text"]),
                   document.language, {k: document.units(k) for k in UNIT_KINDS})
