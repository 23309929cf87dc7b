"""Record filters as SQL: the subset of the rule DSL that a permission filter may use, and its
translation into a SQLAlchemy condition, so a list counts and pages only visible records.

The subset: ``and``/``or``/``not``; comparisons (``== != < <= > >=``) and ``in``/``not in``
between a field path (``queue``, ``ticket.customer`` through references) and a value known
before the query runs (a literal, a list of literals, ``user.<attribute>``); ``==``/``!=``
between two fields of the record; a boolean field alone; ``true``/``false``. Ordering is
allowed on numbers, dates, datetimes and durations only (enum and text order differ between
the DSL and SQL). Every condition built here is true or false, never SQL NULL, and follows the
DSL's null rules (SPEC §5), so the SQL and the DSL agree on every record.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, false, not_, or_, select, true

from engine.objects.model import FieldDef, FieldType, ObjectType
from engine.rules_dsl.nodes import (
    COMPARISON_OPS,
    MEMBERSHIP_OPS,
    Binary,
    BoolOp,
    ListLit,
    Literal,
    Member,
    Name,
    Node,
    Unary,
)

__all__ = ["unsupported_part", "filter_condition", "USER_ROOT"]

USER_ROOT = "user"
_ORDERABLE = frozenset({FieldType.INTEGER, FieldType.DECIMAL, FieldType.DATE,
                        FieldType.DATETIME, FieldType.DURATION})
_ORDERING: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}
_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


@dataclass(frozen=True, slots=True)
class _Path:
    """``ref1.ref2.field``: each step is (object name, field name)."""

    steps: tuple[tuple[str, str], ...]

    @property
    def last(self) -> tuple[str, str]:
        return self.steps[-1]


@dataclass(frozen=True, slots=True)
class _Const:
    """A value known before the query: a literal, a list of literals or ``user.<name>``."""

    node: Node


class _Unsupported(Exception):
    def __init__(self, node: Node, why: str) -> None:
        super().__init__(why)
        self.node = node
        self.why = why


def _operand(node: Node, obj: ObjectType, objects: Mapping[str, ObjectType]) -> _Path | _Const:
    if isinstance(node, Literal):
        return _Const(node)
    if isinstance(node, ListLit):
        for item in node.items:
            if not isinstance(item, Literal):
                raise _Unsupported(item, "list items must be literals")
        return _Const(node)
    if isinstance(node, Name):
        if node.name in obj.fields:
            return _Path(((obj.name, node.name),))
        raise _Unsupported(node, f"'{node.name}' is not a field of '{obj.name}'")
    if isinstance(node, Member):
        if isinstance(node.target, Name) and node.target.name == USER_ROOT \
                and USER_ROOT not in obj.fields:
            return _Const(node)
        target = _operand(node.target, obj, objects)
        if isinstance(target, _Path):
            owner, fname = target.last
            to = objects[owner].fields[fname].reference_to
            if to is not None and to in objects and node.name in objects[to].fields:
                return _Path((*target.steps, (to, node.name)))
        raise _Unsupported(node, "only fields, references to fields and user.<name> are allowed")
    raise _Unsupported(node, "only fields, literals and user.<name> are allowed here")


def _field(path: _Path, objects: Mapping[str, ObjectType]) -> FieldDef:
    owner, fname = path.last
    return objects[owner].fields[fname]


def _check(node: Node, obj: ObjectType, objects: Mapping[str, ObjectType]) -> None:
    if isinstance(node, BoolOp):
        for operand in node.operands:
            _check(operand, obj, objects)
        return
    if isinstance(node, Unary) and node.op == "not":
        _check(node.operand, obj, objects)
        return
    if isinstance(node, Literal) and isinstance(node.value, bool):
        return
    if isinstance(node, Binary) and (node.op in COMPARISON_OPS or node.op in MEMBERSHIP_OPS):
        left = _operand(node.left, obj, objects)
        right = _operand(node.right, obj, objects)
        for side, where in ((left, node.left), (right, node.right)):
            if isinstance(side, _Path):
                f = _field(side, objects)
                if f.type.is_list or f.type is FieldType.JSON:
                    raise _Unsupported(where, f"{f.type} fields cannot be compared in a filter")
                if node.op in _ORDERING and f.type not in _ORDERABLE:
                    raise _Unsupported(where, f"'{node.op}' on a {f.type} field orders "
                                              "differently in SQL; compare with == or in")
        if node.op in MEMBERSHIP_OPS:
            if isinstance(right, _Path):
                raise _Unsupported(node.right, "the right of 'in' must be a list literal or "
                                               "user.<name>")
            return
        if isinstance(left, _Path) and isinstance(right, _Path) and (
                node.op not in ("==", "!=") or len(left.steps) > 1 or len(right.steps) > 1):
            raise _Unsupported(node, "two fields may only be compared with == or != and "
                                     "without following references")
        return
    if isinstance(node, Name | Member):
        alone = _operand(node, obj, objects)
        if isinstance(alone, _Const) or _field(alone, objects).type is FieldType.BOOLEAN:
            return
    raise _Unsupported(node, "a record filter may use and, or, not, comparisons, in, fields, "
                             "literals and user.<name> only")


def unsupported_part(
    tree: Node, obj: ObjectType, objects: Mapping[str, ObjectType]
) -> tuple[Node, str] | None:
    """The first part of a checked boolean filter over ``obj`` that cannot run as SQL, with
    why; ``None`` when the whole filter can."""
    try:
        _check(tree, obj, objects)
    except _Unsupported as exc:
        return exc.node, exc.why
    return None


# -- translation -------------------------------------------------------------------------


def _const_value(node: Node, user: Mapping[str, Any]) -> Any:
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, ListLit):
        return [_const_value(item, user) for item in node.items]
    assert isinstance(node, Member)
    return user.get(node.name)


def _null_outcome(op: str, value: Any) -> bool:
    """The DSL's answer for ``null <op> value`` (SPEC §5)."""
    if op == "==":
        return value is None
    if op == "!=":
        return value is not None
    if op == "in":
        return value is not None and None in value
    if op == "not in":
        return not (value is not None and None in value)
    return False


def _const_outcome(op: str, left: Any, right: Any) -> bool:
    if op == "==":
        return bool(left == right)
    if op == "!=":
        return bool(left != right)
    if op in ("in", "not in"):
        found = right is not None and left in right
        return found if op == "in" else not found
    if left is None or right is None:
        return False
    return bool(_ORDERING[op](left, right))


def _column_test(column: Any, op: str, value: Any) -> ColumnElement[bool]:
    if op == "==":
        return column.is_(None) if value is None else and_(column.is_not(None), column == value)
    if op == "!=":
        return column.is_not(None) if value is None else or_(column.is_(None), column != value)
    if op in ("in", "not in"):
        values = list(value or ())
        present = [v for v in values if v is not None]
        found: ColumnElement[bool] = (
            and_(column.is_not(None), column.in_(present)) if present else false())
        if None in values:
            found = or_(column.is_(None), found)
        return found if op == "in" else not_(found)
    if value is None:
        return false()
    return and_(column.is_not(None), _ORDERING[op](column, value))


class _Translator:
    def __init__(self, objects: Mapping[str, ObjectType], tables: Mapping[str, Table],
                 user: Mapping[str, Any]) -> None:
        self.objects, self.tables, self.user = objects, tables, user

    def path_test(self, steps: tuple[tuple[str, str], ...], op: str,
                  value: Any) -> ColumnElement[bool]:
        owner, fname = steps[0]
        column = self.tables[owner].c[fname]
        if len(steps) == 1:
            return _column_test(column, op, value)
        target = self.tables[steps[1][0]]
        inner = self.path_test(steps[1:], op, value)
        linked = and_(column.is_not(None), column.in_(select(target.c.id).where(inner)))
        # A null reference makes the whole path null.
        return or_(column.is_(None), linked) if _null_outcome(op, value) else linked

    def condition(self, node: Node, obj: ObjectType) -> ColumnElement[bool]:
        if isinstance(node, BoolOp):
            parts = [self.condition(n, obj) for n in node.operands]
            return and_(*parts) if node.op == "and" else or_(*parts)
        if isinstance(node, Unary):
            return not_(self.condition(node.operand, obj))
        if isinstance(node, Literal):
            return true() if node.value else false()
        if isinstance(node, Binary):
            return self.comparison(node, obj)
        operand = _operand(node, obj, self.objects)
        if isinstance(operand, _Const):
            return true() if _const_value(operand.node, self.user) is True else false()
        return self.path_test(operand.steps, "==", True)

    def comparison(self, node: Binary, obj: ObjectType) -> ColumnElement[bool]:
        left = _operand(node.left, obj, self.objects)
        right = _operand(node.right, obj, self.objects)
        op = node.op
        if isinstance(left, _Path) and isinstance(right, _Path):
            a = self.tables[obj.name].c[left.last[1]]
            b = self.tables[obj.name].c[right.last[1]]
            return a.is_not_distinct_from(b) if op == "==" else a.is_distinct_from(b)
        if isinstance(left, _Const) and isinstance(right, _Const):
            outcome = _const_outcome(op, _const_value(left.node, self.user),
                                     _const_value(right.node, self.user))
            return true() if outcome else false()
        if isinstance(right, _Path):  # a value on the left of a comparison: flip it
            assert isinstance(left, _Const)
            return self.path_test(right.steps, _FLIPPED[op],
                                  _const_value(left.node, self.user))
        assert isinstance(left, _Path) and isinstance(right, _Const)
        return self.path_test(left.steps, op, _const_value(right.node, self.user))


def filter_condition(
    tree: Node,
    obj: ObjectType,
    objects: Mapping[str, ObjectType],
    tables: Mapping[str, Table],
    user: Mapping[str, Any],
) -> ColumnElement[bool]:
    """The SQL condition selecting ``obj``'s records for which filter ``tree`` holds, with
    ``user`` the acting user's values. ``tree`` must have passed :func:`unsupported_part`."""
    return _Translator(objects, tables, user).condition(tree, obj)
