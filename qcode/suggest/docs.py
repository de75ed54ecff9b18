"""Documents as suggestions need them: text, version, language and units, read fast.

Suggesting reads every document of a corpus, and building each one's metadata
with the YAML constructor costs as much as parsing its text. The metadata file's
layout is fixed (``qcode.corpus.store.dump_meta``: scalar keys on their own lines,
then ``units:`` last with one ``- [start, end]`` per line), so this reads the few
fields needed directly; anything it does not recognise falls back to
:func:`qcode.corpus.load_document`, so a change of layout costs speed, never
correctness.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_SCALAR = re.compile(r"^(sha256_text|language): *(?:'([^'\n]*)'|\"([^\"\n]*)\"|([^\s'\"]+))[ \t]*$",
                     re.MULTILINE)
_KIND = re.compile(r"  ([a-z]+):( \[\])?")
_SPAN = re.compile(r"  - \[(\d+), (\d+)\]")


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
    folder = project.documents_dir
    try:
        meta = (folder / f"{doc_id}.yaml").read_text(encoding="utf-8")
        with open(folder / f"{doc_id}.txt", encoding="utf-8", newline="") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError):
        return _slow(project, doc_id)
    view = parse_meta(doc_id, text, meta)
    return view if view is not None else _slow(project, doc_id)


def parse_meta(doc_id: str, text: str, meta: str) -> DocView | None:
    """The fields from metadata text in the known layout, or None."""
    head, sep, tail = meta.rpartition("\nunits:\n")
    if not sep:
        return None
    scalars = {}
    for m in _SCALAR.finditer(head):
        scalars.setdefault(m.group(1), next(g for g in m.groups()[1:] if g is not None))
    if "sha256_text" not in scalars:
        return None
    spans = _units(tail)
    if spans is None:
        return None
    return DocView(doc_id, text, scalars["sha256_text"], scalars.get("language") or "en", spans)


def _units(tail: str) -> dict[str, tuple[tuple[int, int], ...]] | None:
    out: dict[str, list[tuple[int, int]]] = {}
    current: list[tuple[int, int]] | None = None
    for line in tail.splitlines():
        span = _SPAN.fullmatch(line)
        if span and current is not None:
            current.append((int(span.group(1)), int(span.group(2))))
            continue
        kind = _KIND.fullmatch(line)
        if not kind or kind.group(1) in out:
            return None
        current = out[kind.group(1)] = []
    return {k: tuple(v) for k, v in out.items()}


def _slow(project: Any, doc_id: str) -> DocView:
    from ..corpus import load_document
    from ..corpus.store import UNIT_KINDS

    document = load_document(project, doc_id)
    return DocView(document.id, document.text, str(document.meta["sha256_text"]),
                   document.language, {k: document.units(k) for k in UNIT_KINDS})
