"""Codebook change steps: the ``changes`` list of codebook.yaml, validated with file:line.

A step says how codings move from one codebook version to the next::

    changes:
      - version: 2
        rename: {from: trust, to: autonomy}
        reason: Participants speak of room to decide, not of trust as such.
      - version: 2
        merge: {from: [competency, professionalism], into: professionalism}
        reason: ...
      - version: 2
        split: {from: coordination, into: [logistics, information], by: rules}
        reason: ...
      - version: 2
        retire: personnel
        reason: ...
      - version: 2
        move: {code: tasks, parent: service-users}
        reason: ...
      - version: 2
        redefine: leadership
        reason: ...

``version`` is the version the step leads to. Codes named in a step are checked
backwards from the codes of the codebook itself: what a step leads to must exist
in the codebook or be taken up by a later step. What a step starts from belongs to
an earlier codebook and is checked by ``qcode recode`` against that one.

The codebook model calls :func:`check_changes` while parsing, so this module
imports nothing of the codebook model (only the base layer).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..ids import is_code_id

KINDS = ("rename", "merge", "split", "retire", "move", "redefine")
STEP_KEYS = ("version", "reason", *KINDS)
SPLIT_BY = ("rules", "review")

At = Callable[[tuple, str, str], None]


@dataclass(frozen=True, slots=True)
class Step:
    """One validated change step. ``sources`` are the codes it starts from and
    ``targets`` the codes it leads to (empty for retire, move and redefine, which
    keep the code). ``n`` numbers the steps of one version from 1."""

    version: int | str
    kind: str
    sources: tuple[str, ...]
    targets: tuple[str, ...] = ()
    reason: str = ""
    by: str | None = None
    parent: str | None = None
    n: int = 1
    line: int = 0
    source: str = "codebook.yaml"

    @property
    def id(self) -> str:
        """``"3.2"``: the second step leading to version 3."""
        return f"{self.version}.{self.n}"

    @property
    def code(self) -> str:
        """The code the step is about (the merged-into code for a merge)."""
        return self.targets[0] if self.kind == "merge" else self.sources[0]

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}"

    def describe(self) -> str:
        """``rename a -> b``, ``merge a, b -> c``, ``split a -> b | c (rules)``..."""
        if self.kind in ("rename", "merge"):
            return f"{self.kind} {', '.join(self.sources)} -> {self.targets[0]}"
        if self.kind == "split":
            return f"split {self.sources[0]} -> {' | '.join(self.targets)} (by {self.by})"
        if self.kind == "move":
            return f"move {self.sources[0]} under {self.parent or '(top level)'}"
        return f"{self.kind} {self.sources[0]}"

    def to_yaml(self) -> dict[str, Any]:
        """The step as it is written in ``changes``."""
        body: Any
        if self.kind == "rename":
            body = {"from": self.sources[0], "to": self.targets[0]}
        elif self.kind == "merge":
            body = {"from": list(self.sources), "into": self.targets[0]}
        elif self.kind == "split":
            body = {"from": self.sources[0], "into": list(self.targets), "by": self.by}
        elif self.kind == "move":
            body = {"code": self.sources[0], "parent": self.parent}
        else:
            body = self.sources[0]
        return {"version": self.version, self.kind: body, "reason": self.reason}


def step_from_data(data: dict[str, Any]) -> Step:
    """A Step from the ``data`` of a ``migrate`` line (see :func:`step_data`)."""
    return Step(
        version=data["version"], kind=data["step"], sources=tuple(data.get("from") or ()),
        targets=tuple(data.get("into") or ()), reason=str(data.get("reason") or ""),
        by=data.get("by"), parent=data.get("parent"), n=int(data.get("n") or 1),
    )


def step_data(step: Step) -> dict[str, Any]:
    """What a ``migrate`` line records about a step, in a fixed key order."""
    return {"step": step.kind, "id": step.id, "version": step.version, "n": step.n,
            "from": list(step.sources), "into": list(step.targets), "by": step.by,
            "parent": step.parent, "reason": step.reason}


# ---------------------------------------------------------------- versions


def version_rank(version: Any, order: list[Any]) -> tuple[int, Any] | None:
    """A sort key for versions: numbers compare as numbers; other versions by their
    place in ``order`` (the order they were introduced in). None if unknown."""
    if isinstance(version, int) and not isinstance(version, bool):
        return (0, version)
    if version in order:
        return (1, order.index(version))
    return None


def is_after(step_version: Any, made_under: Any, order: list[Any]) -> bool:
    """Whether a step leading to ``step_version`` applies to a coding made under
    ``made_under``. A coding with no recorded version goes through every step."""
    if made_under is None:
        return True
    if step_version == made_under:
        return False
    both_int = all(isinstance(v, int) and not isinstance(v, bool) for v in (step_version, made_under))
    if both_int:
        return step_version > made_under
    if step_version in order and made_under in order:
        return order.index(step_version) > order.index(made_under)
    return False


# ---------------------------------------------------------------- checking


class _Checker:
    """Validates the raw ``changes`` list; problems go through ``at`` (file:line)."""

    def __init__(self, at: At, marks: dict, source: str) -> None:
        self.at = at
        self.marks = marks
        self.source = source

    def line(self, path: tuple) -> int:
        while path and path not in self.marks:
            path = path[:-1]
        return self.marks.get(path, (0, 0))[0]

    def steps(self, changes: list[Any], version: Any) -> list[tuple[Step, tuple]]:
        out: list[tuple[Step, tuple]] = []
        counts: dict[Any, int] = {}
        for i, item in enumerate(changes):
            here = ("changes", i)
            step = self.step(item, here)
            if step is None:
                continue
            counts[step.version] = counts.get(step.version, 0) + 1
            out.append((_renumber(step, counts[step.version]), here))
        self.versions(out, version)
        return out

    def step(self, item: Any, here: tuple) -> Step | None:
        if not isinstance(item, dict):
            self.at(here, "error", "each change is a mapping such as "
                    "{version: 2, rename: {from: a, to: b}, reason: ...}")
            return None
        for key in item:
            if key not in STEP_KEYS:
                self.at(here + (key,), "error", f"unknown key {key!r} in a change{_hint(key, STEP_KEYS)}; "
                        f"a change has version, reason and one of {', '.join(KINDS)}")
        kinds = [k for k in KINDS if k in item]
        if len(kinds) != 1:
            self.at(here, "error", "a change names exactly one of " + ", ".join(KINDS)
                    + (f" (this one has {', '.join(kinds)})" if kinds else ""))
            return None
        version = item.get("version")
        if not isinstance(version, int | str) or isinstance(version, bool) or version == "":
            self.at(here + ("version",) if "version" in item else here, "error",
                    "a change needs 'version': the codebook version it leads to")
            return None
        reason = item.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            self.at(here + ("reason",) if "reason" in item else here, "error",
                    "a change needs a 'reason' (why the codebook changed)")
            reason = ""
        kind = kinds[0]
        return getattr(self, f"_{kind}")(item[kind], here + (kind,), version, reason.strip())

    def code(self, value: Any, path: tuple, what: str) -> str | None:
        if is_code_id(value):
            return value
        self.at(path, "error", f"{what} must be a code id (lower-case letters, digits, "
                "'-', '_', '.' or '/'), not {value!r}")
        return None

    def codes(self, value: Any, path: tuple, what: str) -> tuple[str, ...] | None:
        if not isinstance(value, list) or not value:
            self.at(path, "error", f"{what} must be a list of code ids")
            return None
        found = [self.code(v, path + (i,), what) for i, v in enumerate(value)]
        if any(f is None for f in found):
            return None
        if len(set(found)) != len(found):
            self.at(path, "error", f"{what} lists a code twice")
            return None
        return tuple(f for f in found if f is not None)

    def mapping(self, body: Any, path: tuple, kind: str, keys: tuple[str, ...],
                needed: tuple[str, ...]) -> dict | None:
        if not isinstance(body, dict):
            self.at(path, "error", f"'{kind}' takes a mapping with {', '.join(keys)}")
            return None
        for key in body:
            if key not in keys:
                self.at(path + (key,), "error", f"unknown key {key!r} in '{kind}'{_hint(key, keys)}")
        missing = [k for k in needed if k not in body]
        if missing:
            self.at(path, "error", f"'{kind}' needs {', '.join(missing)}")
            return None
        return body

    def _make(self, kind: str, path: tuple, version: Any, reason: str, sources: tuple[str, ...],
              targets: tuple[str, ...] = (), **extra: Any) -> Step:
        return Step(version, kind, sources, targets, reason, line=self.line(path),
                    source=self.source, **extra)

    def _rename(self, body: Any, path: tuple, version: Any, reason: str) -> Step | None:
        body = self.mapping(body, path, "rename", ("from", "to"), ("from", "to"))
        if body is None:
            return None
        old = self.code(body["from"], path + ("from",), "'from'")
        new = self.code(body["to"], path + ("to",), "'to'")
        if old is None or new is None:
            return None
        if old == new:
            self.at(path, "error", f"rename from {old!r} to itself")
            return None
        return self._make("rename", path, version, reason, (old,), (new,))

    def _merge(self, body: Any, path: tuple, version: Any, reason: str) -> Step | None:
        body = self.mapping(body, path, "merge", ("from", "into"), ("from", "into"))
        if body is None:
            return None
        sources = self.codes(body["from"], path + ("from",), "'from'")
        into = self.code(body["into"], path + ("into",), "'into'")
        if sources is None or into is None:
            return None
        if not [s for s in sources if s != into]:
            self.at(path + ("from",), "error", f"merge into {into!r} needs another code in 'from'")
            return None
        return self._make("merge", path, version, reason, sources, (into,))

    def _split(self, body: Any, path: tuple, version: Any, reason: str) -> Step | None:
        body = self.mapping(body, path, "split", ("from", "into", "by"), ("from", "into"))
        if body is None:
            return None
        old = self.code(body["from"], path + ("from",), "'from'")
        targets = self.codes(body["into"], path + ("into",), "'into'")
        by = body.get("by", "rules")
        if by not in SPLIT_BY:
            self.at(path + ("by",), "error", f"split 'by' is rules or review, not {by!r}")
            return None
        if old is None or targets is None:
            return None
        if len(targets) < 2:
            self.at(path + ("into",), "error", "a split leads to two or more codes "
                    "(use rename for one)")
            return None
        return self._make("split", path, version, reason, (old,), targets, by=by)

    def _single(self, kind: str, body: Any, path: tuple, version: Any, reason: str) -> Step | None:
        code = self.code(body, path, f"'{kind}'")
        return None if code is None else self._make(kind, path, version, reason, (code,))

    def _retire(self, body: Any, path: tuple, version: Any, reason: str) -> Step | None:
        return self._single("retire", body, path, version, reason)

    def _redefine(self, body: Any, path: tuple, version: Any, reason: str) -> Step | None:
        return self._single("redefine", body, path, version, reason)

    def _move(self, body: Any, path: tuple, version: Any, reason: str) -> Step | None:
        body = self.mapping(body, path, "move", ("code", "parent"), ("code", "parent"))
        if body is None:
            return None
        code = self.code(body["code"], path + ("code",), "'code'")
        parent = body["parent"]
        if parent is not None:
            parent = self.code(parent, path + ("parent",), "'parent'")
            if parent is None:
                return None
        if code is None:
            return None
        return self._make("move", path, version, reason, (code,), parent=parent)

    def versions(self, steps: list[tuple[Step, tuple]], version: Any) -> None:
        """Step versions run forwards, group together, and do not pass the codebook's."""
        seen: list[Any] = []
        for step, here in steps:
            if seen and step.version != seen[-1]:
                if step.version in seen:
                    self.at(here + ("version",), "error", f"steps of version {step.version!r} "
                            "must follow one another in 'changes'")
                elif _both_int(step.version, seen[-1]) and step.version < seen[-1]:
                    self.at(here + ("version",), "error", f"version {step.version} comes after "
                            f"version {seen[-1]}; list the changes oldest first")
            if not seen or step.version != seen[-1]:
                seen.append(step.version)
            if _both_int(step.version, version) and step.version > version:
                self.at(here + ("version",), "error", f"this change leads to version "
                        f"{step.version}, but the codebook is version {version}; raise 'version'")

    def references(self, steps: list[tuple[Step, tuple]], codes: list[Any]) -> None:
        """Walk backwards from the codebook's codes: what a step leads to must exist."""
        known = {c.id for c in codes}
        retired = {c.id for c in codes if c.retired}
        for step, here in reversed(steps):
            path = here + (step.kind,)
            if step.kind in ("rename", "merge", "split"):
                key = "to" if step.kind == "rename" else "into"
                for i, target in enumerate(step.targets):
                    sub = path + (key, i) if step.kind == "split" else path + (key,)
                    self._known(target, sub, known, step)
                if step.kind == "rename":  # a merge or split may lead to codes that existed
                    known.discard(step.targets[0])
                known |= set(step.sources)
                continue
            code_path = path + ("code",) if step.kind == "move" else path
            self._known(step.sources[0], code_path, known, step)
            if step.kind == "move" and step.parent is not None:
                self._known(step.parent, path + ("parent",), known, step)
            if step.kind == "retire" and step.sources[0] in {c.id for c in codes} - retired:
                self.at(path, "warning", f"code {step.sources[0]!r} is retired by this change "
                        "but not marked 'retired: true' in the codebook")

    def _known(self, code: str, path: tuple, known: set[str], step: Step) -> None:
        if code not in known:
            self.at(path, "error", f"unknown code {code!r} in this {step.kind}: it is not in the "
                    f"codebook and no later change leads to it{_hint(code, sorted(known))}")


def _renumber(step: Step, n: int) -> Step:
    from dataclasses import replace

    return replace(step, n=n)


def _both_int(a: Any, b: Any) -> bool:
    return all(isinstance(v, int) and not isinstance(v, bool) for v in (a, b))


def _hint(value: Any, choices: Iterable[str]) -> str:
    from ..hints import did_you_mean

    return did_you_mean(str(value), list(choices))


def check_changes(changes: list[Any], version: Any, codes: list[Any], at: At, marks: dict,
                  source: str) -> tuple[Step, ...]:
    """Validate a codebook's ``changes`` against its ``codes``; report each problem
    through ``at(path, severity, message)``. Returns the steps that parsed."""
    checker = _Checker(at, marks, source)
    steps = checker.steps(changes, version)
    checker.references(steps, codes)
    return tuple(step for step, _ in steps)
