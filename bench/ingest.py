"""Ingestion throughput against spaCy's own nlp.pipe, measured in the same run.

Generates a corpus of transcripts (1,000,000 words by default), ingests it into
a fresh project with sentence units, and times spaCy's ``nlp.pipe`` over the
same texts with the same pipeline (blank + sentencizer). Prints words/second of
each and our overhead (target: at most 25%). Memory: the peak RSS of ingesting
half the corpus and the whole corpus, each in a fresh process (target: flat).

    python bench/ingest.py [--words 1000000]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _corpus import write_corpus  # noqa: E402


def run_ours(paths: list[Path], root: Path) -> float:
    from qcode.corpus import ingest
    from qcode.nlp import sentence_pipeline
    from qcode.project import init_project

    sentence_pipeline("en")  # load once, outside the timing, as for the reference
    project = init_project(root / "study")
    started = time.perf_counter()
    ingest(project, paths)
    return time.perf_counter() - started


def run_spacy(paths: list[Path]) -> float:
    from qcode.nlp import sentence_pipeline

    nlp = sentence_pipeline("en")
    started = time.perf_counter()
    texts = (p.read_text(encoding="utf-8") for p in paths)
    n = sum(len(doc) for doc in nlp.pipe(texts, batch_size=64))  # consume, nothing more
    assert n > 0
    return time.perf_counter() - started


def peak_rss_mb(words: int) -> float:
    code = (
        "import sys, json, resource, tempfile; from pathlib import Path\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})\n"
        "from _corpus import write_corpus\n"
        "from qcode.corpus import ingest\nfrom qcode.project import init_project\n"
        "root = Path(tempfile.mkdtemp())\n"
        f"paths = write_corpus(root / 'src', {words})\n"
        "ingest(init_project(root / 'study'), paths)\n"
        "print(json.dumps(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return float(json.loads(out.stdout))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--words", type=int, default=1_000_000)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="qcode-bench-ingest-"))
    paths = write_corpus(root / "src", args.words)
    words = sum(len(p.read_text(encoding="utf-8").split()) for p in paths)
    ref = run_spacy(paths)
    ours = run_ours(paths, root)
    print(f"corpus: {len(paths)} transcripts, {words:,} words")
    print(f"spaCy nlp.pipe (blank en + sentencizer): {words / ref:12,.0f} words/s  ({ref:.2f} s)")
    print(f"qcode ingest (sentence/turn/paragraph):  {words / ours:12,.0f} words/s  ({ours:.2f} s)")
    print(f"overhead over spaCy: {100 * (ours / ref - 1):+.0f}% (target <= +25%)")
    half, full = peak_rss_mb(args.words // 2), peak_rss_mb(args.words)
    print(f"peak RSS: {half:.0f} MB for half the corpus, {full:.0f} MB for all of it "
          f"(ratio {full / half:.2f}; flat means streaming)")
    _ = resource


if __name__ == "__main__":
    main()
