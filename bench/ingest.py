"""Ingestion throughput against spaCy's own nlp.pipe, measured in the same run.

Generates a corpus of transcripts (1,000,000 words by default), ingests it into
a fresh project with sentence units, and times spaCy's ``nlp.pipe`` over the
same texts with the same pipeline (blank + sentencizer). The pipeline is loaded
and its vocabulary warmed on the corpus once, untimed; then the reference and
ingest alternate for a few rounds and the best time of each counts. Prints
words/second and our overhead (target: at most 25%), for ingest as it runs by
default (a forked worker shares the jobs on a machine with two or more CPUs,
see qcode/workers.py) and on one process (QCODE_WORKERS=0), with the CPU time
each used. Memory: the peak RSS of ingesting half the corpus and the whole
corpus, each in a fresh process, for the main process and the worker
(target: flat).

The corpus and projects are built under bench/out/ unless --dir names another
folder; the first line says what creating files costs there and in the system's
temporary folder, which on a much-used machine can be far slower.

    python bench/ingest.py [--words 1000000] [--rounds 3] [--dir FOLDER]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _corpus import write_corpus  # noqa: E402
from _measure import cpu_seconds as _cpu  # noqa: E402
from _measure import describe_folder, work_folder  # noqa: E402


def run_ours(paths: list[Path], root: Path, workers: bool) -> tuple[float, float]:
    from qcode.corpus.ingest import ingest
    from qcode.project import init_project

    project = init_project(Path(tempfile.mkdtemp(dir=root)) / "study")
    os.environ["QCODE_WORKERS"] = "" if workers else "0"
    try:
        cpu, started = _cpu(), time.perf_counter()
        ingest(project, paths)
        return time.perf_counter() - started, _cpu() - cpu
    finally:
        del os.environ["QCODE_WORKERS"]


def run_spacy(paths: list[Path]) -> tuple[float, float]:
    from qcode.nlp import sentence_pipeline

    nlp = sentence_pipeline("en")
    cpu, started = _cpu(), time.perf_counter()
    texts = (p.read_text(encoding="utf-8") for p in paths)
    n = sum(len(doc) for doc in nlp.pipe(texts, batch_size=64))  # consume, nothing more
    assert n > 0
    return time.perf_counter() - started, _cpu() - cpu


def peak_rss_mb(words: int, where: Path) -> tuple[float, float]:
    """(main process, worker) peak RSS of ingesting ``words`` words in a fresh process."""
    code = (
        "import sys, json, resource, tempfile; from pathlib import Path\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})\n"
        "from _corpus import write_corpus\n"
        "from qcode.corpus.ingest import ingest\nfrom qcode.project import init_project\n"
        f"root = Path(tempfile.mkdtemp(dir={str(where)!r}))\n"
        f"paths = write_corpus(root / 'src', {words})\n"
        "ingest(init_project(root / 'study'), paths)\n"
        "import shutil; shutil.rmtree(root)\n"
        "main = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(json.dumps([main, worker]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    main, worker = json.loads(out.stdout)
    return float(main), float(worker)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=None,
                        help="where to build the corpus and projects (default: bench/out/, "
                             "a folder like a user's own; see bench/_measure.py)")
    parser.add_argument("--quick", action="store_true",
                        help="a small size, run by the test suite so the benchmark cannot rot")
    args = parser.parse_args()
    if args.quick:
        args.words, args.rounds = 20_000, 1
    root = work_folder(args.dir, "qcode-bench-ingest-")
    print(describe_folder(root))
    paths = write_corpus(root / "src", args.words)
    words = sum(len(p.read_text(encoding="utf-8").split()) for p in paths)
    run_spacy(paths)  # load the pipeline and warm its vocabulary, untimed
    ref, shared, single = [], [], []
    for _ in range(args.rounds):
        ref.append(run_spacy(paths))
        shared.append(run_ours(paths, root, workers=True))
        single.append(run_ours(paths, root, workers=False))
    (t_ref, c_ref), (t_ours, c_ours), (t_one, c_one) = min(ref), min(shared), min(single)
    print(f"corpus: {len(paths)} transcripts, {words:,} words; best of {args.rounds} rounds")
    for label, t, c in (
        ("spaCy nlp.pipe (blank en + sentencizer)", t_ref, c_ref),
        ("qcode ingest, default", t_ours, c_ours),
        ("qcode ingest, one process", t_one, c_one),
    ):
        print(f"{label + ':':42s}{words / t:10,.0f} words/s  ({t:.2f} s, CPU {c:.2f} s)")
    print(f"overhead over spaCy: {100 * (t_ours / t_ref - 1):+.0f}% (target <= +25%); "
          f"on one process {100 * (t_one / t_ref - 1):+.0f}%")
    shutil.rmtree(root, ignore_errors=True)
    half, half_w = peak_rss_mb(args.words // 2, root.parent)
    full, full_w = peak_rss_mb(args.words, root.parent)
    print(f"peak RSS: {half:.0f} MB for half the corpus, {full:.0f} MB for all of it "
          f"(ratio {full / half:.2f}; flat means streaming); worker {half_w:.0f} MB and {full_w:.0f} MB")


if __name__ == "__main__":
    main()
