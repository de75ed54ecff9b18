"""Documents as suggestions need them: text, version, language and units.

Read straight from the stored files: the text, and from the metadata only its
hash, its language and the units of the kinds asked for
(:func:`qcode.corpus.metafile.quick_meta`), which is most of what loading a document
costs when suggesting. Metadata in another layout (edited by hand) is loaded in
full with :func:`qcode.corpus.load_document`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..corpus import load_document
from ..corpus.metafile import quick_meta
from ..corpus.store import doc_paths
from ..yamlio import read_text

if TYPE_CHECKING:
    from ..project import Project


@dataclass(frozen=True, slots=True)
class DocView:
    """What suggesting needs of a stored document (same names as ``Document``)."""

    id: str
    text: str
    sha256: str
    language: str
    spans: Callable[[str], tuple[tuple[int, int], ...]]

    @property
    def version(self) -> str:
        return self.sha256[:12]

    def units(self, kind: str) -> tuple[tuple[int, int], ...]:
        return self.spans(kind)


def read_view(project: Project, doc_id: str) -> DocView:
    """The document ``doc_id`` (InputError, with a did-you-mean, if there is none)."""
    txt, meta_path = doc_paths(project.documents_dir, doc_id)
    try:
        with open(txt, encoding="utf-8", newline="") as fh:
            text = fh.read()
        quick = quick_meta(read_text(meta_path), str(meta_path))
    except (OSError, ValueError):
        quick = None
    if quick is None:
        document = load_document(project, doc_id)
        return DocView(document.id, document.text, str(document.meta["sha256_text"]),
                       document.language, document.units)
    sha, language, units = quick
    return DocView(doc_id, text, sha, language, units)
