"""The evaluation as plain text: fixed-width columns within 80 characters, the
same on a terminal and redirected to a file (numbers, never wrapped cells)."""

from __future__ import annotations

import textwrap
from functools import partial
from typing import Any

WIDTH = 79
CODE_WIDTH = 24
METHOD_WIDTH = 12
# names such as tfidf-lr and hc01-nurse-team-north stay whole words
wrap = partial(textwrap.wrap, break_on_hyphens=False)


def _cell(text: str, width: int) -> str:
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text if len(text) <= width else text[:width - 1] + "~"


def evaluation_text(ev: Any) -> str:
    """A summary per method (micro and macro P/R/F1, seconds), then per code and method
    P/R/F1 and support."""
    unit_word = f"{ev.unit} units"
    split = f"{len(ev.folds)} folds grouped by document" + (
        f", seed {ev.seed}" if ev.seed is not None else "")
    mode = (f"top {ev.top_k} codes per unit" if ev.top_k else
            f"threshold {ev.threshold:g} for every code" if ev.threshold is not None else
            "per-code thresholds from the training folds")
    head = (f"Suggestions against {ev.coder}'s coding: {ev.units} {unit_word}, {split}; "
            f"learners: {mode}; tfidf-lr at 0.5. Never scored on training data.")
    lines = [*wrap(head, WIDTH), ""]
    lines.append(f"{'method':<{METHOD_WIDTH}}  {'micro P':>7} {'R':>5} {'F1':>5}   "
                 f"{'macro P':>7} {'R':>5} {'F1':>5}   {'seconds':>7}")
    for method in ev.methods:
        m = ev.micro(method)
        p, r, f = ev.macro(method)
        lines.append(f"{_cell(method, METHOD_WIDTH):<{METHOD_WIDTH}}  {m.precision:7.2f} "
                     f"{m.recall:5.2f} {m.f1:5.2f}   {p:7.2f} {r:5.2f} {f:5.2f}   "
                     f"{ev.seconds.get(method, 0.0):7.1f}")
    lines += ["", f"{'code':<{CODE_WIDTH}} {'support':>7}  {'method':<{METHOD_WIDTH}} "
                  f"{'P':>5} {'R':>5} {'F1':>5}"]
    for code in ev.codes:
        for i, method in enumerate(ev.methods):
            s = ev.score(method, code)
            head = (f"{_cell(code, CODE_WIDTH):<{CODE_WIDTH}} {s.support:>7}" if i == 0
                    else " " * (CODE_WIDTH + 8))
            lines.append(f"{head}  {_cell(method, METHOD_WIDTH):<{METHOD_WIDTH}} "
                         f"{s.precision:5.2f} {s.recall:5.2f} {s.f1:5.2f}")
    lines.append("")
    lines += wrap("Macro: mean over the codes with support; micro: all unit-code "
                           "decisions. --format csv|json adds tp, fp, fn.", WIDTH)
    return "\n".join(lines) + "\n"


def explanation_text(found: Any) -> str:
    """``qcode suggest explain`` as plain text: the unit, its context, then one block
    per finding (method, code, score against threshold, fingerprint, and why)."""
    lines = wrap(f"{found.doc} {found.unit}: {' '.join(found.text.split())}", WIDTH,
                          subsequent_indent="  ")
    if found.context:
        lines += wrap("context: " + ", ".join(found.context), WIDTH, subsequent_indent="  ")
    for line in found.lines:
        score = "" if line.score is None else f"score {line.score:.2f}"
        if line.threshold is not None:
            score += f" {'>=' if line.score >= line.threshold else '<'} threshold {line.threshold:.2f}"
        verdict = "suggested" if line.suggested else "not suggested"
        head = "  ".join(x for x in (line.method, line.code, score, verdict) if x and x != "-")
        lines.append("")
        lines += wrap(_cell(head, 200), WIDTH)
        lines += wrap(_cell(line.why, 2000), WIDTH, initial_indent="  ",
                               subsequent_indent="  ")
        if line.model:
            lines.append(f"  model {line.model}")
    return "\n".join(lines) + "\n"
