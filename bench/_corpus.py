"""Generated transcripts for benchmarks (deterministic, original filler text)."""

from __future__ import annotations

import random
from pathlib import Path

_WORDS = (
    "the team planned visits and the nurse called the doctor about medicine while the "
    "assistant drove to the next user who waited for help with breakfast because the list "
    "was long and time was short so we shared keys and changed the plan after the meeting "
    "when a colleague was ill and nobody from the leadership answered the phone today"
).split()


def utterance(rng: random.Random, n_words: int) -> str:
    sentences, left = [], n_words
    while left > 0:
        k = min(left, rng.randint(6, 22))
        words = [rng.choice(_WORDS) for _ in range(k)]
        sentences.append(" ".join(words).capitalize() + rng.choice([".", ".", ".", "?"]))
        left -= k
    return " ".join(sentences)


def transcript(rng: random.Random, n_words: int) -> str:
    lines, total, t = [], 0, 0
    while total < n_words:
        speaker = "Interviewer" if len(lines) % 2 == 0 else "Kari"
        k = rng.randint(8, 30) if speaker == "Interviewer" else rng.randint(40, 160)
        t += rng.randint(5, 60)
        stamp = f"{t // 3600:02d}:{t // 60 % 60:02d}:{t % 60:02d}"
        lines.append(f"[{stamp}] {speaker}: {utterance(rng, k)}")
        total += k
    return "\n\n".join(lines) + "\n"


def write_corpus(folder: Path, total_words: int, words_per_doc: int = 5000, seed: int = 1) -> list[Path]:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(max(1, total_words // words_per_doc)):
        path = folder / f"interview-{i:04d}.txt"
        path.write_text(transcript(rng, words_per_doc), encoding="utf-8")
        paths.append(path)
    return paths
