"""Suggestion quality and cost: qcode's best learner next to the standard baseline.

For each coder and unit kind, ``qcode suggest evaluate`` is run with several fold
seeds (repeated grouped cross-validation: whole documents in each fold, a
different split per seed): linear.v3 (the default learner), linear.v2 (the one
before it), the TF-IDF + logistic-regression baseline (word 1-2-grams,
one-vs-rest, balanced class weights, threshold 0.5) and the majority baseline,
all on the same units and the same folds in the same run.
Printed: macro-F1 and micro-F1 as mean and standard deviation over the seeds,
and the seconds each learner took (fitting, thresholds and prediction), wall and
CPU time of this process, as ratios to the baseline's (on a shared machine the
CPU ratio is the steadier one).

Then the cost on a generated corpus of 2,000 units x 20 codes x 5 folds, and the
training that ``qcode suggest`` does (all decisions, thresholds included) against
fitting the baseline on the same units.

    python bench/suggest_quality.py                      # the sample study
    python bench/suggest_quality.py --project DIR --coder NAME [--coder NAME]
    python bench/suggest_quality.py --repeats 5 --units sentence,paragraph

The sample study is invented text; its figures say the method runs and how it
compares on that text, not how it does on real coding.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import work_folder  # noqa: E402

LEARNER = "linear.v3"  # the default of `qcode suggest --method model`
PREVIOUS = "linear.v2"  # the default before it, for comparison in the same run


def spread(values: list[float]) -> str:
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.3f} ± {sd:.3f}"


def quality(project, coder: str, unit: str, repeats: int, folds: int) -> None:
    from qcode.suggest.evaluate import evaluate

    methods = (LEARNER, PREVIOUS, "tfidf-lr", "majority")
    macro: dict[str, list[float]] = {m: [] for m in methods}
    micro: dict[str, list[float]] = {m: [] for m in methods}
    seconds: dict[str, float] = dict.fromkeys(methods, 0.0)
    cpu: dict[str, float] = dict.fromkeys(methods, 0.0)
    units = 0
    for seed in range(repeats):
        ev = evaluate(project, coder, folds=folds, unit=unit, seed=seed,
                      methods=[LEARNER, PREVIOUS])
        units = ev.units
        for m in methods:
            macro[m].append(ev.macro_f1(m))
            micro[m].append(ev.micro(m).f1)
            seconds[m] += ev.seconds[m]
            cpu[m] += ev.cpu[m]
    print(f"\n{coder}, {unit} units ({units}), {folds} folds x {repeats} seeds")
    print(f"  {'method':<10} {'macro-F1 mean ± sd':>20} {'micro-F1 mean ± sd':>20} {'seconds':>8}"
          f" {'CPU s':>7}")
    for m in methods:
        print(f"  {m:<10} {spread(macro[m]):>20} {spread(micro[m]):>20} {seconds[m]:8.1f}"
              f" {cpu[m]:7.1f}")
    for m in (LEARNER, PREVIOUS):
        wins = sum(a >= b for a, b in zip(macro[m], macro["tfidf-lr"], strict=True))
        print(f"  {m} macro-F1 minus baseline's: "
              f"{statistics.mean(macro[m]) - statistics.mean(macro['tfidf-lr']):+.3f} "
              f"(at least the baseline's in {wins} of {repeats} runs); time ratio to the "
              f"baseline {seconds[m] / max(seconds['tfidf-lr'], 1e-9):.2f} (wall), "
              f"{cpu[m] / max(cpu['tfidf-lr'], 1e-9):.2f} (CPU)")


WORDS = [f"w{i:03d}" for i in range(600)]


def generated_project(root: Path, n_docs: int = 40, per_doc: int = 50, n_codes: int = 20):
    """2,000 sentence units and 20 codes, each signalled (noisily) by its own words."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from suggest_support import code_units, make_project

    rng = random.Random(11)
    signal = {f"c{c:02d}": WORDS[c * 10:(c + 1) * 10] for c in range(n_codes)}
    codebook = "version: 1\ncodes:\n" + "".join(
        f"  - id: {c}\n    label: Code {c}\n    keywords: [{words[0]}]\n" for c, words in signal.items())
    docs, truth = {}, []
    for d in range(n_docs):
        sentences = []
        for n in range(1, per_doc + 1):
            codes = [c for c in signal if rng.random() < 0.06]
            words = [rng.choice(WORDS[200:]) for _ in range(rng.randint(6, 14))]
            for c in codes:
                words.insert(rng.randrange(len(words)), rng.choice(signal[c]))
                if rng.random() < 0.8:
                    truth.append((f"g{d:02d}", c, n))
            if rng.random() < 0.05:  # noise: a code without its words
                truth.append((f"g{d:02d}", rng.choice(list(signal)), n))
            sentences.append(" ".join(words).capitalize() + ".")
        docs[f"g{d:02d}"] = " ".join(sentences) + "\n"
    project = make_project(root, docs, codebook=codebook)
    code_units(project, "anna", sorted(set(truth)))
    return project


def cost(root: Path) -> None:
    from qcode.suggest.baseline import fit_tfidf
    from qcode.suggest.evaluate import evaluate

    project = generated_project(root / "generated")
    evaluate(project, "anna", folds=5, methods=[LEARNER])  # warm the parse cache
    ev = evaluate(project, "anna", folds=5, methods=[LEARNER, PREVIOUS])
    print(f"\nCost: generated corpus, {ev.units} units x {len(ev.codes)} codes x 5 folds")
    base, base_cpu = ev.seconds["tfidf-lr"], ev.cpu["tfidf-lr"]
    for m in ev.methods:
        print(f"  {m:<10} {ev.seconds[m]:7.2f} s  ({ev.seconds[m] / base:.2f} x tfidf-lr)"
              f"  CPU {ev.cpu[m]:7.2f} s ({ev.cpu[m] / base_cpu:.2f} x)  macro-F1 {ev.macro_f1(m):.3f}")
    wall, cpu = training(project, fit_tfidf)
    print(f"  training for `qcode suggest` on all {ev.units} units: {LEARNER} "
          f"{wall[0]:.2f} s, tfidf-lr {wall[1]:.2f} s ({wall[0] / wall[1]:.2f} x); "
          f"CPU {cpu[0]:.2f} s, {cpu[1]:.2f} s ({cpu[0] / cpu[1]:.2f} x)")


def training(project, fit_tfidf) -> tuple[tuple[float, float], tuple[float, float]]:
    """Wall and CPU seconds of fitting the learner, then the baseline, on every unit."""
    from qcode.codebook import load_codebook
    from qcode.suggest import REGISTRY
    from qcode.suggest.examples import build_examples, decisions
    from qcode.suggest.features import DefinitionIndex, codebook_examples
    from qcode.suggest.parse import ParseCache, project_languages
    from qcode.suggest.rules import RULES

    codebook = load_codebook(project.codebook_path)
    cache = ParseCache(project)
    plain = build_examples(project, cache, decisions(project, "anna"))
    rules = RULES(codebook, None, languages=project_languages(project), project=project)
    examples = codebook_examples(project, cache, plain, rules, DefinitionIndex(codebook.active()))
    ids = [c.id for c in codebook.active()]
    marks = [(time.perf_counter(), time.process_time())]
    REGISTRY[LEARNER].fit(examples, ids)
    marks.append((time.perf_counter(), time.process_time()))
    fit_tfidf(examples, ids)
    marks.append((time.perf_counter(), time.process_time()))
    (w0, c0), (w1, c1), (w2, c2) = marks
    return (w1 - w0, w2 - w1), (c1 - c0, c2 - c1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, help="a project (default: the sample study)")
    parser.add_argument("--coder", action="append", help="coder(s) to evaluate against")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--units", default="sentence,paragraph")
    parser.add_argument("--dir", type=Path, help="where to build the projects")
    parser.add_argument("--no-cost", action="store_true", help="skip the generated corpus")
    parser.add_argument("--quick", action="store_true",
                        help="one seed, one coder, sentence units, no generated corpus (a smoke run)")
    args = parser.parse_args()
    if args.quick:
        args.repeats, args.units, args.no_cost = 1, "sentence", True
    root = work_folder(args.dir, "qcode-bench-quality-")
    if args.project is not None:
        from qcode.project import open_project

        project, coders = open_project(args.project), args.coder or []
        where = str(args.project)
    else:
        from qcode.demo import init_sample
        from qcode.sample import SAMPLE_CODERS

        project, coders = init_sample(root / "sample"), args.coder or list(SAMPLE_CODERS)
        if args.quick:
            coders = coders[:1]
        where = "the sample study (invented text)"
    print(f"Suggestion quality on {where}: {LEARNER} and {PREVIOUS} against tfidf-lr "
          "and majority")
    for coder in coders:
        for unit in args.units.split(","):
            quality(project, coder, unit.strip(), args.repeats, args.folds)
    if not args.no_cost:
        cost(root)


if __name__ == "__main__":
    main()
