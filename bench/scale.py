"""A big project, built with qcode's own bulk loader, and what a user runs on it.

The project of the scale issue at ``--size 1``: 50 coders x 20,000 decisions (a
million log lines), 5,000 documents of 2,000 words, each with a ``team``
attribute. ``--size S`` scales the documents and the decisions per coder by S
(the coders stay 50). Documents are written with their sentence units as ingest
stores them; decisions go straight into each coder's log through the audit
library's batch append (``append_events``), as ``apply --from`` does: about 90%
applies, 5% removals of an earlier coding, 5% memos.

The reference is a full replay of the same logs: "cold" without ``.qcode/`` (every
log's chain is checked once, as any first command on a fresh clone does; the first
build of the index is compared with it) and warm (those checks cached).
Each command runs as a whole process (``qcode ...``; the best CPU time of the runs,
user + system of the process and its children, and the peak resident memory),
next to a full replay of the same logs in the same
run (``python -c 'qcode.codings.replay(...)'``, also a whole process). The index
in ``.qcode/`` is first built by ``codings --doc`` (the "first build" row), then
every command runs on the warm index (and ``codings --doc`` once more without it,
``QCODE_INDEX=0``). CPU time rather than wall time: on the shared 2-core machine
this was written on, wall time measured the other jobs as much as qcode. The
commands with the one-second target are also timed by the clock (the best of
the runs), which is what a person waits for: the logs are hashed on every CPU, so
their CPU time is above it. At three sizes, the growth factor of each command is
printed beside the growth of the data.

With ``--qc DIR`` (a venv holding qualitative-coding 1.7.8; ``--qc auto`` makes
one in bench/out/) the same texts and codings are loaded into a qc project and
``qc codes crosstab`` is timed beside ``qcode cooccur --unit doc``.

    python bench/scale.py [--sizes 0.01,0.03,0.1] [--runs 2] [--qc auto]
    python bench/scale.py --quick      (one tiny size, one run: what the test runs)
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _corpus import utterance  # noqa: E402
from _measure import process, work_folder  # noqa: E402

CODERS = tuple(f"coder{i:02d}" for i in range(50))
CODES = ("coordination", "autonomy", "collaboration", "professionalism", "competency",
         "time-resources", "service-users", "leadership", "tasks", "personnel")
TEAMS = ("north", "south", "east", "west")
CODEBOOK = "version: 1\ncodes:\n" + "".join(
    f"  - {{id: {c}, label: {c.title()}, definition: d}}\n" for c in CODES)
REPLAY = ("import sys; from pathlib import Path; from qcode.codings import replay; "
          "from qcode.project import open_project; replay(open_project(Path(sys.argv[1])))")


def document_text(rng: random.Random, words: int) -> tuple[str, list[tuple[int, int]]]:
    parts, spans, pos, count = [], [], 0, 0
    while count < words:
        s = utterance(rng, rng.randint(8, 24))
        spans.append((pos, pos + len(s)))
        parts.append(s)
        pos += len(s) + 1
        count += len(s.split())
    return "\n".join(parts), spans  # one sentence a line, as qc counts lines


def write_doc(project, doc_id: str, text: str, spans, team: str):
    from qcode.corpus.store import Document, write_document

    whole = [(0, len(text))]
    meta = {"id": doc_id, "source": "bench", "format": "txt", "kind": "text", "language": "en",
            "sha256_text": hashlib.sha256(text.encode()).hexdigest(), "words": len(text.split()),
            "attributes": {"team": team}, "turns": [],
            "units": {"sentence": spans, "turn": whole, "paragraph": whole}, "history": []}
    write_document(project.documents_dir, doc_id, text, meta)
    return Document(doc_id, text, meta)


def build(root: Path, size: float, seed: int = 7):
    """The project at ``size``; returns it and (documents, log lines)."""
    from qcode.audit.ops import append_events
    from qcode.coding.plan import event_fields
    from qcode.project import init_project

    rng = random.Random(seed)
    project = init_project(root, coders=CODERS, codebook_text=CODEBOOK)
    n_docs, per_coder = max(4, round(5000 * size)), max(20, round(20000 * size))
    docs = []
    for d in range(n_docs):
        text, spans = document_text(rng, 2000)
        docs.append((write_doc(project, f"doc{d:05d}", text, spans, TEAMS[d % 4]), spans))
    lines = 0
    for c, coder in enumerate(CODERS):
        batch, made = [], []
        mine = [docs[(c * 7 + k) % n_docs] for k in range(max(2, n_docs // 10))]
        for i in range(per_coder):
            doc, spans = rng.choice(mine)
            a, b = rng.choice(spans)
            roll = rng.random()
            if roll < 0.05 and made:
                d2, a2, b2, code = made.pop(rng.randrange(len(made)))
                batch.append(event_fields(coder, "remove", d2, a2, b2, code, 1))
            elif roll < 0.10:
                batch.append(event_fields(coder, "memo", doc, a, b, None, 1,
                                          memo=f"note {i} on this passage"))
            else:
                code = rng.choice(CODES)
                batch.append(event_fields(coder, "apply", doc, a, b, code, 1))
                made.append((doc, a, b, code))
        append_events(project, coder, batch)
        lines += len(batch)
    return project, n_docs, lines


# what the issue wants under a second on a warm index
INSTANT = ("codings --doc", "show DOC -c A -c B", "code DOC --plain (open)", "docs",
           "audit show | head")


def commands(project, qcode: str) -> list[tuple[str, list[str], str | None]]:
    """``(name, command, stdin)`` of what a user runs, on the first document and coder."""
    doc, a, b = "doc00000", CODERS[0], CODERS[1]
    root = str(project.root)
    p = ["--project", root]
    return [
        ("codings --doc", [qcode, "codings", "--doc", doc, "--coder", a, *p], None),
        ("show DOC -c A -c B", [qcode, "show", doc, "-c", a, "-c", b, "--no-pager", *p], None),
        ("code DOC --plain (open)", [qcode, "code", doc, "--plain", "--coder", a,
                                     "--suggest", "off", *p], "quit\n"),
        ("docs", [qcode, "docs", *p], None),
        ("audit show | head", ["bash", "-c", f"{qcode} audit show --coder {a} --project "
                               f"{root} | head -20"], None),
        ("audit stats", [qcode, "audit", "stats", *p], None),
        ("agree", [qcode, "agree", *p], None),
        ("agree --ci bca", [qcode, "agree", "--ci", "bca", *p], None),
        ("cooccur", [qcode, "cooccur", *p], None),
        ("crosstab --by team", [qcode, "crosstab", "--by", "team", *p], None),
        ("apply (one decision)", [qcode, "apply", doc, "coordination", "--span", "0:5",
                                  "--coder", CODERS[-1], *p], None),
    ]


def measure(size: float, folder: Path, runs: int,
            qc_python: Path | None = None) -> dict[str, tuple[float, float]]:
    qcode = str(Path(sys.executable).with_name("qcode"))
    started = time.perf_counter()
    project, n_docs, lines = build(folder / f"size-{size}", size)
    built = time.perf_counter() - started
    logs = sum(p.stat().st_size for p in project.audit_dir.glob("*.log")) / 1e6
    print(f"\nsize {size}: {n_docs:,} documents, {lines:,} log lines ({logs:.0f} MB of logs), "
          f"built in {built:.0f} s")
    env = dict(os.environ, QCODE_INDEX="0")
    out: dict[str, tuple[float, float]] = {}
    replay = [sys.executable, "-c", REPLAY, str(project.root)]
    out["full replay, cold"] = min(cold(project, replay) for _ in range(runs))
    out["full replay (reference)"] = process(replay, runs, cpu=True)
    out["first build of the index"] = cold(project, commands(project, qcode)[0][1])
    walls = {}
    for name, command, stdin in commands(project, qcode):
        out[name] = process(command, runs, stdin=stdin, cpu=True)
        if name in INSTANT:
            walls[name] = process(command, runs, stdin=stdin)[0]
    without = process(commands(project, qcode)[0][1], 1, env=env, cpu=True)
    out["codings --doc, no index"] = without
    ref = out["full replay (reference)"][0]
    for name, (t, mb) in out.items():
        wall = f"  (wall {walls[name]:.2f} s)" if name in walls else ""
        print(f"  {name:<26} {t:7.2f} s {t / ref:6.2f}x replay  {mb:6.0f} MB{wall}")
    first, cold_replay = out["first build of the index"][0], out["full replay, cold"][0]
    print(f"  first build of the index: {first / cold_replay:.2f}x a cold full replay (both "
          "start without .qcode/, so both check every log's chain once)")
    out["_lines"] = (float(lines), logs)
    if qc_python is not None:
        qc_comparison(project, size, qc_python, folder, runs)
    return out


def cold(project, command: list[str]) -> tuple[float, float]:
    """One run of ``command`` with no ``.qcode/`` (no index, no cached log checks)."""
    shutil.rmtree(project.cache_dir, ignore_errors=True)
    return process(command, 1, cpu=True)


def compiled() -> None:
    """Compile qcode's bytecode first, as installing a wheel does: an editable install
    run with PYTHONDONTWRITEBYTECODE would compile every module again on every start
    (about 0.3 s of CPU), which no installed qcode pays."""
    import qcode

    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(qcode.__file__).parent)],
                   check=True)


def qc_spec(project, size: float, folder: Path) -> tuple[Path, int, int]:
    """The texts and live codings of ``project`` (sentence k = line k - 1) as the spec
    ``_qc_build.py`` reads; returns it with its numbers of documents and coded lines."""
    import json

    from qcode.codings import replay
    from qcode.corpus import list_documents, load_document

    docs, spec_codings, by_doc = {}, [], {}
    for c in replay(project).codings:
        by_doc.setdefault(c.doc, []).append(c)
    for doc_id in list_documents(project):
        doc = load_document(project, doc_id)
        docs[doc_id] = doc.text
        line = {a: k for k, (a, _) in enumerate(doc.units("sentence"))}
        spec_codings += [[c.coder, doc_id, line[c.start], c.code] for c in by_doc.get(doc_id, ())]
    spec = folder / f"qc-spec-{size}.json"
    spec.write_text(json.dumps({"docs": docs, "codings": spec_codings}))
    return spec, len(docs), len(spec_codings)


def qc_comparison(project, size: float, qc_python: Path, folder: Path, runs: int) -> None:
    """The same texts and live codings in a qc project (``_qc_build.py``: documents through
    qc's corpus API, coded lines as its API writes them, in bulk); ``qc codes crosstab``
    and ``qcode cooccur`` over one coder's lines, as whole processes."""
    spec, n_docs, n_lines = qc_spec(project, size, folder)
    target = folder / f"qc-{size}"
    started = time.perf_counter()
    subprocess.run([str(qc_python), str(Path(__file__).with_name("_qc_build.py")), str(target),
                    str(spec)], check=True)
    print(f"  qc project: {n_docs:,} documents, {n_lines:,} coded lines, built in "
          f"{time.perf_counter() - started:.0f} s")
    qc = str(qc_python.with_name("qc"))
    coder = CODERS[0]
    theirs = process(["bash", "-c", f"cd {target} && {qc} codes crosstab -c {coder} -n line"],
                     runs, cpu=True)
    qcode = str(Path(sys.executable).with_name("qcode"))
    ours = process([qcode, "cooccur", "--unit", "sentence", "--coder", coder, "--project",
                    str(project.root)], runs, cpu=True)
    print(f"  qc codes crosstab -c X -n line   {theirs[0]:7.2f} s  {theirs[1]:6.0f} MB")
    print(f"  qcode cooccur --unit sentence -c X {ours[0]:5.2f} s  {ours[1]:6.0f} MB  "
          f"({ours[0] / theirs[0]:.2f}x qc's time, {ours[1] / theirs[1]:.2f}x its memory)")


def growth(results: list[tuple[float, dict[str, tuple[float, float]]]]) -> None:
    (s0, first), (s1, last) = results[0], results[-1]
    data = last["_lines"][0] / first["_lines"][0]
    print(f"\ngrowth from size {s0} to {s1}: the logs grew {data:.1f}x")
    for name in first:
        if name.startswith("_"):
            continue
        t = last[name][0] / first[name][0]
        m = last[name][1] / first[name][1]
        print(f"  {name:<26} time {t:5.1f}x  memory {m:5.1f}x")


def qc_venv(where: str) -> Path:
    """The Python of a venv holding qc 1.7.8 (``auto``: made in bench/out/qc-venv once)."""
    venv = Path(__file__).resolve().parent / "out" / "qc-venv" if where == "auto" else Path(where)
    python = venv / "bin" / "python"
    if not (venv / "bin" / "qc").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "qualitative-coding==1.7.8"],
                       check=True)
    return python


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="0.01,0.03,0.1")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the built projects")
    parser.add_argument("--qc", default=None, help="a venv with qualitative-coding 1.7.8, or "
                        "auto to make one in bench/out/qc-venv")
    args = parser.parse_args()
    sizes = [0.002] if args.quick else [float(s) for s in args.sizes.split(",")]
    runs = 1 if args.quick else args.runs
    folder = work_folder(args.dir, "qcode-scale-")
    compiled()
    try:
        qc_python = qc_venv(args.qc) if args.qc else None
        results = [(size, measure(size, folder, runs, qc_python)) for size in sizes]
        if len(results) > 1:
            growth(results)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
