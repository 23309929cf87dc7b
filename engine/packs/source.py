"""YAML documents that remember where every key and value came from.

PyYAML's composer gives nodes with marks; we build plain Python data from them and keep, for
each path into the data, the position of its key and of its value. Errors found later (by
pydantic, the compiler or the DSL checker) are reported at those positions.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from engine.errors import PackError, Problem, SourcePos

__all__ = ["Path_", "SourceDocument", "load_yaml_document"]

#: A path into a YAML document: mapping keys and sequence indexes.
Path_ = tuple[Hashable, ...]

# Documents are small and trusted not to be adversarial, but a YAML bomb (aliases of aliases)
# must still not exhaust memory: aliases are refused outright.
_MAX_FILE_BYTES = 2 * 1024 * 1024


@dataclass(slots=True)
class SourceDocument:
    """One YAML file as data, with the position of every key and value in it."""

    file: str
    data: Any
    value_positions: dict[Path_, SourcePos] = field(default_factory=dict)
    key_positions: dict[Path_, SourcePos] = field(default_factory=dict)
    #: Scalar style (None for plain, '"', "'", '|', '>') per path, to map DSL columns.
    scalar_styles: dict[Path_, str | None] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)

    def pos(self, path: Path_) -> SourcePos:
        """The position of the value at ``path``, or of its nearest enclosing node."""
        p = tuple(path)
        while p:
            if p in self.value_positions:
                return self.value_positions[p]
            p = p[:-1]
        return self.value_positions.get((), SourcePos(self.file, 1, 1))

    def key_pos(self, path: Path_) -> SourcePos:
        """The position of the key that ends ``path`` (falls back to the value's position)."""
        return self.key_positions.get(tuple(path)) or self.pos(path)

    def expression_pos(self, path: Path_, line: int, col: int) -> SourcePos:
        """Map a 1-based (line, col) inside the string at ``path`` to a file position."""
        start = self.pos(path)
        style = self.scalar_styles.get(tuple(path))
        if style in ("|", ">"):
            # Block scalars start on the line after the indicator, indented.
            target = start.line + line
            text = self.lines[target - 1] if 0 < target <= len(self.lines) else ""
            indent = len(text) - len(text.lstrip(" "))
            return SourcePos(self.file, target, indent + col)
        quote = 1 if style in ('"', "'") else 0
        if line == 1:
            return SourcePos(self.file, start.line, start.col + quote + col - 1)
        return SourcePos(self.file, start.line + line - 1, col)


class _Builder:
    def __init__(self, doc: SourceDocument) -> None:
        self.doc = doc
        self.constructor = SafeConstructor()
        self.problems: list[Problem] = []

    def mark(self, node: Node) -> SourcePos:
        return SourcePos(self.doc.file, node.start_mark.line + 1, node.start_mark.column + 1)

    def build(self, node: Node, path: Path_) -> Any:
        self.doc.value_positions[path] = self.mark(node)
        if isinstance(node, MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    self.problems.append(
                        Problem("yaml_merge_key", "merge keys ('<<') are not supported",
                                self.mark(key_node))
                    )
                    continue
                key = self.build_scalar_key(key_node)
                if key is None:
                    continue
                if key in result:
                    self.problems.append(
                        Problem("yaml_duplicate_key", f"duplicate key '{key}'", self.mark(key_node))
                    )
                    continue
                self.doc.key_positions[(*path, key)] = self.mark(key_node)
                result[key] = self.build(value_node, (*path, key))
            return result
        if isinstance(node, SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        assert isinstance(node, ScalarNode)
        self.doc.scalar_styles[path] = node.style
        try:
            return self.constructor.construct_object(node, deep=True)
        except ValueError as exc:
            # A plain scalar that looks like a date but is none (2026-02-30) fails here.
            self.problems.append(Problem("invalid_value", f"'{node.value}' cannot be read: {exc}",
                                         self.mark(node)))
            return node.value

    def build_scalar_key(self, node: Node) -> Hashable | None:
        if not isinstance(node, ScalarNode):
            self.problems.append(
                Problem("yaml_complex_key", "mapping keys must be plain strings", self.mark(node))
            )
            return None
        value = self.constructor.construct_object(node)
        # YAML 1.1 reads `on`, `yes`, `no` as booleans; as keys they are always meant as text.
        return node.value if isinstance(value, bool) else value


def _refuse_aliases(node: Node, file: str, seen: set[int]) -> list[Problem]:
    problems: list[Problem] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if id(n) in seen:
            problems.append(
                Problem(
                    "yaml_alias",
                    "anchors and aliases ('&x' / '*x') are not supported; repeat the value",
                    SourcePos(file, n.start_mark.line + 1, n.start_mark.column + 1),
                )
            )
            continue
        seen.add(id(n))
        if isinstance(n, MappingNode):
            for k, v in n.value:
                stack.extend((k, v))
        elif isinstance(n, SequenceNode):
            stack.extend(n.value)
    return problems


def load_yaml_document(path: Path, display_name: str | None = None) -> SourceDocument:
    """Read ``path`` as one YAML document; raise :class:`PackError` on a syntax problem."""
    name = display_name or str(path)
    raw = path.read_bytes()
    if len(raw) > _MAX_FILE_BYTES:
        raise PackError([Problem("file_too_large", f"file is over {_MAX_FILE_BYTES} bytes",
                                 SourcePos(name, 1, 1))])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PackError([Problem("file_not_utf8", f"file is not UTF-8: {exc}",
                                 SourcePos(name, 1, 1))]) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = SourcePos(name, mark.line + 1, mark.column + 1) if mark else SourcePos(name, 1, 1)
        problem = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        raise PackError([Problem("yaml_syntax", f"YAML syntax error: {problem}{context}", pos)]
                        ) from None
    except yaml.YAMLError as exc:
        raise PackError([Problem("yaml_syntax", f"YAML error: {exc}", SourcePos(name, 1, 1))]
                        ) from None
    doc = SourceDocument(file=name, data=None, lines=text.splitlines())
    if node is None:
        doc.data = {}
        doc.value_positions[()] = SourcePos(name, 1, 1)
        return doc
    alias_problems = _refuse_aliases(node, name, set())
    if alias_problems:
        raise PackError(alias_problems)
    builder = _Builder(doc)
    doc.data = builder.build(node, ())
    if builder.problems:
        raise PackError(builder.problems)
    return doc
