"""spaCy-level checks of a codebook's ``patterns`` (for ``qcode codebook check``).

The codebook model checks the shape of each pattern; this compiles every one with
spaCy's own validating ``Matcher``, so a value of the wrong type, a bad operator or
an unknown extension attribute is an error at ``codebook check`` with its
file:line, not a crash when suggestions run.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .. import yamlio
from ..codebook import Problem
from ..errors import InputError

KNOWN_EXTENSIONS = ("qcode_stem",)


def pattern_problems(path: Path | str, known: list[Problem] | None = None) -> list[Problem]:
    """An error for each pattern spaCy's Matcher refuses, with the pattern's line;
    a pattern with an error among ``known`` (the structural check's) is not
    reported twice."""
    path = Path(path)
    try:
        data, marks = yamlio.load_with_marks(yamlio.read_text(path), str(path))
    except InputError:
        return []  # the structural check reports unreadable files
    found = list(_patterns(data.get("codes") if isinstance(data, dict) else None, ("codes",)))
    if not found:
        return []
    import spacy
    from spacy.matcher import Matcher

    vocab = spacy.blank("xx").vocab
    flagged = {p.line for p in known or () if p.severity == "error"}
    problems = []
    for code_id, number, pattern, where in found:
        lines = {line for mark, (line, _) in marks.items() if mark[:len(where)] == where}
        if lines & flagged:
            continue
        message = _refusal(Matcher(vocab, validate=True), pattern)
        if message:
            line, column = marks.get(where, (1, 1))
            problems.append(Problem("error", str(path), line, column,
                                    f"code {code_id!r}: pattern {number} is not a valid spaCy "
                                    f"Matcher pattern: {message}"))
    return problems


def _patterns(codes: Any, path: tuple) -> Iterator[tuple[str, int, list, tuple]]:
    if not isinstance(codes, list):
        return
    for i, code in enumerate(codes):
        if not isinstance(code, dict):
            continue
        here = path + (i,)
        patterns = code.get("patterns")
        if isinstance(patterns, list):
            for j, pattern in enumerate(patterns):
                if isinstance(pattern, list) and pattern and all(isinstance(t, dict) for t in pattern):
                    yield str(code.get("id")), j + 1, pattern, here + ("patterns", j)
        yield from _patterns(code.get("children"), here + ("children",))


def _refusal(matcher: Any, pattern: list[dict[str, Any]]) -> str | None:
    for spec in pattern:
        extensions = spec.get("_")
        if isinstance(extensions, dict):
            for name in extensions:
                if name not in KNOWN_EXTENSIONS:
                    return (f"unknown extension attribute _.{name} (known: "
                            f"{', '.join(KNOWN_EXTENSIONS)})")
    try:
        matcher.add("check", [pattern])
    except Exception as exc:  # spaCy raises MatchPatternError, ValueError, re.error, ...
        return explain(exc)
    return None


def explain(exc: Exception) -> str:
    lines = [ln.strip()[2:] for ln in str(exc).splitlines() if ln.strip().startswith("- [")]
    if not lines:
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    first, messages = None, []
    for line in lines:
        where, _, what = line.partition("] ")
        parts = where.lstrip("[").split(" -> ")
        here = tuple(parts[1:3])
        if first is None:
            first = here
        if here == first and what not in messages:
            messages.append(what)
    assert first is not None
    at = f"token {int(first[0]) + 1} {' '.join(first[1:])}" if first[0].isdigit() else "pattern"
    return f"{at.strip()}: " + "; or ".join(messages[:3])
