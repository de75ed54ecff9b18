"""Checking a 20,000-code codebook (qcode codebook check), against PyYAML's C loader
reading the same text (no checks, no line numbers), measured in the same run."""

from __future__ import annotations

import sys
import time

import yaml

from qcode.codebook import parse_codebook


def codebook_text(n: int) -> str:
    lines = ["version: 1", "name: Many codes", "codes:"]
    for i in range(n):
        lines += [f"  - id: code-{i}", f"    label: Code number {i}",
                  f"    definition: What the code numbered {i} is about, in a sentence.",
                  "    keywords: [list, rota]"]
    return "\n".join(lines) + "\n"


def best(fn, rounds: int = 3) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    n = 500 if "--quick" in sys.argv[1:] else 20_000  # --quick: a smoke run for the tests
    text = codebook_text(n)
    reference = best(lambda: yaml.load(text, Loader=yaml.CSafeLoader))
    checked = best(lambda: parse_codebook(text, "codebook.yaml"))
    codebook, problems = parse_codebook(text, "codebook.yaml")
    assert codebook is not None and len(codebook.codes) == n and not problems
    print(f"{n:,} codes: PyYAML C loader {reference:.2f} s; qcode check {checked:.2f} s "
          f"({checked / reference:.1f}x the bare load)")


if __name__ == "__main__":
    main()
