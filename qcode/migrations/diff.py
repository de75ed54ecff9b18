"""Compare two codebooks and propose the change steps that lead from one to the other.

Proposals, in this order, each code used once:

- **split**: a removed code whose keywords went, in good part (``SPLIT_SHARE``
  each, ``MERGE_MIN`` in all), to two or more added codes;
- **rename**: a removed and an added code that look alike: rapidfuzz similarity of
  their ids, labels, definitions and keywords (0-100) of at least ``RENAME_MIN``;
- **merge**: removed codes whose keywords mostly (``MERGE_MIN``) appear among the
  keywords of one code that remains;
- **retire**, **move**, **redefine**: a kept code newly marked retired, given
  another parent, or with another definition, include or exclude text.

Nothing is decided here: :func:`write_steps` puts the proposals a person accepts
into the new codebook's ``changes`` (``qcode codebook diff --write``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..codebook import load_codebook
from ..codebook.steps import Step
from ..errors import CodebookError
from ..fileio import atomic_write
from ..yamlio import read_text

RENAME_MIN = 70.0
MERGE_MIN = 0.5
SPLIT_SHARE = 0.2  # each part of a split takes at least this share of the keywords


@dataclass(frozen=True, slots=True)
class CodeChange:
    """A difference in one code: ``what`` is added, removed, label, definition,
    include, exclude, keywords, parent or retired."""

    code: str
    what: str
    old: str = ""
    new: str = ""


@dataclass(frozen=True, slots=True)
class Proposal:
    """A proposed step, how sure the comparison is (0-100) and why."""

    step: Step
    score: float
    why: str


@dataclass(frozen=True, slots=True)
class Diff:
    old: Any
    new: Any
    changes: tuple[CodeChange, ...]
    proposals: tuple[Proposal, ...]
    unaccounted: tuple[str, ...]  # removed codes no proposal covers

    @property
    def added(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.changes if c.what == "added")

    @property
    def removed(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.changes if c.what == "removed")


def _keywords(code: Any) -> set[str]:
    return {k.casefold() for k in code.keywords}


def similarity(a: Any, b: Any) -> float:
    """How alike two codes are (0-100): ids, labels and definitions."""
    from rapidfuzz import fuzz

    parts = [(fuzz.ratio(a.id, b.id), 1.0), (fuzz.token_set_ratio(a.label, b.label), 1.0)]
    if a.definition and b.definition:
        parts.append((fuzz.token_set_ratio(a.definition, b.definition), 2.0))
    if a.keywords and b.keywords:
        shared = len(_keywords(a) & _keywords(b)) / max(1, min(len(a.keywords), len(b.keywords)))
        parts.append((100.0 * shared, 1.0))
    return sum(s * w for s, w in parts) / sum(w for _, w in parts)


def _code_changes(old: Any, new: Any) -> list[CodeChange]:
    out = [CodeChange(c.id, "removed") for c in old.codes if new.get(c.id) is None]
    out += [CodeChange(c.id, "added") for c in new.codes if old.get(c.id) is None]
    for code in new.codes:
        before = old.get(code.id)
        if before is None:
            continue
        for what in ("label", "definition", "include", "exclude", "parent", "retired"):
            a, b = getattr(before, what), getattr(code, what)
            if a != b:
                out.append(CodeChange(code.id, what, str(a or ""), str(b or "")))
        if before.keywords != code.keywords:
            out.append(CodeChange(code.id, "keywords", ", ".join(before.keywords),
                                  ", ".join(code.keywords)))
    return out


class _Proposer:
    def __init__(self, old: Any, new: Any) -> None:
        self.old, self.new = old, new
        self.removed = [c for c in old.codes if new.get(c.id) is None]
        self.added = [c for c in new.codes if old.get(c.id) is None]
        self.used: set[str] = set()
        self.out: list[Proposal] = []

    def step(self, kind: str, sources: tuple[str, ...], targets: tuple[str, ...] = (),
             reason: str = "", **extra: Any) -> Step:
        n = len(self.out) + 1
        return Step(self.new.version, kind, sources, targets, reason, n=n, **extra)

    def renames(self) -> None:
        pairs = sorted(((similarity(r, a), r.id, a.id) for r in self.removed for a in self.added),
                       key=lambda p: (-p[0], p[1], p[2]))
        for score, old_id, new_id in pairs:
            if score < RENAME_MIN or old_id in self.used or new_id in self.used:
                continue
            self.used |= {old_id, new_id}
            why = f"similar id, label and definition ({score:.0f}/100)"
            self.out.append(Proposal(self.step("rename", (old_id,), (new_id,),
                                               f"Renamed {old_id} to {new_id}."), round(score, 1), why))

    def splits(self) -> None:
        """A removed code whose keywords went, in good part, to two or more added codes."""
        for r in self.removed:
            mine = _keywords(r)
            if not mine:
                continue
            parts = [a for a in self.added if a.id not in self.used
                     and len(mine & _keywords(a)) >= max(1, round(SPLIT_SHARE * len(mine)))]
            covered = set().union(*(mine & _keywords(a) for a in parts)) if parts else set()
            score = 100.0 * len(covered) / len(mine)
            if len(parts) < 2 or score < 100.0 * MERGE_MIN:
                continue
            self.used |= {r.id, *(a.id for a in parts)}
            targets = tuple(a.id for a in parts)
            why = f"{len(covered)} of its {len(mine)} keywords are spread over {', '.join(targets)}"
            self.out.append(Proposal(self.step("split", (r.id,), targets,
                                               f"Split {r.id} into {', '.join(targets)}.", by="rules"),
                                     round(score, 1), why))

    def merges(self) -> None:
        groups: dict[str, list[tuple[str, float]]] = {}
        survivors = [c for c in self.new.codes if not c.retired]
        for r in self.removed:
            if r.id in self.used or not r.keywords:
                continue
            best = max(((len(_keywords(r) & _keywords(s)) / len(_keywords(r)), s.id)
                        for s in survivors), default=(0.0, ""))
            if best[0] >= MERGE_MIN:
                groups.setdefault(best[1], []).append((r.id, best[0]))
                self.used.add(r.id)
        for into, members in groups.items():
            sources = tuple(m for m, _ in members)
            score = 100.0 * min(s for _, s in members)
            why = f"the keywords of {', '.join(sources)} appear in {into}"
            self.out.append(Proposal(self.step("merge", sources, (into,),
                                               f"Merged {', '.join(sources)} into {into}."),
                                     round(score, 1), why))

    def kept(self, changes: list[CodeChange]) -> None:
        for change in changes:
            if change.what == "retired" and change.new == "True":
                self.out.append(Proposal(self.step("retire", (change.code,), (),
                                                   f"Retired {change.code}."), 100.0, "now retired"))
            elif change.what == "parent":
                self.out.append(Proposal(self.step("move", (change.code,), (),
                                                   f"Moved {change.code}.",
                                                   parent=change.new or None), 100.0,
                                         f"parent {change.old or '(none)'} -> {change.new or '(none)'}"))
        redefined = dict.fromkeys(c.code for c in changes
                                  if c.what in ("definition", "include", "exclude"))
        for code in redefined:
            self.out.append(Proposal(self.step("redefine", (code,), (),
                                               f"Redefined {code}."), 100.0,
                                     "definition or criteria changed"))


def diff_codebooks(old: Any, new: Any) -> Diff:
    """What changed from ``old`` to ``new`` and the steps proposed for it."""
    changes = _code_changes(old, new)
    proposer = _Proposer(old, new)
    proposer.splits()
    proposer.renames()
    proposer.merges()
    proposer.kept(changes)
    recorded = {(s.kind, s.sources, s.targets) for s in new.steps if s.version == new.version}
    proposals = tuple(p for p in proposer.out if (p.step.kind, p.step.sources, p.step.targets)
                      not in recorded)
    covered = {s for p in proposer.out for s in p.step.sources}
    covered |= {s for step in new.steps for s in step.sources}
    unaccounted = tuple(c.code for c in changes if c.what == "removed" and c.code not in covered)
    return Diff(old, new, tuple(changes), proposals, unaccounted)


# ---------------------------------------------------------------- writing


def _scalar(value: Any) -> str:
    import yaml

    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10**6,
                          sort_keys=False)
    return text.removesuffix("\n...\n").strip()


def _steps_yaml(steps: list[Step], indent: int) -> str:
    """Each step as a block item, its body in flow style: ``rename: {from: a, to: b}``."""
    pad = " " * indent
    out = []
    for step in steps:
        data = step.to_yaml()
        out.append(f"{pad}- version: {_scalar(data['version'])}\n")
        out.append(f"{pad}  {step.kind}: {_scalar(data[step.kind])}\n")
        out.append(f"{pad}  reason: {_scalar(data['reason'])}\n")
    return "".join(out)


def _last_end(node: Any) -> int:
    """Where the text of a node's last value ends (block collections end at the next
    token, after any comments; their last scalar does not)."""
    import yaml

    while isinstance(node, yaml.CollectionNode) and not node.flow_style and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(node, yaml.MappingNode) else last
    return node.end_mark.index


def insert_steps(text: str, steps: list[Step], source: str) -> str:
    """``text`` (a codebook) with ``steps`` added at the end of its ``changes`` list,
    leaving every other byte (comments included) as it was."""
    import yaml

    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.MappingNode):
        raise CodebookError(f"{source}: not a codebook mapping; nothing was written.")
    node = next((v for k, v in root.value if getattr(k, "value", None) == "changes"), None)
    body = text if text.endswith("\n") or not text else text + "\n"
    if node is None:
        return body + "changes:\n" + _steps_yaml(steps, 2)
    if isinstance(node, yaml.SequenceNode) and node.value and not node.flow_style:
        indent = node.value[0].start_mark.column - 2
        end = _last_end(node)
        while end > 0 and text[end - 1] in " \t\r\n":  # a block scalar ends at the next token
            end -= 1
        cut = text.find("\n", end) + 1 or len(text)
        head, tail = text[:cut], text[cut:]
        if not head.endswith("\n"):
            head += "\n"
        return head + _steps_yaml(steps, max(0, indent)) + tail
    if isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null") or (
            isinstance(node, yaml.SequenceNode) and not node.value):
        start, end = node.start_mark.index, node.end_mark.index
        return text[:start].rstrip(" ") + "\n" + _steps_yaml(steps, 2) + text[end:].lstrip("\n")
    line = node.start_mark.line + 1
    raise CodebookError(f"{source}:{line}: 'changes' is not a block list; write it as "
                        "'changes:' followed by '- version: ...' items, then run diff --write again.")


def write_steps(path: Path | str, steps: list[Step]) -> Any:
    """Add ``steps`` to the ``changes`` of the codebook at ``path`` and check the
    result; on any error the file is left as it was. Returns the codebook."""
    path = Path(path)
    original = read_text(path)
    updated = insert_steps(original, steps, str(path))
    atomic_write(path, updated)
    try:
        return load_codebook(path)
    except Exception:
        atomic_write(path, original)
        raise
