"""Plan a coder's events against her own log, then append them in one locked write.

A :class:`Plan` is made while the coder's log is locked: it replays that log,
checks each step against what is there (and against the steps planned before
it), and numbers new codings ``coder:seq`` from the log's head. Nothing is
written until :meth:`Plan.commit`, so a bad step leaves the log untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..audit.line import Event, fingerprint, shorten
from ..audit.log import LockedLog
from ..coders import require_known
from ..codings import Coding, fold_log
from ..index import held_fold

if TYPE_CHECKING:
    from ..corpus import Document
    from ..project import Project


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a coding command did: the events written, warnings and notes for the person."""

    coder: str
    events: tuple[Event, ...] = ()
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def written(self) -> int:
        return len(self.events)


def coder_warnings(project: Project, coder: str) -> tuple[str, ...]:
    """Nothing to warn about, or a ProjectError (nothing written) when the project names
    its coders (qcode.yaml, audit/coders/) and ``coder`` is not one of them."""
    require_known(project, coder)
    return ()


def event_fields(actor: str, action: str, doc: Document, start: int, end: int, code: str | None,
                 codebook: int | str | None, **extra: Any) -> dict[str, Any]:
    """The fields of an event about ``doc.text[start:end]``: quote and fingerprint
    of the text, the document's version and the codebook version in force."""
    text = doc.text[start:end]
    return {"actor": actor, "action": action, "doc": doc.id, "docv": doc.version,
            "span": f"{start}:{end}", "code": code, "codebook": codebook,
            "quote": shorten(text), "fp": fingerprint(text), **extra}


class Plan:
    """Steps for one coder's log, checked against it; see the module docstring."""

    def __init__(self, coder: str, log: LockedLog, project: Project | None = None) -> None:
        """``project``: the log's fold may come from its index (:func:`held_fold`);
        without it, the log is folded in full."""
        self.coder = coder
        self.log = log
        fold = held_fold(project, log.path) if project is not None \
            else fold_log(log.path, lock=False)
        self.live: dict[str, Coding] = dict(fold.live)
        self.keys = {(c.doc, c.start, c.end, c.code): c.id for c in self.live.values()}
        self.batch: list[dict[str, Any]] = []
        self.notes: list[str] = []

    @property
    def next_id(self) -> str:
        return f"{self.coder}:{self.log.head.seq + len(self.batch) + 1}"

    def find(self, doc_id: str, start: int, end: int, code: str) -> Coding | None:
        coding_id = self.keys.get((doc_id, start, end, code))
        return self.live.get(coding_id) if coding_id else None

    def add(self, fields: dict[str, Any]) -> str:
        """Plan any event; returns the id it will have."""
        event_id = self.next_id
        self.batch.append(fields)
        return event_id

    def apply(self, doc: Document, start: int, end: int, code: str, codebook: int | str | None,
              *, action: str = "apply", source: str = "manual", **extra: Any) -> str | None:
        """Plan a coding; None (and a note) if this coder already has it."""
        have = self.find(doc.id, start, end, code)
        if have is not None:
            self.notes.append(f"{self.coder} already has {code!r} on {doc.id} {start}:{end} "
                              f"({have.id}); nothing written for it.")
            return None
        fields = event_fields(self.coder, action, doc, start, end, code, codebook,
                              source=source, **extra)
        coding_id = self.add(fields)
        coding = Coding(coding_id, self.coder, doc.id, start, end, code, source, "",
                        doc.version, extra.get("memo"))
        self.live[coding_id] = coding
        self.keys[(doc.id, start, end, code)] = coding_id
        return coding_id

    def remove(self, coding: Coding, doc: Document | None, codebook: int | str | None,
               source: str = "manual") -> None:
        """Plan the removal of one of this coder's live codings (``doc`` may be None
        when the document is gone; the event then names the coding only)."""
        if doc is not None and doc.id == coding.doc and coding.end <= len(doc.text):
            fields = event_fields(self.coder, "remove", doc, coding.start, coding.end,
                                  coding.code, codebook, source=source, ref=coding.id)
        else:
            fields = {"actor": self.coder, "action": "remove", "doc": coding.doc,
                      "span": coding.span, "code": coding.code, "codebook": codebook,
                      "source": source, "ref": coding.id}
        self.add(fields)
        del self.live[coding.id]
        self.keys.pop((coding.doc, coding.start, coding.end, coding.code), None)

    def commit(self) -> tuple[Event, ...]:
        return self.log.append(self.batch)
