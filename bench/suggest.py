"""Suggestion throughput and the learned model's cost, each next to a reference
measured in the same run.

Generates a corpus (1,000,000 words by default, a Zipf-distributed vocabulary of
home-care words and made-up words) and a codebook of 10 codes x 20 keywords
(words and two-word phrases, about as many suggestions per 1,000 words as the
sample study gets), ingests it (not timed), then times:

- rule suggestions end to end (read documents, parse, match, build the queue),
  with an empty parse cache and again with a warm one, against spaCy's own
  ``nlp.pipe`` of the same pipeline followed by the same matchers and nothing
  else (targets: overhead at most 25%; warm at least 5x faster than cold). The
  best of a few runs counts, after a first run of each (printed) has warmed the
  vocabulary; runs share their jobs with a forked worker as ``qcode suggest``
  does (see qcode/workers.py), and the cold run is also timed on one process;
- ``textcat.v1`` training on 2,000 and 20,000 labelled units (10 labels), and
  its inference in words/s;
- peak RSS of a cold rule run over a fifth of the documents and over all of
  them, each in a fresh process, and of its worker (target: flat).

    python bench/suggest.py [--words 1000000] [--repeat 3] [--dir FOLDER]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import time
from itertools import accumulate
from pathlib import Path

HOME_CARE = (
    "visit visits nurse nurses team teams user users list lists car cars key keys medicine "
    "medicines doctor pharmacy plan plans planned planning meeting meetings morning evening "
    "shift shifts report reports colleague colleagues leader leaders leadership time minutes "
    "hurry stress stressed rota staff staffing absence absent sick leave overtime task tasks "
    "wound wounds shower showered dressing dressed breakfast dinner help helped helping call "
    "called calling phone rang coordinate coordinated coordinating coordination schedule "
    "scheduled trust trusted decide decided decision decisions freedom responsibility "
    "competence training trained course courses skill skills experience experienced "
    "relative relatives daughter son lonely conversation talk talked talking budget resource "
    "resources vacancy substitute temporary manager management assessment assessed"
).split()
FUNCTION = ("the a and to of in we she he it was is that for on with at but so then they "
            "her his not had have be there this when what one all about").split()
SYLLABLES = ("ka ro mi ten sa lo ve ri dun bel fo ga nis tor le pa su ran mo ki del "
             "va hu se ol an er in to").split()


def vocabulary(rng: random.Random, size: int = 20_000) -> list[str]:
    made: set[str] = set()
    while len(made) < size - len(HOME_CARE) - len(FUNCTION):
        made.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return [*FUNCTION, *HOME_CARE, *sorted(made)]


def zipf_weights(n: int) -> list[float]:
    return [1 / (rank + 1) ** 1.05 for rank in range(n)]


def sentence(rng: random.Random, vocab: list[str], cum: list[float]) -> str:
    words = rng.choices(vocab, cum_weights=cum, k=rng.randint(6, 24))
    return " ".join(words).capitalize() + rng.choice([".", ".", ".", "?"])


def write_corpus(folder: Path, total_words: int, words_per_doc: int = 2000,
                 seed: int = 1) -> tuple[list[Path], list[str], list[float]]:
    rng = random.Random(seed)
    vocab = vocabulary(rng)
    cum = list(accumulate(zipf_weights(len(vocab))))
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(max(1, total_words // words_per_doc)):
        turns, n, speaker = [], 0, 0
        while n < words_per_doc:
            turn = []
            for _ in range(rng.randint(1, 6)):
                turn.append(sentence(rng, vocab, cum))
            text = " ".join(turn)
            n += text.count(" ") + 1
            turns.append(f"{'I' if speaker % 2 == 0 else 'R'}: {text}")
            speaker += 1
        path = folder / f"doc-{i:04d}.txt"
        path.write_text("\n\n".join(turns) + "\n", encoding="utf-8")
        paths.append(path)
    return paths, vocab, cum


def codebook_text(vocab: list[str], seed: int = 2) -> str:
    """10 codes x 20 keywords: home-care words, made-up words of many frequencies,
    and two-word phrases (200 keywords). The frequencies are set so that the rules
    propose about as often per 1,000 words as the home-care codebook does on the
    sample study (about 24)."""
    rng = random.Random(seed)
    pool = [w for w in vocab[len(FUNCTION):] if w not in FUNCTION]
    lines = ["version: 1", "codes:"]
    used: set[str] = set()
    for c in range(10):
        keywords: list[str] = []
        while len(keywords) < 20:
            if len(keywords) % 4 == 3:  # a phrase of two fairly common words
                kw = f"{rng.choice(pool[:300])} {rng.choice(pool[:300])}"
            else:  # frequency ranks spread evenly on a log scale, 90 to 20,000
                kw = pool[min(int(90 * (20_000 / 90) ** rng.random()), len(pool) - 1)]
            if kw not in used:
                used.add(kw)
                keywords.append(kw)
        lines += [f"  - id: code{c}", f"    label: Code {c}", "    definition: generated",
                  "    keywords: [" + ", ".join(keywords) + "]"]
    return "\n".join(lines) + "\n"


def build(root: Path, words: int):
    from qcode.corpus.ingest import ingest
    from qcode.project import init_project

    paths, vocab, cum = write_corpus(root / "src", words)
    project = init_project(root / "study", codebook_text=codebook_text(vocab), unit="sentence")
    ingest(project, paths)
    return project, vocab, cum


def reference(project, codes) -> float:
    """spaCy's nlp.pipe of the same pipeline, then the same matchers, nothing else."""
    from qcode.corpus import list_documents
    from qcode.lemmas import lemma_pipeline
    from qcode.suggest.rules import Matchers

    nlp = lemma_pipeline("en")
    started = time.perf_counter()
    matchers = Matchers(nlp, codes, "codebook.yaml")
    texts = ((project.documents_dir / f"{d}.txt").read_text(encoding="utf-8")
             for d in list_documents(project))
    found = sum(len(matchers(doc)) for doc in nlp.pipe(texts, batch_size=16))
    assert found > 0
    return time.perf_counter() - started


def ours(project, *, cold: bool, workers: bool = True) -> tuple[float, int, float]:
    """(seconds, suggestions made, CPU seconds of this process and its worker)."""
    import os

    from _measure import cpu_seconds as _cpu

    from qcode.suggest import suggest

    if cold:
        shutil.rmtree(project.cache_dir, ignore_errors=True)
    os.environ["QCODE_WORKERS"] = "" if workers else "0"
    try:
        cpu, started = _cpu(), time.perf_counter()
        result = suggest(project, "bench", method="rules", keep=False)  # as the command line
        elapsed, cpu = time.perf_counter() - started, _cpu() - cpu
    finally:
        del os.environ["QCODE_WORKERS"]
    assert result.parsed == (result.documents if cold else 0), result
    return elapsed, result.made, cpu


def textcat_figures(vocab: list[str], cum: list[float], sizes: tuple[int, ...] = (2_000, 20_000)
                    ) -> list[str]:
    from qcode.suggest.base import Unit
    from qcode.suggest.examples import Example
    from qcode.suggest.textcat import Model, train

    rng = random.Random(3)
    labels = [f"code{i}" for i in range(10)]
    signals = {label: vocab[200 + 30 * i: 230 + 30 * i] for i, label in enumerate(labels)}

    def unit(i: int) -> Example:
        words = rng.choices(vocab, cum_weights=cum, k=rng.randint(6, 24))
        positives = {lab for lab in labels if rng.random() < 0.08}
        for lab in positives:
            words += rng.sample(signals[lab], 2)
        return Example("d", "v", Unit("sentence", i, 0, 1), tuple(words), frozenset(positives))

    out = []
    for n in sizes:
        examples = [unit(i) for i in range(n)]
        started = time.perf_counter()
        nlp = train(examples, labels)
        elapsed = time.perf_counter() - started
        out.append(f"textcat.v1 training, {n:,} units x 10 labels: {elapsed:6.1f} s "
                   f"({n / elapsed:,.0f} units/s)")
    model = Model(nlp, tuple(labels), {}, len(examples))
    words = sum(len(e.words) for e in examples)
    started = time.perf_counter()
    for i in range(0, len(examples), 1000):
        model.predict([e.words for e in examples[i:i + 1000]])
    elapsed = time.perf_counter() - started
    out.append(f"textcat.v1 inference: {words / elapsed:,.0f} words/s ({len(examples):,} units)")
    return out


def peak_rss_mb(project_root: Path, n_docs: int) -> tuple[float, float]:
    """(main process, worker) peak RSS of a cold rule run over ``n_docs`` documents."""
    out = subprocess.run([sys.executable, __file__, "--child", str(project_root), str(n_docs)],
                         check=True, capture_output=True, text=True)
    main, worker = json.loads(out.stdout)
    return float(main), float(worker)


def child(root: str, n_docs: int) -> None:
    from qcode.corpus import list_documents
    from qcode.project import find_project
    from qcode.suggest import suggest

    project = find_project(root)
    shutil.rmtree(project.cache_dir, ignore_errors=True)
    suggest(project, "bench", docs=list_documents(project)[:n_docs], method="rules", keep=False)
    print(json.dumps([resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    parser.add_argument("--dir", type=Path, default=None,
                        help="where to build the corpus and project (default: bench/out/, "
                             "a folder like a user's own; see bench/_measure.py)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true",
                        help="a small size, run by the test suite so the benchmark cannot rot")
    args = parser.parse_args()
    if args.quick:
        args.words, args.repeat = 5_000, 1
    if args.child:
        child(args.child[0], int(args.child[1]))
        return
    from _measure import describe_folder, work_folder

    from qcode.codebook import load_codebook
    from qcode.corpus import list_documents
    from qcode.lemmas import lemma_pipeline

    root = work_folder(args.dir, "qcode-bench-suggest-")
    print(describe_folder(root))
    project, vocab, cum = build(root, args.words)
    docs = list_documents(project)
    words = sum(len((project.documents_dir / f"{d}.txt").read_text().split()) for d in docs)
    codes = load_codebook(project.codebook_path).codes
    lemma_pipeline("en")  # load once, outside every timing
    first_ref = reference(project, codes)  # the first run of each in this process: vocabulary,
    first_cold = ours(project, cold=True)[0]  # lexemes and code paths warm up (shown, not used)
    ref = min(reference(project, codes) for _ in range(args.repeat))
    cold_runs = [ours(project, cold=True) for _ in range(args.repeat)]
    cold, made, cold_cpu = min(cold_runs)
    warm = min(ours(project, cold=False)[0] for _ in range(args.repeat))
    one = min(ours(project, cold=True, workers=False) for _ in range(args.repeat))
    print(f"corpus: {len(docs)} documents, {words:,} words; {sum(len(c.keywords) for c in codes)} "
          f"keywords in {len(codes)} codes; {made:,} suggestions "
          f"({1000 * made / words:.0f} per 1,000 words; the sample study: about 24); "
          f"best of {args.repeat} runs")
    print(f"spaCy nlp.pipe + matchers (reference): {words / ref:12,.0f} words/s  ({ref:.2f} s)")
    print(f"qcode suggest --method rules, cold:    {words / cold:12,.0f} words/s  ({cold:.2f} s, "
          f"CPU {cold_cpu:.2f} s with the worker)")
    print(f"qcode suggest --method rules, warm:    {words / warm:12,.0f} words/s  ({warm:.2f} s)")
    print(f"  cold on one process:                 {words / one[0]:12,.0f} words/s  ({one[0]:.2f} s)")
    print(f"  first runs in this process: reference {first_ref:.2f} s, cold {first_cold:.2f} s")
    print(f"overhead of the cold run over the reference: {100 * (cold / ref - 1):+.0f}% "
          f"(target <= +25%); on one process {100 * (one[0] / ref - 1):+.0f}%")
    print(f"warm cache speed-up over cold: {cold / warm:.1f}x (target >= 5x)")
    for line in textcat_figures(vocab, cum, (200, 1_000) if args.quick else (2_000, 20_000)):
        print(line)
    (fifth, fifth_w), (full, full_w) = (peak_rss_mb(project.root, len(docs) // 5),
                                        peak_rss_mb(project.root, len(docs)))
    print(f"peak RSS of a cold run: {fifth:.0f} MB for {len(docs) // 5} documents, {full:.0f} MB "
          f"for {len(docs)} (ratio {full / fifth:.2f}; flat means streaming); worker "
          f"{fifth_w:.0f} MB and {full_w:.0f} MB")
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
