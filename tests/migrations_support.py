"""Generated projects for the migration and re-anchoring tests: documents written
straight to the store (no spaCy) and codings written as apply lines in one batch."""

from __future__ import annotations

import hashlib
import itertools
import random
from pathlib import Path

from qcode.audit.ops import append_events
from qcode.coding.plan import event_fields
from qcode.corpus.store import Document, write_document
from qcode.project import init_project

CODES_V1 = """version: 1
name: Generated
codes:
  - {id: coordination, label: Coordination, definition: Organising the day.,
     keywords: [coordinate, schedule]}
  - {id: trust, label: Trust, definition: Being trusted to decide.}
  - {id: competency, label: Competency, definition: Skills and training., keywords: [course, skill]}
  - {id: professionalism, label: Professionalism, definition: Professional judgement.,
     keywords: [judgement, standard]}
  - {id: staff, label: Staff, definition: Who is on duty.}
  - {id: time, label: Time, definition: Minutes and pressure.}
  - {id: leadership, label: Leadership, definition: Managers above the team.}
"""

CODES_V2 = """version: 2
name: Generated
codes:
  - {id: lists, label: Lists, definition: Driving lists and schedules.,
     keywords: [list, schedule, rota]}
  - {id: calls, label: Calls, definition: Calling the doctor or pharmacy.,
     keywords: [phone, call, pharmacy]}
  - {id: autonomy, label: Autonomy, definition: Being trusted to decide.}
  - {id: professionalism, label: Professionalism, definition: Professional judgement.,
     keywords: [judgement, standard, course, skill]}
  - {id: staff, label: Staff, definition: Who is on duty., retired: true}
  - {id: time, label: Time, definition: Minutes and pressure.}
  - {id: leadership, label: Leadership, definition: Managers above the team.}
changes:
  - version: 2
    rename: {from: trust, to: autonomy}
    reason: Participants talk about room to decide.
  - version: 2
    merge: {from: [competency, professionalism], into: professionalism}
    reason: Coders could not tell them apart.
  - version: 2
    split: {from: coordination, into: [lists, calls], by: rules}
    reason: Two kinds of coordination work.
  - version: 2
    retire: staff
    reason: Covered by the staffing survey instead.
"""

FILLER = ("the", "team", "nurse", "visit", "morning", "car", "day", "user", "home", "work",
          "often", "again", "later", "before", "after", "quiet", "busy", "small", "kitchen",
          "report", "meeting", "week", "client", "door", "road", "winter", "evening", "coffee")
PHRASES = ("the driving list changed", "I had to phone the pharmacy", "we made a new rota",
           "she will call the doctor", "nobody checked the schedule")


def clock(start: int = 0):
    """One millisecond later on every call, from 2025-03-01T09:00."""
    counter = itertools.count(start)

    def now() -> str:
        ms = next(counter)
        return (f"2025-03-01T{9 + ms // 3600000:02d}:{ms // 60000 % 60:02d}:"
                f"{ms // 1000 % 60:02d}.{ms % 1000:03d}Z")

    return now


def sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(FILLER) for _ in range(rng.randint(6, 14))]
    if rng.random() < 0.4:
        words.insert(rng.randint(0, len(words)), rng.choice(PHRASES))
    return f"S{n} " + " ".join(words).capitalize() + "."


def write_doc(project, doc_id: str, text: str, units: list[tuple[int, int]]) -> Document:
    meta = {"id": doc_id, "source": "generated", "format": "txt", "encoding": "utf-8",
            "kind": "text", "language": "en", "sha256_text": hashlib.sha256(text.encode()).hexdigest(),
            "words": len(text.split()), "attributes": {}, "roles": {}, "turns": [],
            "timestamps": [], "units": {"sentence": [list(u) for u in units], "turn": [],
                                        "paragraph": [[0, len(text)]]}, "history": []}
    write_document(project.documents_dir, doc_id, text, meta)
    return Document(doc_id, text, meta)


def make_docs(project, n_docs: int, sentences: int, rng: random.Random) -> list[Document]:
    docs = []
    counter = itertools.count(1)
    for d in range(n_docs):
        parts, units, pos = [], [], 0
        for _ in range(sentences):
            s = sentence(rng, next(counter))
            units.append((pos, pos + len(s)))
            parts.append(s)
            pos += len(s) + 1
        docs.append(write_doc(project, f"doc{d:03d}", " ".join(parts), units))
    return docs


def make_project(root: Path, *, coders=("anna", "ben", "cara"), per_coder: int = 2000,
                 n_docs: int = 12, sentences: int = 120, seed: int = 7,
                 codebook: str = CODES_V1, codes: tuple[str, ...] | None = None):
    """A project with ``per_coder`` codings for each coder, on whole sentences or a
    few words inside them, made under codebook version 1."""
    rng = random.Random(seed)
    project = init_project(root, coders=tuple(coders), codebook_text=codebook)
    docs = make_docs(project, n_docs, sentences, rng)
    ids = codes or ("coordination", "trust", "competency", "professionalism", "staff", "time",
                    "leadership")
    for i, coder in enumerate(coders):
        batch, seen = [], set()
        while len(batch) < per_coder:
            doc = rng.choice(docs)
            a, b = rng.choice(doc.units("sentence"))
            if rng.random() < 0.3:
                a = rng.randint(a, b - 5)
                b = rng.randint(a + 3, b)
            code = rng.choice(ids)
            if (doc.id, a, b, code) in seen:
                continue
            seen.add((doc.id, a, b, code))
            batch.append(event_fields(coder, "apply", doc, a, b, code, 1, source="manual"))
        append_events(project, coder, batch, clock=clock(i * 10_000_000))
    return project


def log_bytes(project) -> dict[str, bytes]:
    """Every file under audit/ and the codebook, by name."""
    files = {p.name: p.read_bytes() for p in sorted(project.audit_dir.glob("*"))}
    files["codebook.yaml"] = project.codebook_path.read_bytes()
    return files
