"""A REFI-QDA project or codebook as an :class:`~.plan.ImportPlan`.

Codes are matched to the codebook by GUID (qcode's own exports derive a code's
GUID from its id), then by label and parent; a label that exists under another
parent is a conflict, reported and imported as a code of its own, never merged.
Hierarchy comes from nested ``Code`` elements, or from flat ``Parent::Child``
(ATLAS.ti 8) and ``Parent\\Child`` (Taguette) names. Offsets are read as
:mod:`.offsets` decides; a selection that does not verify is kept as an orphan
(its coding written on the file's own text, then marked orphaned), never placed
by a guess.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..codebook import load_codebook
from ..corpus import list_documents, load_document
from ..corpus.store import doc_id_from_path
from ..errors import InputError
from ..ids import DOC_ID
from ..project import Project
from . import offsets
from .plan import ImportPlan, NewDoc, apply_fields, coder_name, doc_version
from .refi_codes import map_codes
from .refi_export import HISTORY_NOTE, history_summary
from .refi_read import RefiProject, RefiSelection, RefiSource

KIND = "refi"


# ---------------------------------------------------------------- the plan


def _when(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


class _Builder:
    """Collects one REFI project's plan; see :func:`plan_refi`."""

    def __init__(self, project: Project, refi: RefiProject, plan: ImportPlan, prefix: str,
                 codebook_version: int | str | None) -> None:
        self.project = project
        self.refi = refi
        self.plan = plan
        self.prefix = prefix
        self.version = codebook_version
        self.taken: set[str] = set()
        self.names: dict[str, str] = {}  # user guid (or name) -> coder
        self.selection_codings: dict[str, list[tuple[str, dict[str, Any]]]] = {}  # guid -> [(id, fields)]
        self.source_docs: dict[str, tuple[str, str]] = {}  # source guid -> (doc id, text)
        self.code_ids: dict[str, str] = {}
        self.docv: dict[str, str] = {}  # doc id -> version of its normalised text
        self.spans: dict[str, tuple[str, str, int, int]] = {}  # selection guid -> where it landed

    def coder(self, user: str | None) -> str:
        key = user or self.refi.creating_user or "unknown"
        if key not in self.names:
            original = self.refi.users.get(key) or (key if user is None else f"user {key[:8]}")
            name = coder_name(original, self.taken, self.prefix)
            self.names[key] = name
            self.plan.coders[name] = original
        return self.names[key]

    def add(self, coder: str, fields: dict[str, Any]) -> str:
        events = self.plan.events.setdefault(coder, [])
        events.append(fields)
        return f"{coder}:{len(events)}"

    def data(self, user: str | None, **more: Any) -> dict[str, Any]:
        original = self.refi.users.get(user or "", user)
        out = {"tool": self.refi.origin or None, "user": original, "by": self.plan.importer}
        out.update({k: v for k, v in more.items() if v is not None})
        return out

    # ------------------------------------------------------------ sources

    def documents(self, id_from: str) -> list[tuple[RefiSource, str, offsets.Evidence]]:

        existing = set(list_documents(self.project))
        chosen: list[tuple[RefiSource, str, offsets.Evidence]] = []
        ids: set[str] = set()
        for source in self.refi.sources:
            text_kind = source.kind in ("TextSource", "PDFSource")
            if source.raw is None or not text_kind:
                self._missing(source, text_kind)
                continue
            text = offsets.decode_source(source.raw)
            mapping = offsets.TextMap(text)
            doc_id = document_id(source.name or source.guid, id_from, ids)
            self.source_docs[source.guid] = (doc_id, mapping.normal)
            self.docv[doc_id] = doc_version(mapping.normal)
            evidence = offsets.Evidence(text, mapping, tuple((s.start, s.end, s.name)
                                                             for s in source.selections))
            chosen.append((source, doc_id, evidence))
            if doc_id in existing:
                have = load_document(self.project, doc_id)
                if have.text != mapping.normal:
                    raise InputError(
                        f"{self.refi.source}: source {source.name!r} would be document {doc_id!r}, "
                        "which this project has with other text; import into a new project "
                        "(`qcode init DIR --from FILE`) or rename the document first.")
                continue
            self.plan.docs.append(NewDoc(doc_id, mapping.normal, f"{self.refi.source}#{source.name}",
                                         "refi", {}, text, doc_version(text)))
        return chosen

    def _missing(self, source: RefiSource, text_kind: bool) -> None:
        what = (f"{source.kind} {source.name!r}: its plain text is not in the file"
                if text_kind else f"{source.kind} {source.name!r}: not a text source")
        count = len(source.selections) + source.other_selections
        lost = (f"{count} selection{'s' * (count != 1)} not imported" if count
                else "it had no selections")
        self.plan.notes.append(f"skipped {what} ({lost})")
        for sel in source.selections:
            self.plan.rejects.append({"selection": sel.guid, "doc": source.name, "start": sel.start,
                                      "end": sel.end, "why": what, "quote": sel.name})

    def selections(self, source: RefiSource, doc_id: str, evidence: offsets.Evidence,
                   placed: tuple[offsets.Placed, ...]) -> None:
        text = evidence.mapping.normal
        for sel, where in zip(source.selections, placed, strict=True):
            if where.verified and where.start is not None and where.end is not None:
                self._placed(sel, doc_id, text, where.start, where.end)
            else:
                self._orphan(sel, doc_id, evidence.text, where.why)

    def _placed(self, sel: RefiSelection, doc_id: str, text: str, start: int, end: int) -> None:
        made = self.selection_codings.setdefault(sel.guid, [])
        self.spans[sel.guid] = (doc_id, text, start, end)
        for coding in sel.codings:
            code = self.code_ids.get(coding.code)
            if code is None:
                self._reject(sel, doc_id, f"its code {coding.code} is not in the file's codebook")
                continue
            user = coding.user or sel.user
            coder = self.coder(user)
            fields = apply_fields(coder, doc_id, text, start, end, code, self.version, KIND,
                                  self.data(user, created=_when(coding.created or sel.created),
                                            guid=coding.guid or None, selection=sel.guid or None),
                                  memo=sel.description or None)
            made.append((self.add(coder, fields), fields))
        if not sel.codings and sel.description:  # a comment on a passage (MAXQDA)
            coder = self.coder(sel.user)
            fields = apply_fields(coder, doc_id, text, start, end, "", self.version, KIND,
                                  self.data(sel.user, created=_when(sel.created), selection=sel.guid))
            fields.update(action="memo", code=None, memo=sel.description)
            made.append((self.add(coder, fields), fields))

    def _orphan(self, sel: RefiSelection, doc_id: str, raw_text: str, why: str) -> None:
        """Codings written on the file's own text, then marked orphaned (``qcode orphans``)."""
        version = doc_version(raw_text)
        start, end = max(sel.start, 0), max(sel.end, sel.start, 0)
        for coding in sel.codings:
            code = self.code_ids.get(coding.code)
            if code is None:
                continue
            user = coding.user or sel.user
            coder = self.coder(user)
            piece_end = min(end, len(raw_text))
            fields = apply_fields(coder, doc_id, raw_text, min(start, piece_end), piece_end, code,
                                  self.version, KIND, self.data(user, created=_when(coding.created),
                                                                guid=coding.guid or None,
                                                                selection=sel.guid), docv=version)
            fields["span"] = f"{start}:{end}"
            ref = self.add(coder, fields)
            self.add(coder, {"actor": coder, "action": "reanchor", "doc": doc_id, "docv": version,
                             "code": code, "codebook": self.version, "quote": fields["quote"],
                             "fp": fields["fp"], "source": f"import:{KIND}", "ref": ref,
                             "data": {"from_docv": version, "from_span": fields["span"],
                                      "method": "import", "orphan": True, "why": why}})
        if not sel.codings and sel.description:  # a comment: kept on the document
            coder = self.coder(sel.user)
            self.add(coder, {"actor": coder, "action": "memo", "doc": doc_id,
                             "docv": self.docv.get(doc_id), "source": f"import:{KIND}",
                             "memo": sel.description,
                             "data": self.data(sel.user, created=_when(sel.created), selection=sel.guid,
                                               unplaced=f"{sel.start}:{sel.end}")})
        self._reject(sel, doc_id, why)

    def _reject(self, sel: RefiSelection, doc_id: str, why: str) -> None:
        self.plan.rejects.append({"selection": sel.guid, "doc": doc_id, "start": sel.start,
                                  "end": sel.end, "why": why, "quote": sel.name})

    # ------------------------------------------------------------ notes, variables

    def notes(self) -> None:
        """Notes become memos: on the codings of a selection, a document or a code they
        are linked to (NoteRef, or NVivo's Links), else on the project."""
        targets: dict[str, list[str]] = {}
        for source in self.refi.sources:
            for ref in source.notes:
                targets.setdefault(ref, []).append(source.guid)
            for sel in source.selections:
                for ref in sel.notes:
                    targets.setdefault(ref, []).append(sel.guid)
        notes = {n.guid for n in self.refi.notes}
        for origin, target in self.refi.links:
            if origin in notes:
                targets.setdefault(origin, []).append(target)
            elif target in notes:
                targets.setdefault(target, []).append(origin)
        code_ids = self.code_ids
        for note in self.refi.notes:
            if not note.text:
                continue
            if note.name == HISTORY_NOTE:  # qcode's own: kept in project.log's import line
                self.plan.kept_as_text.append(note.text)
                self.plan.kept_summary += history_summary(note.text)
                continue
            head = note.name.split("…")[0].strip()
            named = bool(head) and head not in " ".join(note.text.split())  # a title, not a quote
            text = f"{note.name}: {note.text}" if named else note.text
            coder = self.coder(note.user)
            data = self.data(note.user, created=_when(note.created), note=note.guid, name=note.name)
            placed = False
            for target in targets.get(note.guid, []):
                placed |= self._note_on(coder, target, text, data, code_ids)
            if not placed:
                self.add(coder, {"actor": coder, "action": "memo", "source": f"import:{KIND}",
                                 "memo": text, "data": data})


    def _note_on(self, coder: str, target: str, text: str, data: dict[str, Any],
                 code_ids: dict[str, str]) -> bool:
        base = {"actor": coder, "action": "memo", "source": f"import:{KIND}", "memo": text,
                "data": data}
        if target in self.selection_codings and self.selection_codings[target]:
            for coding_id, fields in self.selection_codings[target]:
                memo = {**base, **{k: fields[k] for k in ("doc", "docv", "span", "quote", "fp")}}
                memo.update(code=fields["code"], ref=coding_id if fields["action"] == "apply" else None)
                self.add(coder, memo)
            return True
        if target in self.spans:  # a note on a passage nobody coded
            doc_id, text_, start, end = self.spans[target]
            fields = apply_fields(coder, doc_id, text_, start, end, "", self.version, KIND, data)
            fields.update(action="memo", code=None, memo=text)
            self.add(coder, fields)
            return True
        if target in self.source_docs:
            doc_id, text_ = self.source_docs[target]
            self.add(coder, {**base, "doc": doc_id, "docv": doc_version(text_)})
            return True
        if target in code_ids:
            self.add(coder, {**base, "code": code_ids[target], "codebook": self.version})
            return True
        return False

    def variables(self) -> None:
        """Variables (on sources, or through Cases) and ATLAS.ti's 'name: value'
        document groups become document attributes."""
        found: dict[str, dict[str, str]] = {}

        def put(source_guid: str, name: str, value: str) -> None:
            if source_guid in self.source_docs and value:
                key = attribute_key(name)
                if key:
                    found.setdefault(self.source_docs[source_guid][0], {})[key] = value

        for source in self.refi.sources:
            for var, value in source.variables:
                put(source.guid, self.refi.variables.get(var, var), value)
        for case in self.refi.cases:
            for var, value in case.variables:
                for source_guid in case.sources:
                    put(source_guid, self.refi.variables.get(var, var), value)
        for name, members in self.refi.sets:
            key, sep, value = name.partition(":")
            if sep and key.strip() and value.strip():
                for source_guid in members:
                    put(source_guid, key.strip(), value.strip())
        new = {d.doc_id: d for d in self.plan.docs}
        for doc_id, attrs in found.items():
            if doc_id in new:
                new[doc_id].attrs.update(attrs)
            else:
                self.plan.attrs[doc_id] = attrs


def attribute_key(name: str) -> str:
    key = re.sub(r"[^\w-]+", "_", name.strip()).strip("_")
    if key and not (key[0].isascii() and (key[0].isalpha() or key[0] == "_")):
        key = "v_" + key
    return key


def document_id(name: str, id_from: str, taken: set[str]) -> str:
    """A document id from a source's name: as ingest makes one from a file name
    (``stem``), or keeping the name's own spelling where an id allows (``name``)."""

    if id_from == "name":
        stem = Path(name).stem if Path(name).suffix[1:].isalnum() else name
        base = re.sub(r"[^\w-]+", "-", stem.casefold()).strip("-_") or "document"
        if not DOC_ID.match(base):
            base = doc_id_from_path(Path(name))
    else:
        base = doc_id_from_path(Path(name))
    doc_id, n = base, 2
    while doc_id in taken:
        doc_id, n = f"{base}-{n}", n + 1
    taken.add(doc_id)
    return doc_id


def plan_refi(project: Project, refi: RefiProject, *, importer: str, sha256: str,
              prefix: str = "", id_from: str = "stem") -> ImportPlan:
    """Everything importing ``refi`` into ``project`` would write (nothing is written)."""

    codebook = load_codebook(project.codebook_path)
    plan = ImportPlan(KIND, refi.source, sha256, refi.origin, importer)
    history = " ".join(n.text for n in refi.notes if n.name == HISTORY_NOTE)
    codes = map_codes(refi.codes, codebook, tuple(set(re.findall(r"[a-z0-9][a-z0-9_./-]*", history))),
                      retire=refi.origin.startswith("qcode "))
    plan.codes, plan.notes = codes.new, list(codes.notes)
    builder = _Builder(project, refi, plan, prefix, codebook.version)
    builder.code_ids = codes.by_guid
    chosen = builder.documents(id_from)
    if chosen and any(ev.selections for _, _, ev in chosen):
        choice = offsets.choose([ev for _, _, ev in chosen], refi.origin)
        plan.reading = choice.reading.label
        if choice.reading != choice.preferred:
            plan.notes.append(f"the file's origin {refi.origin!r} suggests {choice.preferred.label}, "
                              "but the selections fit another reading better")
        plan.notes += ["reading " + line for line in choice.lines()]
        for (source, doc_id, evidence), placed in zip(chosen, choice.placed, strict=True):
            builder.selections(source, doc_id, evidence, placed)
    orphaned = {r["doc"] for r in plan.rejects}
    for doc in plan.docs:
        if doc.doc_id not in orphaned:
            doc.raw_text = None
    builder.notes()
    builder.variables()
    return plan
