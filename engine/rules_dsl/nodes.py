"""The syntax tree: one frozen dataclass per form.

Positions (``line``/``col``, 1-based) and size bookkeeping (``depth``/``size``) do not take
part in equality, so a printed-and-reparsed tree compares equal to the original.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

__all__ = [
    "Node",
    "Literal",
    "ListLit",
    "Name",
    "Member",
    "Call",
    "Lambda",
    "Unary",
    "Binary",
    "BoolOp",
    "Conditional",
    "LiteralValue",
    "ARITHMETIC_OPS",
    "COMPARISON_OPS",
    "MEMBERSHIP_OPS",
]

LiteralValue = str | int | Decimal | bool | timedelta | None

ARITHMETIC_OPS = frozenset({"+", "-", "*", "/", "%"})
COMPARISON_OPS = frozenset({"==", "!=", "<", "<=", ">", ">="})
MEMBERSHIP_OPS = frozenset({"in", "not in"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Node:
    line: int = field(default=1, compare=False)
    col: int = field(default=1, compare=False)
    depth: int = field(default=1, compare=False, repr=False)
    size: int = field(default=1, compare=False, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Literal(Node):
    """A constant. ``kind`` is one of string, integer, decimal, boolean, null, duration."""

    kind: str
    value: LiteralValue


@dataclass(frozen=True, slots=True, kw_only=True)
class ListLit(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Name(Node):
    name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Member(Node):
    """``target.name``; ``name_line``/``name_col`` point at the field name for errors."""

    target: Node
    name: str
    name_line: int = field(default=1, compare=False)
    name_col: int = field(default=1, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Lambda(Node):
    """``param -> body``; only valid as the last argument of a collection macro."""

    param: str
    body: Node


@dataclass(frozen=True, slots=True, kw_only=True)
class Call(Node):
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Unary(Node):
    """``-x`` or ``not x``."""

    op: str
    operand: Node


@dataclass(frozen=True, slots=True, kw_only=True)
class Binary(Node):
    """Arithmetic, comparison and membership; ``op_line``/``op_col`` locate the operator."""

    op: str
    left: Node
    right: Node
    op_line: int = field(default=1, compare=False)
    op_col: int = field(default=1, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class BoolOp(Node):
    """``a and b and c`` / ``a or b or c`` as one flat node (chains do not deepen the tree)."""

    op: str
    operands: tuple[Node, ...]
    #: Written in parentheses: the parser does not merge it into an enclosing chain.
    grouped: bool = field(default=False, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Conditional(Node):
    """``if cond then a else b``."""

    cond: Node
    then: Node
    otherwise: Node
