"""Batch re-coding and re-anchoring against a plain replay of the same logs.

Generates a project of 100,000 codings (4 coders, 2,000 documents, 50 codings a
document, codebook version 1), then measures in one run:

- the reference: ``replay`` of the logs as they are;
- recode: planning and writing a migration to version 2 (a rename, a merge and a
  split routed by rules.v1), and the replay afterwards (codings mapped through it);
- re-anchoring: 1% random small edits (typos, insertions, deletions) to 200
  documents holding 10,000 codings, then ``reanchor_documents`` on them.

Prints seconds and ratios to the reference (target: recode within 3x of a replay).

    python bench/recode.py [--codings 100000] [--docs 2000] [--edited 200]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _corpus import utterance  # noqa: E402

CODERS = ("anna", "ben", "cara", "dag")
CODES = ("coordination", "trust", "competency", "professionalism", "staff", "time",
         "leadership", "tasks")
V1 = "version: 1\ncodes:\n" + "".join(
    f"  - {{id: {c}, label: {c.title()}, definition: d}}\n" for c in CODES)
V2 = """version: 2
codes:
  - {id: lists, label: Lists, definition: d, keywords: [list, plan, key, meeting]}
  - {id: calls, label: Calls, definition: d, keywords: [call, phone, doctor, medicine]}
  - {id: autonomy, label: Autonomy, definition: d}
  - {id: professionalism, label: Professionalism, definition: d}
  - {id: staff, label: Staff, definition: d}
  - {id: time, label: Time, definition: d}
  - {id: leadership, label: Leadership, definition: d}
  - {id: tasks, label: Tasks, definition: d}
changes:
  - version: 2
    rename: {from: trust, to: autonomy}
    reason: bench
  - version: 2
    merge: {from: [competency, professionalism], into: professionalism}
    reason: bench
  - version: 2
    split: {from: coordination, into: [lists, calls], by: rules}
    reason: bench
"""


def write_doc(project, doc_id: str, text: str):
    from qcode.corpus.store import Document, write_document

    meta = {"id": doc_id, "source": "bench", "format": "txt", "kind": "text", "language": "en",
            "sha256_text": hashlib.sha256(text.encode()).hexdigest(), "words": len(text.split()),
            "attributes": {}, "turns": [], "units": {"sentence": [], "turn": [], "paragraph": []},
            "history": []}
    write_document(project.documents_dir, doc_id, text, meta)
    return Document(doc_id, text, meta)


def sentences(rng: random.Random, n: int) -> tuple[str, list[tuple[int, int]]]:
    parts, spans, pos = [], [], 0
    for _ in range(n):
        s = utterance(rng, rng.randint(8, 18))
        spans.append((pos, pos + len(s)))
        parts.append(s)
        pos += len(s) + 1
    return " ".join(parts), spans


def build(root: Path, n_codings: int, n_docs: int, seed: int = 3):
    from qcode.audit.ops import append_events
    from qcode.coding.plan import event_fields
    from qcode.project import init_project

    rng = random.Random(seed)
    project = init_project(root, coders=CODERS, codebook_text=V1)
    per_doc = max(1, n_codings // n_docs)
    batches: dict[str, list] = {c: [] for c in CODERS}
    docs = []
    for d in range(n_docs):
        text, spans = sentences(rng, per_doc + 10)
        doc = write_doc(project, f"doc{d:05d}", text)
        docs.append(doc)
        for i in range(per_doc):
            coder = CODERS[(d + i) % len(CODERS)]
            a, b = spans[i]
            batches[coder].append(event_fields(coder, "apply", doc, a, b, rng.choice(CODES), 1))
    for coder, batch in batches.items():
        append_events(project, coder, batch)
    return project, docs


def edit(rng: random.Random, text: str, share: float = 0.01) -> str:
    """About ``share`` of the words get a small edit: a typo, a word inserted or deleted."""
    chars = list(text)
    spaces = [i for i, ch in enumerate(chars) if ch == " "]
    for pos in sorted(rng.sample(spaces, max(1, int(len(spaces) * share))), reverse=True):
        kind = rng.choice(("typo", "insert", "delete"))
        if kind == "typo" and pos > 0:
            chars[pos - 1] = rng.choice("aeiou")
        elif kind == "insert":
            chars[pos:pos] = list(" um")
        else:
            del chars[pos:pos + 2]
    return "".join(chars)


def timed(fn, *args, **kwargs):
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--codings", type=int, default=100_000)
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--edited", type=int, default=200)
    parser.add_argument("--quick", action="store_true",
                        help="a small size, run by the test suite so the benchmark cannot rot")
    args = parser.parse_args()
    if args.quick:
        args.codings, args.docs, args.edited = 2_000, 40, 10

    from qcode.codings import replay
    from qcode.corpus import IngestResult
    from qcode.corpus.store import version_files
    from qcode.fileio import write_files
    from qcode.lemmas import lemma_pipeline
    from qcode.migrations import commit, plan_recode, reanchor_documents

    with tempfile.TemporaryDirectory() as tmp:
        t, (project, docs) = timed(build, Path(tmp) / "study", args.codings, args.docs)
        print(f"generated {args.codings:,} codings on {len(docs):,} documents in {t:.1f} s")
        reference = min(timed(replay, project)[0] for _ in range(3))
        print(f"reference: replay of the logs          {reference:7.2f} s")

        load, nlp = timed(lemma_pipeline, "en")  # loaded once, outside the timings
        nlp("Warm the lemma tables up before the clock starts.")
        v2 = Path(tmp) / "v2.yaml"
        v2.write_text(V2)
        plan_t, plan = timed(plan_recode, project, v2, actor="sigrid")
        write_t, _ = timed(commit, project, plan)
        after = min(timed(replay, project)[0] for _ in range(3))
        counts = plan.counts()
        recode_t = plan_t + write_t
        print(f"recode (plan + write), {len(plan.events):,} lines  {recode_t:7.2f} s  "
              f"{recode_t / reference:5.2f}x  ({', '.join(f'{n:,} {k}' for k, n in sorted(counts.items()))})")
        print(f"replay after the migration             {after:7.2f} s  {after / reference:5.2f}x")
        print(f"(lemma pipeline loaded beforehand in {load:.1f} s)")

        rng = random.Random(5)
        results = []
        for doc in rng.sample(docs, args.edited):
            write_files(version_files(project.documents_dir, doc)[1])  # keep the old text
            new = write_doc(project, doc.id, edit(rng, doc.text))
            results.append(IngestResult(doc.id, "updated", "bench", 0, 0, 0, doc.version))
            del new
        anchor_t, reports = timed(reanchor_documents, project, results, "sigrid")
        moved = {k: sum(getattr(r, k) for r in reports) for k in ("same", "moved", "fuzzy", "orphaned")}
        total = sum(moved.values())
        print(f"re-anchor {total:,} codings on {len(reports)} edited documents "
              f"{anchor_t:7.2f} s  {anchor_t / reference:5.2f}x  "
              f"({', '.join(f'{n:,} {k}' for k, n in moved.items())})")


if __name__ == "__main__":
    main()
