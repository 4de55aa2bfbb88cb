"""YAML loading that remembers where every value came from.

A pack or rules file that is wrong must be refused with the file and line of the mistake
("PK.yaml:41: ..."), not a Python traceback. PyYAML's composer keeps each node's start mark; we
build plain Python data from the node tree and, on the side, a map from each value's path
(``("order_types", 2, "deadline")``) to its 1-based line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from nigran.errors import PackInvalid

PathKey = tuple[str | int, ...]


@dataclass(slots=True)
class Located:
    """Parsed YAML plus the line of each value, addressed by its path."""

    data: Any
    file: str
    lines: dict[PathKey, int] = field(default_factory=dict)

    def line(self, path: Iterable[str | int]) -> int:
        """The line of ``path`` or, if it is missing, of its nearest present parent."""
        key = tuple(path)
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return self.lines.get((), 1)

    def where(self, path: Iterable[str | int]) -> str:
        return f"{self.file}:{self.line(path)}"


def _build(node: yaml.Node, path: PathKey, lines: dict[PathKey, int], file: str) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _build(key_node, (*path, "<key>"), {}, file)
            if not isinstance(key, str | int | bool | float) and key is not None:
                raise PackInvalid(
                    "mapping keys must be plain scalars",
                    where=f"{file}:{key_node.start_mark.line + 1}",
                )
            if key in out:
                # PyYAML silently keeps the last duplicate; a duplicated rule id or ground
                # would then vanish without a word, so it is an error here.
                raise PackInvalid(
                    f"duplicate key {key!r}", where=f"{file}:{key_node.start_mark.line + 1}"
                )
            child = (*path, str(key))
            out[key] = _build(value_node, child, lines, file)
            lines[child] = key_node.start_mark.line + 1  # point at the key, not its value
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(v, (*path, i), lines, file) for i, v in enumerate(node.value)]
    # Scalars: let the safe constructor resolve the tag (int, float, bool, null, date, str).
    value = yaml.SafeLoader("").construct_object(node, deep=True)
    # Dates stay ISO strings: the schema checks their format and the loader parses them once.
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def load_located(text: str, file: str) -> Located:
    """Parse one YAML document; syntax errors become :class:`PackInvalid` with file and line."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else 1
        raise PackInvalid(f"not valid YAML: {exc.problem}", where=f"{file}:{line}") from exc
    except yaml.YAMLError as exc:
        raise PackInvalid(f"not valid YAML: {exc}", where=file) from exc
    if root is None:
        raise PackInvalid("the file is empty", where=f"{file}:1")
    lines: dict[PathKey, int] = {}
    data = _build(root, (), lines, file)
    return Located(data=data, file=file, lines=lines)


def load_located_file(path: Path) -> Located:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PackInvalid(f"cannot read: {exc.strerror}", where=str(path)) from exc
    except UnicodeDecodeError as exc:
        raise PackInvalid("not UTF-8 text", where=str(path)) from exc
    return load_located(text, str(path))
