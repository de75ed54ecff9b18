"""The codebook: a YAML tree of codes, validated at the boundary into frozen records.

Codings refer to a code's ``id``; its ``label`` may change freely. Loading reports
every problem with file:line:column (STYLE.md 4); :func:`check` lists them all,
:func:`load_codebook` raises on the first errors.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import yamlio
from ..errors import CodebookError, InputError, UnknownCodeError
from ..hints import did_you_mean
from ..ids import is_code_id

CODE_KEYS = (
    "id", "label", "definition", "include", "exclude", "examples", "keywords",
    "exclude_keywords", "patterns", "colour", "parent", "retired", "children",
)
TOP_KEYS = ("version", "name", "language", "codes", "changes")
TOKEN_ATTRS = frozenset({
    "ORTH", "TEXT", "LOWER", "NORM", "LEMMA", "POS", "TAG", "MORPH", "DEP", "SHAPE",
    "ENT_TYPE", "ENT_IOB", "ENT_ID", "ENT_KB_ID", "LENGTH", "SENT_START", "SPACY",
    "IS_ALPHA", "IS_ASCII", "IS_DIGIT", "IS_LOWER", "IS_UPPER", "IS_TITLE", "IS_PUNCT",
    "IS_SPACE", "IS_STOP", "IS_SENT_START", "IS_BRACKET", "IS_QUOTE", "IS_LEFT_PUNCT",
    "IS_RIGHT_PUNCT", "IS_CURRENCY", "LIKE_NUM", "LIKE_EMAIL", "LIKE_URL", "OP", "_",
})
PATTERN_OPS = frozenset({"!", "?", "+", "*", "{n}", "{n,m}", "{n,}", "{,m}"})
VALUE_OPS = frozenset({
    "IN", "NOT_IN", "IS_SUBSET", "IS_SUPERSET", "INTERSECTS", "REGEX", "FUZZY",
    "==", "!=", ">=", "<=", ">", "<",
})


@dataclass(frozen=True, slots=True)
class Code:
    """One code. ``parent`` is the id of the code it sits under, if any."""

    id: str
    label: str
    definition: str = ""
    include: str = ""
    exclude: str = ""
    examples: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    exclude_keywords: tuple[str, ...] = ()
    patterns: tuple[Any, ...] = ()
    colour: str | None = None
    parent: str | None = None
    retired: bool = False


@dataclass(frozen=True, slots=True)
class Problem:
    severity: str  # "error" or "warning"
    source: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}:{self.column}: {self.severity}: {self.message}"


@dataclass(frozen=True, slots=True)
class Codebook:
    """Codes in codebook order (depth first), plus the version and its change steps."""

    version: int | str
    codes: tuple[Code, ...]
    name: str = ""
    language: str | None = None
    changes: tuple[Any, ...] = ()
    source: str = field(default="codebook.yaml", compare=False)
    steps: tuple[Any, ...] = field(default=(), compare=False)  # ``changes`` as migrations.Step

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.codes)

    def get(self, code_id: str) -> Code | None:
        for code in self.codes:
            if code.id == code_id:
                return code
        return None

    def require(self, code_id: str) -> Code:
        """The code with this id, or an UnknownCodeError with a did-you-mean."""
        code = self.get(code_id)
        if code is not None:
            return code
        by_label = [c for c in self.codes if c.label.casefold() == code_id.casefold()]
        if len(by_label) == 1:
            return by_label[0]
        hint = did_you_mean(code_id, self.ids)
        raise UnknownCodeError(
            f"No code {code_id!r} in {Path(self.source).name}{hint}{' ' if hint else '. '}"
            "See `qcode codebook show`."
        )

    def children(self, code_id: str | None) -> tuple[Code, ...]:
        return tuple(c for c in self.codes if c.parent == code_id)

    def depth(self, code_id: str) -> int:
        depth, code = 0, self.get(code_id)
        while code is not None and code.parent is not None and depth < len(self.codes):
            depth += 1
            code = self.get(code.parent)
        return depth

    def active(self) -> tuple[Code, ...]:
        return tuple(c for c in self.codes if not c.retired)


# ---------------------------------------------------------------- loading


def load_codebook(path: Path | str) -> Codebook:
    """Load and validate a codebook file; raise CodebookError listing every error."""
    path = Path(path)
    text = yamlio.read_text(path)
    codebook, problems = parse_codebook(text, str(path))
    errors = [p for p in problems if p.severity == "error"]
    if errors or codebook is None:
        lines = [str(p) for p in errors]
        more = f" (and {len(lines) - 1} more; run `qcode codebook check {path}`)" if len(lines) > 1 else ""
        raise CodebookError(lines[0] + more if lines else f"{path}: cannot load codebook.")
    return codebook


def check(path: Path | str) -> list[Problem]:
    """Every problem in a codebook file, errors and warnings, in file order."""
    path = Path(path)
    try:
        text = yamlio.read_text(path)
        _, problems = parse_codebook(text, str(path))
    except InputError as exc:
        return [_problem_from_message(str(path), exc.message)]
    return problems


def _problem_from_message(source: str, message: str) -> Problem:
    m = re.match(r"^(.*?):(\d+):(\d+): (.*)$", message)
    if m:
        return Problem("error", m.group(1), int(m.group(2)), int(m.group(3)), m.group(4))
    return Problem("error", source, 1, 1, message.removeprefix(f"{source}: "))


def parse_codebook(text: str, source: str = "codebook.yaml") -> tuple[Codebook | None, list[Problem]]:
    """Parse codebook YAML into a Codebook and the list of problems found."""
    try:
        data, marks = yamlio.load_with_marks(text, source)
    except InputError as exc:
        return None, [_problem_from_message(source, exc.message)]
    parser = _Parser(source, marks)
    codebook = parser.parse(data)
    problems = sorted(parser.problems, key=lambda p: (p.line, p.column))
    return codebook, problems


class _Parser:
    def __init__(self, source: str, marks: yamlio.Marks) -> None:
        self.source = source
        self.marks = marks
        self.problems: list[Problem] = []

    def at(self, path: tuple, severity: str, message: str) -> None:
        while path and path not in self.marks:
            path = path[:-1]
        line, col = self.marks.get(path, (1, 1))
        self.problems.append(Problem(severity, self.source, line, col, message))

    def parse(self, data: Any) -> Codebook | None:
        if data is None:
            data = {}
        if not isinstance(data, dict):
            self.at((), "error", "a codebook is a mapping with 'version' and 'codes'")
            return None
        for key in data:
            if key not in TOP_KEYS:
                self.at((key,), "error", f"unknown key {key!r}; allowed: {', '.join(TOP_KEYS)}")
        version = data.get("version", 1)
        if not isinstance(version, int | str) or isinstance(version, bool):
            self.at(("version",), "error", "'version' must be a number or a short string")
            version = 1
        codes_data = data.get("codes") or []
        if not isinstance(codes_data, list):
            self.at(("codes",), "error", "'codes' must be a list of codes")
            codes_data = []
        codes = list(self._codes(codes_data, ("codes",), None))
        if not codes:
            self.at(("codes",) if "codes" in data else (), "warning",
                    "the codebook has no codes yet; add them under 'codes:'")
        self._check_ids(codes)
        changes = data.get("changes") or []
        if not isinstance(changes, list):
            self.at(("changes",), "error", "'changes' must be a list of steps")
            changes = []
        from .steps import check_changes

        steps = check_changes(changes, version, [c for c, _ in codes], self.at, self.marks, self.source)
        return Codebook(
            version=version,
            codes=tuple(c for c, _ in codes),
            name=str(data.get("name") or ""),
            language=data.get("language"),
            changes=tuple(changes),
            source=self.source,
            steps=steps,
        )

    def _codes(self, items: list, path: tuple, parent: str | None) -> Iterator[tuple[Code, tuple]]:
        for i, item in enumerate(items):
            here = path + (i,)
            if not isinstance(item, dict):
                self.at(here, "error", "each code is a mapping with at least 'id' and 'label'")
                continue
            code = self._code(item, here, parent)
            if code is None:
                continue
            yield code, here
            children = item.get("children") or []
            if not isinstance(children, list):
                self.at(here + ("children",), "error", "'children' must be a list of codes")
                continue
            yield from self._codes(children, here + ("children",), code.id)

    def _code(self, item: dict, here: tuple, parent: str | None) -> Code | None:
        for key in item:
            if key not in CODE_KEYS:
                hint = did_you_mean(str(key), CODE_KEYS)
                self.at(here + (key,), "error", f"unknown key {key!r}{hint}")
        code_id = item.get("id")
        if not is_code_id(code_id):
            self.at(here + ("id",), "error",
                    f"code id {code_id!r} must be lower-case letters, digits, '-', '_', '.' or '/'")
            return None
        label = item.get("label") or code_id
        definition = self._text(item, "definition", here)
        if not definition.strip():
            self.at(here + ("id",), "warning", f"code {code_id!r} has an empty definition")
        if item.get("parent") is not None and parent is not None:
            self.at(here + ("parent",), "error",
                    f"code {code_id!r} is nested under {parent!r} and also names a parent")
        colour = item.get("colour")
        if colour is not None and not _valid_colour(str(colour)):
            self.at(here + ("colour",), "error",
                    f"colour {colour!r} is not a colour name or #rrggbb")
        patterns = item.get("patterns") or []
        self._check_patterns(patterns, here + ("patterns",))
        return Code(
            id=code_id,
            label=str(label),
            definition=definition,
            include=self._text(item, "include", here),
            exclude=self._text(item, "exclude", here),
            examples=self._strings(item, "examples", here),
            keywords=self._strings(item, "keywords", here),
            exclude_keywords=self._strings(item, "exclude_keywords", here),
            patterns=tuple(patterns) if isinstance(patterns, list) else (),
            colour=str(colour) if colour is not None else None,
            parent=parent if parent is not None else item.get("parent"),
            retired=bool(item.get("retired", False)),
        )

    def _text(self, item: dict, key: str, here: tuple) -> str:
        value = item.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.at(here + (key,), "error", f"{key!r} must be text")
            return ""
        return value.strip()

    def _strings(self, item: dict, key: str, here: tuple) -> tuple[str, ...]:
        value = item.get(key)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.at(here + (key,), "error", f"{key!r} must be a list of non-empty strings")
            return ()
        return tuple(v.strip() for v in value)

    def _check_patterns(self, patterns: Any, path: tuple) -> None:
        if not isinstance(patterns, list):
            self.at(path, "error", "'patterns' must be a list of spaCy Matcher patterns")
            return
        for i, pattern in enumerate(patterns):
            if not isinstance(pattern, list) or not pattern:
                self.at(path + (i,), "error",
                        "a pattern is a non-empty list of token specs like {LOWER: 'visit'}")
                continue
            for j, token in enumerate(pattern):
                self._check_token(token, path + (i, j))

    def _check_token(self, token: Any, path: tuple) -> None:
        if not isinstance(token, dict):
            self.at(path, "error", "a token spec is a mapping such as {LEMMA: 'coordinate'}")
            return
        for attr, value in token.items():
            if attr not in TOKEN_ATTRS:
                hint = did_you_mean(str(attr), sorted(TOKEN_ATTRS))
                self.at(path + (attr,), "error", f"unknown token attribute {attr!r}{hint}")
            elif attr == "OP" and value not in PATTERN_OPS and not re.match(r"^\{\d*,?\d*\}$", str(value)):
                self.at(path + (attr,), "error", f"unknown operator {value!r}; use !, ?, + or *")
            elif isinstance(value, dict):
                bad = [k for k in value if k not in VALUE_OPS]
                if bad:
                    self.at(path + (attr,), "error", f"unknown value operator {bad[0]!r}")
                if "REGEX" in value:
                    try:
                        re.compile(str(value["REGEX"]))
                    except re.error as exc:
                        self.at(path + (attr,), "error", f"bad REGEX: {exc}")

    def _check_ids(self, codes: list[tuple[Code, tuple]]) -> None:
        seen: dict[str, tuple] = {}
        for code, here in codes:
            if code.id in seen:
                line = self.marks.get(seen[code.id] + ("id",), (0, 0))[0]
                self.at(here + ("id",), "error", f"duplicate code id {code.id!r} (first at line {line})")
            else:
                seen[code.id] = here
        by_id = {c.id: c for c, _ in codes}
        for code, here in codes:
            if code.parent is not None and code.parent not in by_id:
                self.at(here + ("parent",), "error",
                        f"parent {code.parent!r} is not a code{did_you_mean(code.parent, list(by_id))}")
        for code, here in codes:
            chain, node = [code.id], code
            while node.parent is not None and node.parent in by_id:
                if node.parent in chain:
                    self.at(here + ("parent",), "error",
                            "cycle in parents: " + " -> ".join(chain + [node.parent]))
                    break
                chain.append(node.parent)
                node = by_id[node.parent]


def _valid_colour(value: str) -> bool:
    if re.fullmatch(r"#[0-9a-fA-F]{6}", value):
        return True
    from rich.color import Color, ColorParseError

    try:
        Color.parse(value)
    except ColorParseError:
        return False
    return True


# ---------------------------------------------------------------- dumping


def to_data(codebook: Codebook) -> dict[str, Any]:
    """The nested YAML structure of a codebook (children under their parents)."""

    def code_data(code: Code) -> dict[str, Any]:
        out: dict[str, Any] = {"id": code.id, "label": code.label}
        for key in ("definition", "include", "exclude"):
            if getattr(code, key):
                out[key] = getattr(code, key)
        for key in ("examples", "keywords", "exclude_keywords", "patterns"):
            if getattr(code, key):
                out[key] = list(getattr(code, key))
        if code.colour is not None:
            out["colour"] = code.colour
        if code.retired:
            out["retired"] = True
        kids = codebook.children(code.id)
        if kids:
            out["children"] = [code_data(k) for k in kids]
        return out

    data: dict[str, Any] = {"version": codebook.version}
    if codebook.name:
        data["name"] = codebook.name
    if codebook.language:
        data["language"] = codebook.language
    data["codes"] = [code_data(c) for c in codebook.codes if c.parent is None]
    if codebook.changes:
        data["changes"] = list(codebook.changes)
    return data


def dump_codebook(codebook: Codebook) -> str:
    return yamlio.dumps(to_data(codebook))
