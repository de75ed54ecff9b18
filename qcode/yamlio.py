"""YAML in and out, with the file:line:column of every value for error messages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

from .errors import InputError
from .fileio import read_text  # noqa: F401  (re-exported: readers of YAML files use it)

try:  # the C loader is several times faster on large unit lists
    _Loader: type = yaml.CSafeLoader
    _Dumper: type = yaml.CSafeDumper
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader
    _Dumper = yaml.SafeDumper

Path_ = tuple[str | int, ...]
Marks = dict[Path_, tuple[int, int]]


def _problem_line(exc: yaml.YAMLError, source: str) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if mark is None:
        return f"{source}: malformed YAML: {problem}; fix the YAML syntax."
    return (
        f"{source}:{mark.line + 1}:{mark.column + 1}: malformed YAML: {problem}; "
        "fix the YAML syntax there."
    )


def loads(text: str, source: str = "<string>") -> Any:
    """Parse YAML fast (C loader) or raise an InputError with file:line:column."""
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise InputError(_problem_line(exc, source)) from None


def load_with_marks(text: str, source: str = "<string>") -> tuple[Any, Marks]:
    """Parse YAML and return (data, marks): marks[path] = (line, column), 1-based.

    A path is the tuple of keys and list indices leading to a value, e.g.
    ``("codes", 2, "label")``; the mark of a mapping key is stored under the path
    of its value, so an error about a key points at the key itself.
    """
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise InputError(_problem_line(exc, source)) from None
    marks: Marks = {}
    if node is None:
        return None, marks
    try:
        data = _build(node, (), marks)
    except yaml.YAMLError as exc:
        raise InputError(_problem_line(exc, source)) from None
    return data, marks


def _build(node: yaml.Node, path: Path_, marks: Marks) -> Any:
    marks.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node)
            marks[path + (key,)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key in out:
                raise yaml.MarkedYAMLError(
                    problem=f"duplicate key {key!r}", problem_mark=key_node.start_mark
                )
            out[key] = _build(value_node, path + (key,), marks)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, path + (i,), marks) for i, item in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        return yaml.load(yaml.serialize(node), Loader=yaml.SafeLoader)
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()


class NoAliasDumper(_Dumper):  # type: ignore[misc, valid-type]
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
