"""From a checked :class:`ListQuery` to SQL: WHERE clauses, ORDER BY, and a page.

The two databases must answer alike, so the differences are settled here: text ``contains``
is case-insensitive on both, NULLs sort after every value (before them when descending), list
fields (tags, multi-choice) are matched element-wise with each database's JSON functions.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    Text,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB

from engine.objects.model import FieldType, ObjectType
from engine.runtime.list_query import Filter, ListQuery, Op

__all__ = ["where_clause", "order_by", "page_select", "count_select"]


def _list_contains(column: Any, value: Any, dialect: str) -> ColumnElement[bool]:
    if dialect == "postgresql":
        return cast(column, JSONB).contains(literal([value], JSONB))
    each = func.json_each(column).table_valued("value")
    return exists(select(literal(1)).select_from(each).where(each.c.value == value))


def _condition(table: Table, obj: ObjectType, flt: Filter, dialect: str) -> Any:
    column = table.c[flt.field]
    f = obj.fields[flt.field]
    op = Op(flt.op)
    value = flt.value
    if op is Op.ISNULL:
        if f.type.is_list or f.type is FieldType.JSON:
            # A JSON column may hold SQL NULL or the JSON value null; both mean "no value".
            empty = column.is_(None) | (cast(column, Text) == "null")
            return empty if value else ~empty
        return column.is_(None) if value else column.is_not(None)
    if op is Op.CONTAINS:
        if f.type.is_list:
            return _list_contains(column, value, dialect)
        return column.icontains(value, autoescape=True)
    if op is Op.IN:
        return column.in_(list(value))
    if op is Op.NE:
        # "not equal" includes records with no value, as a person reading the filter expects.
        return (column != value) | column.is_(None)
    if op is Op.LT:
        return column < value
    if op is Op.LTE:
        return column <= value
    if op is Op.GT:
        return column > value
    if op is Op.GTE:
        return column >= value
    return column == value


def where_clause(table: Table, obj: ObjectType, query: ListQuery, dialect: str) -> Any:
    conditions = [_condition(table, obj, flt, dialect) for flt in query.filters]
    return and_(true(), *conditions)


def _sort_expression(table: Table, obj: ObjectType, name: str) -> Any:
    f = obj.fields[name]
    column = table.c[name]
    if f.type is FieldType.ENUM and f.options:
        # Choices sort in the order the pack lists them (P1 before P2, new before closed).
        return case({v: i for i, v in enumerate(f.option_values)}, value=column,
                    else_=len(f.options))
    return column


def order_by(table: Table, obj: ObjectType, query: ListQuery) -> list[Any]:
    """The sort keys asked for, then ``id`` so that pages never overlap or skip. Records
    without a value come last in either direction."""
    clauses: list[Any] = []
    for key in query.sort:
        expression = _sort_expression(table, obj, key.field)
        clause = expression.desc() if key.descending else expression.asc()
        clauses.append(clause if obj.fields[key.field].system else clause.nulls_last())
    if not any(k.field == "id" for k in query.sort):
        clauses.append(table.c.id.asc())
    return clauses


def page_select(table: Table, obj: ObjectType, query: ListQuery, dialect: str) -> Select[Any]:
    return (
        select(table)
        .where(where_clause(table, obj, query, dialect))
        .order_by(*order_by(table, obj, query))
        .limit(query.limit)
        .offset(query.offset)
    )


def count_select(table: Table, obj: ObjectType, query: ListQuery, dialect: str) -> Select[Any]:
    return (
        select(func.count())
        .select_from(table)
        .where(where_clause(table, obj, query, dialect))
    )

