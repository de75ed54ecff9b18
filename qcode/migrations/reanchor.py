"""Recording re-anchoring after a document changes, and placing what was orphaned.

When ``qcode ingest`` replaces a document's text, :func:`reanchor_documents`
re-finds every live coding made on the replaced version (:mod:`qcode.anchor`) and
appends to ``audit/project.log``, in one write:

- one ``docversion`` line: the document, its new version (``docv``), the version
  it replaced (``data.previous``) and the codings whose text did not move
  (``data.same``);
- one ``reanchor`` line per coding that moved: ``ref`` the coding, the new
  ``span``, ``docv``, quote and fingerprint, ``score`` (100 for an exact match)
  and ``data`` {``from_docv``, ``from_span``, ``method``}; or, for an orphan,
  ``span`` null, the best score found and ``data.orphan`` true.

An orphan stays in the logs on its old version (its text is kept under
``documents/.versions/``). :func:`orphans` lists them; :func:`place_orphan`
puts one on the current text (a ``reanchor`` line in the placing person's own
log) and :func:`void_orphan` undoes the coding in its coder's own log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..anchor import THRESHOLD, Anchor, anchor_spans
from ..audit.health import note_broken
from ..audit.line import fingerprint, shorten
from ..audit.log import PROJECT_LOG
from ..audit.ops import append_events
from ..codebook import load_codebook
from ..codebook.mapping import StepIndex, paused_gc
from ..coding import select_span
from ..codings import replay, replay_dir
from ..corpus import document_exists, load_document
from ..corpus.store import read_version_text
from ..errors import QcodeError, SpanError
from ..project import resolve_coder

if TYPE_CHECKING:
    from ..codings import Coding
    from ..corpus import Document
    from ..project import Project

Clock = Callable[[], str] | None


@dataclass(frozen=True, slots=True)
class Reanchored:
    """What re-anchoring did to the codings of one document version."""

    doc: str
    previous: str
    docv: str
    same: int = 0
    moved: int = 0
    fuzzy: int = 0
    orphaned: int = 0
    missing_text: bool = False  # the replaced version's text was not kept


def _lines(actor: str, document: Document, previous: str, codings: list[Any], old_text: str | None,
           threshold: float, version: Any = None) -> tuple[list[dict[str, Any]], Reanchored]:
    if old_text is None:  # the replaced text was not kept: nothing can be re-found
        anchors = [Anchor(None, None, 0.0, "orphan")] * len(codings)
        old_text = ""
    else:
        anchors = anchor_spans(old_text, document.text, [(c.start, c.end) for c in codings],
                               threshold=threshold)
    same, moved = [], []
    counts = {"exact": 0, "fuzzy": 0, "orphan": 0}
    for coding, found in zip(codings, anchors, strict=True):
        if found.method == "same" and (found.start, found.end) == (coding.start, coding.end):
            same.append(coding.id)
            continue
        counts["exact" if found.method == "same" else found.method] += 1
        fields = {"actor": actor, "action": "reanchor", "doc": document.id, "code": coding.code,
                  "codebook": version, "source": "reanchor", "score": found.score,
                  "ref": coding.id,
                  "data": {"from_docv": previous, "from_span": coding.span, "method": found.method}}
        if found.orphan:
            text = old_text[coding.start:coding.end]
            fields.update(docv=previous, quote=shorten(text), fp=fingerprint(text))
            fields["data"]["orphan"] = True
        else:
            text = document.text[found.start:found.end]
            fields.update(docv=document.version, span=f"{found.start}:{found.end}",
                          quote=shorten(text), fp=fingerprint(text))
        moved.append(fields)
    header = {"actor": actor, "action": "docversion", "doc": document.id, "docv": document.version,
              "codebook": version, "source": "ingest",
              "data": {"previous": previous, "same": same, "moved": counts["exact"],
                       "fuzzy": counts["fuzzy"], "orphaned": counts["orphan"]}}
    report = Reanchored(document.id, previous, document.version, len(same), counts["exact"],
                        counts["fuzzy"], counts["orphan"], missing_text=old_text == "" and bool(codings))
    return [header, *moved], report


@paused_gc()
def reanchor_documents(project: Project, results: Iterable[Any], actor: str | None = None, *,
                       threshold: float | None = None, clock: Clock = None) -> list[Reanchored]:
    """Re-anchor the codings of every document that ``ingest`` updated to a new text
    (``IngestResult`` with ``status == "updated"`` and a ``previous_version``), and
    record it in project.log. Documents whose text did not change are skipped."""
    changed = [(r.doc_id, r.previous_version) for r in results
               if r.status == "updated" and r.previous_version]
    if not changed:
        return []

    pairs: dict[tuple[str, str], list[Any]] = {pair: [] for pair in changed}
    for c in replay(project):  # one pass (a query per document would scan them all each time)
        mine = pairs.get((c.doc, c.docv or ""))
        if mine is not None and "orphan" not in c.flags:
            mine.append(c)
    return _record(project, actor, pairs, threshold, clock)


@paused_gc()
def reanchor_stale(project: Project, actor: str | None = None, *, threshold: float | None = None,
                   clock: Clock = None) -> list[Reanchored]:
    """Re-anchor codings still on a replaced version of their document that no
    re-anchoring has handled (an ingest whose re-anchoring did not run, or codings
    made on the old text after it was replaced, e.g. in another clone)."""
    note_broken(project.audit_dir, project.id)  # (no note on orphans: they are what this places)
    codings = replay_dir(project.audit_dir)
    handled = StepIndex.build(codings.steps).reanchors
    current: dict[str, str | None] = {}
    pairs: dict[tuple[str, str], list[Any]] = {}
    for c in (*codings.codings, *codings.orphaned):
        if c.doc not in current:
            current[c.doc] = load_document(project, c.doc).version \
                if document_exists(project, c.doc) else None
        if c.docv and current[c.doc] not in (None, c.docv) and (c.id, c.docv) not in handled:
            pairs.setdefault((c.doc, c.docv), []).append(c)
    return _record(project, actor, pairs, threshold, clock) if pairs else []


def _record(project: Project, actor: str | None, pairs: dict[tuple[str, str], list[Any]],
            threshold: float | None, clock: Clock) -> list[Reanchored]:
    """Re-anchor ``{(doc, previous docv): codings}`` and append the lines in one write."""
    who = resolve_coder(actor, flag="--as")
    version = _codebook_version(project)
    batch: list[dict[str, Any]] = []
    reports = []
    for (doc_id, previous), mine in pairs.items():
        document = load_document(project, doc_id)
        old_text = read_version_text(project.documents_dir, doc_id, previous)
        lines, report = _lines(who, document, previous, mine, old_text,
                               THRESHOLD if threshold is None else threshold, version)
        batch.extend(lines)
        reports.append(report)
    append_events(project, PROJECT_LOG, batch, clock=clock)
    return reports


def _codebook_version(project: Project) -> Any:
    try:
        return load_codebook(project.codebook_path).version
    except QcodeError:  # re-anchoring must not depend on a codebook that loads today
        return None


# ---------------------------------------------------------------- orphans


@dataclass(frozen=True, slots=True)
class Orphan:
    """A coding that is not on its document's current text."""

    coding: Coding
    current: str | None  # the document's current version (None: document gone)
    score: float | None
    quote: str

    def record(self) -> dict[str, Any]:
        c = self.coding
        return {"coding": c.id, "coder": c.coder, "doc": c.doc, "code": c.code, "span": c.span,
                "docv": c.docv, "current": self.current, "score": self.score, "quote": self.quote}


COLUMNS = ("coding", "coder", "doc", "code", "span", "docv", "current", "score", "quote")


def orphans(project: Project, *, coders: list[str] | None = None,
            docs: list[str] | None = None) -> list[Orphan]:
    """Codings flagged orphan by replay, or still on a replaced version of their
    document, in document order."""
    note_broken(project.audit_dir, project.id)  # (not the note on orphans left out: this lists them)
    codings = replay_dir(project.audit_dir).scoped(docs or None, coders or None)
    scores = {e.ref: e.score for e in codings.steps if e.action == "reanchor"}
    versions: dict[str, str | None] = {}
    out = []
    for c in sorted((*codings.orphaned, *codings.codings),
                    key=lambda c: (c.doc, c.start, c.end, c.code, c.coder, len(c.id), c.id)):
        if c.doc not in versions:
            versions[c.doc] = load_document(project, c.doc).version \
                if document_exists(project, c.doc) else None
        current = versions[c.doc]
        if "orphan" not in c.flags and (c.docv is None or c.docv == current):
            continue
        text = read_version_text(project.documents_dir, c.doc, c.docv or "") or ""
        out.append(Orphan(c, current, scores.get(c.id), " ".join(text[c.start:c.end].split())))
    return out


def _orphan(project: Project, coding_id: str) -> Orphan:
    found = [o for o in orphans(project) if o.coding.id == coding_id]
    if not found:
        raise SpanError(f"Coding {coding_id!r} is not an orphan; see `qcode orphans`.")
    return found[0]


def place_orphan(project: Project, coding_id: str, *, span: str | None = None,
                 quote: str | None = None, unit: str | None = None, actor: str | None = None,
                 clock: Clock = None) -> Any:
    """Put an orphaned coding on the current text of its document (a ``reanchor``
    line with ``method: placed`` in the placing person's own log)."""
    who = resolve_coder(actor, flag="--as")
    orphan = _orphan(project, coding_id)
    c = orphan.coding
    document = load_document(project, c.doc)
    start, end = select_span(document, span=span, quote=quote, unit=unit,
                             default_kind=project.settings.unit)
    text = document.text[start:end]
    fields = {"actor": who, "action": "reanchor", "doc": c.doc, "docv": document.version,
              "span": f"{start}:{end}", "code": c.code, "codebook": c.codebook,
              "quote": shorten(text), "fp": fingerprint(text), "source": "manual", "ref": c.id,
              "data": {"from_docv": c.docv, "from_span": c.span, "method": "placed"}}
    return append_events(project, who, [fields], clock=clock)


def void_orphan(project: Project, coding_id: str, *, coder: str | None = None,
                clock: Clock = None) -> Any:
    """Undo an orphaned coding: a ``void`` of the event that made it, in its coder's
    own log (only its coder can do this)."""
    who = resolve_coder(coder, flag="--as")
    orphan = _orphan(project, coding_id)
    c = orphan.coding
    if c.coder != who:
        raise SpanError(f"Coding {coding_id!r} is {c.coder}'s; only {c.coder} can void it "
                        f"(you are {who!r}). Ask them, or place it with --place.")
    fields = {"actor": who, "action": "void", "doc": c.doc, "docv": c.docv, "span": c.span,
              "code": c.code, "codebook": c.codebook, "ref": c.id,
              "data": {"orphan": True}}
    return append_events(project, who, [fields], clock=clock)
