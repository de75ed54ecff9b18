"""The one YAML loader (and dumper) of qcode, with the file:line:column of every value.

Every YAML file the project reads (``codebook.yaml``, ``qcode.yaml``, document
metadata, the user's config) goes through :func:`loads` or
:func:`load_with_marks`. They build plain data from the parser's event stream,
without recursion, and refuse what plain data never needs, each with file:line:
aliases (an alias bomb or a self-reference), tags other than the plain ones,
keys that are not text, nesting deeper than :data:`MAX_DEPTH`, and scalars longer
than :data:`MAX_SCALAR` characters (numbers longer than :data:`MAX_NUMBER`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

from .errors import InputError
from .fileio import read_text  # noqa: F401  (re-exported: readers of YAML files use it)

try:  # the C parser is several times faster on large files
    _Loader: type = yaml.CSafeLoader
    _Dumper: type = yaml.CSafeDumper
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader
    _Dumper = yaml.SafeDumper

Path_ = tuple[str | int, ...]
Marks = dict[Path_, tuple[int, int]]

MAX_DEPTH = 32  # lists and mappings inside each other
MAX_SCALAR = 100_000  # characters in one value
MAX_NUMBER = 100  # characters in one number
_T = "tag:yaml.org,2002:"
PLAIN_TAGS = frozenset(_T + t for t in ("str", "int", "float", "bool", "null", "timestamp"))
_COLLECTION_TAGS = frozenset({None, "!", _T + "seq", _T + "map"})
_STR = _T + "str"
# the first characters of every plain scalar the YAML 1.1 resolver reads as other than
# text (bool, null, int, float, timestamp, and the merge and value keys); others are str
_MAYBE_TYPED = re.compile(r"[-+.0-9~<=yYnNtTfFoO]")
_CONSTRUCTOR = SafeConstructor()
_RESOLVER = Resolver()


def _problem_line(exc: yaml.YAMLError, source: str) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if mark is None:
        return f"{source}: malformed YAML: {problem}; fix the YAML syntax."
    return (
        f"{source}:{mark.line + 1}:{mark.column + 1}: malformed YAML: {problem}; "
        "fix the YAML syntax there."
    )


class _Refused(Exception):
    def __init__(self, mark: Any, problem: str) -> None:
        super().__init__(problem)
        self.mark, self.problem = mark, problem


def _line_column(mark: Any) -> tuple[int, int]:
    """Where an event starts, counted from 1 (the parser gives every event its marks)."""
    return mark.line + 1, mark.column + 1


def _refused(exc: _Refused, source: str) -> InputError:
    m = exc.mark
    return InputError(f"{source}:{m.line + 1}:{m.column + 1}: {exc.problem}.")


def loads(text: str, source: str = "<string>") -> Any:
    """Parse one YAML document into plain data or raise an InputError with file:line:column."""
    return _load(text, source, None)


def load_with_marks(text: str, source: str = "<string>") -> tuple[Any, Marks]:
    """Parse YAML and return (data, marks): marks[path] = (line, column), 1-based.

    A path is the tuple of keys and list indices leading to a value, e.g.
    ``("codes", 2, "label")``; the mark of a mapping key is stored under the path
    of its value, so an error about a key points at the key itself.
    """
    marks: Marks = {}
    return _load(text, source, marks), marks


def _load(text: str, source: str, marks: Marks | None) -> Any:
    try:
        return _Builder(marks).build(yaml.parse(text, Loader=_Loader))
    except _Refused as exc:
        raise _refused(exc, source) from None
    except yaml.YAMLError as exc:
        raise InputError(_problem_line(exc, source)) from None


class _Builder:
    """Plain data from a stream of parser events, with a stack instead of recursion."""

    def __init__(self, marks: Marks | None) -> None:
        self.marks = marks
        self.stack: list[list[Any]] = []  # [container, path, pending key or None]
        self.result: Any = None
        self.documents = 0

    def build(self, events: Iterator[yaml.Event]) -> Any:
        for event in events:
            if isinstance(event, yaml.ScalarEvent):
                self.add(self.scalar(event), event)
            elif isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
                self.open(event)
            elif isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
                container = self.stack.pop()[0]
                self.place(container)
            elif isinstance(event, yaml.AliasEvent):
                raise _Refused(event.start_mark, "YAML aliases (*name) are not allowed; "
                               "write the value out in full")
            elif isinstance(event, yaml.DocumentStartEvent):
                self.documents += 1
                if self.documents > 1:
                    raise _Refused(event.start_mark, "more than one YAML document; "
                                   "remove the second '---' and what follows")
        return self.result

    def path(self) -> Path_:
        if not self.stack:
            return ()
        container, path, key = self.stack[-1]
        return path + ((len(container),) if isinstance(container, list) else (key,))

    def mark(self, event: Any) -> None:
        if self.marks is not None:
            self.marks.setdefault(self.path(), _line_column(event.start_mark))

    def open(self, event: Any) -> None:
        if event.tag not in _COLLECTION_TAGS:
            raise _Refused(event.start_mark, f"the tag {_short(event.tag)} is not allowed; remove it")
        if self.stack and isinstance(self.stack[-1][0], dict) and self.stack[-1][2] is None:
            raise _Refused(event.start_mark, "a list or mapping cannot be a key; use text")
        if len(self.stack) >= MAX_DEPTH:
            raise _Refused(event.start_mark, f"nested more than {MAX_DEPTH} levels deep; "
                           "flatten it")
        self.mark(event)
        container: Any = [] if isinstance(event, yaml.SequenceStartEvent) else {}
        self.stack.append([container, self.path(), None])

    def add(self, value: Any, event: yaml.ScalarEvent) -> None:
        top = self.stack[-1] if self.stack else None
        if top is not None and isinstance(top[0], dict) and top[2] is None:
            self.key(top, value, event)
            return
        self.mark(event)
        self.place(value)

    def key(self, top: list[Any], value: Any, event: yaml.ScalarEvent) -> None:
        if not isinstance(value, str):
            raise _Refused(event.start_mark, f"the key {event.value!r} is not text; "
                           "quote it")
        if value in top[0]:
            raise _Refused(event.start_mark, f"duplicate key {value!r}")
        top[2] = value
        if self.marks is not None:
            self.marks[top[1] + (value,)] = _line_column(event.start_mark)

    def place(self, value: Any) -> None:
        if not self.stack:
            self.result = value
            return
        top = self.stack[-1]
        if isinstance(top[0], list):
            top[0].append(value)
        else:
            top[0][top[2]] = value
            top[2] = None

    def scalar(self, event: yaml.ScalarEvent) -> Any:
        value = event.value
        if len(value) > MAX_SCALAR:
            raise _Refused(event.start_mark, f"a value of {len(value):,} characters "
                           f"(at most {MAX_SCALAR:,}); shorten it")
        tag = event.tag
        if tag is None or tag == "!":
            if not event.implicit[0] or (value and not _MAYBE_TYPED.match(value)):
                return value  # quoted, or plain text no resolver reads as a type: a str
            tag = _RESOLVER.resolve(yaml.ScalarNode, value, event.implicit)
        if tag == _STR:
            return value
        if tag not in PLAIN_TAGS:
            raise _Refused(event.start_mark, f"the tag {_short(tag)} is not allowed; remove it")
        if tag in (_T + "int", _T + "float") and len(value) > MAX_NUMBER:
            raise _Refused(event.start_mark, f"a number of {len(value):,} characters; "
                           "quote it if it is text")
        node = yaml.ScalarNode(tag, value, event.start_mark, event.end_mark,  # type: ignore[arg-type]
                               event.style)  # (the C parser's marks: the stubs name only Python's)
        try:
            return _CONSTRUCTOR.yaml_constructors[tag](_CONSTRUCTOR, node)
        except (ValueError, TypeError, OverflowError, KeyError, AttributeError, IndexError,
                yaml.YAMLError):
            kind = tag.rsplit(":", 1)[-1]
            raise _Refused(event.start_mark, f"{value!r} is not a valid {kind}; "
                           "fix or quote it") from None


class NoAliasDumper(_Dumper):
    """PyYAML's dumper that never writes anchors and aliases (a repeated value is
    written out again); the base of every dumper of qcode's files."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dumps(data: Any) -> str:
    """Dump YAML deterministically: keys in insertion order, block style, UTF-8, no aliases."""
    return yaml.dump(
        data,
        Dumper=NoAliasDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )


def iter_paths(marks: Marks, prefix: Path_) -> Iterator[Path_]:
    """The marked paths directly below ``prefix``."""
    n = len(prefix)
    for path in marks:
        if len(path) == n + 1 and path[:n] == prefix:
            yield path


def _short(tag: str | None) -> str:
    return "!!" + tag[len(_T):] if tag and tag.startswith(_T) else str(tag)
