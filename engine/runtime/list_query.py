"""What a list asks for: filters, sort order and a page, checked against the object.

The query-string form (``?priority=P1&created_at__gte=2026-01-01&sort=-created_at&limit=50``)
is parsed here, so the API and the command line share one syntax. Every problem is reported
at once, each with the parameter it came from and, for a misspelt field, a suggestion.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from engine.errors import FieldIssue, ValidationFailed, did_you_mean
from engine.objects.model import FieldDef, FieldType, ObjectType
from engine.objects.storable import (
    DATETIME_RANGE_MESSAGE,
    INT64_MAX,
    decimal_problem,
    duration_problem,
    int64_problem,
)
from engine.objects.values import parse_datetime

__all__ = [
    "Op",
    "Filter",
    "SortKey",
    "ListQuery",
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "RESERVED_PARAMS",
    "parse_list_params",
    "check_list_query",
    "ops_for",
]

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
#: Query parameters that are not filters. A field with one of these names is filtered with an
#: explicit operator (``limit__eq=3``).
RESERVED_PARAMS = frozenset({"sort", "limit", "offset", "locale"})


class Op(StrEnum):
    EQ = "eq"
    NE = "ne"
    LT = "lt"
    LTE = "lte"
    GT = "gt"
    GTE = "gte"
    IN = "in"
    CONTAINS = "contains"
    ISNULL = "isnull"


_ALIASES = {"le": Op.LTE, "ge": Op.GTE}
_ORDERED = (Op.EQ, Op.NE, Op.LT, Op.LTE, Op.GT, Op.GTE, Op.IN, Op.ISNULL)
_OPS_BY_TYPE: dict[FieldType, tuple[Op, ...]] = {
    FieldType.STRING: (*_ORDERED, Op.CONTAINS),
    FieldType.TEXT: (*_ORDERED, Op.CONTAINS),
    FieldType.EMAIL: (*_ORDERED, Op.CONTAINS),
    FieldType.PHONE: (*_ORDERED, Op.CONTAINS),
    FieldType.URL: (*_ORDERED, Op.CONTAINS),
    FieldType.INTEGER: _ORDERED,
    FieldType.DECIMAL: _ORDERED,
    FieldType.DATE: _ORDERED,
    FieldType.DATETIME: _ORDERED,
    FieldType.DURATION: _ORDERED,
    FieldType.BOOLEAN: (Op.EQ, Op.NE, Op.ISNULL),
    FieldType.ENUM: (Op.EQ, Op.NE, Op.IN, Op.ISNULL),
    FieldType.REFERENCE: (Op.EQ, Op.NE, Op.IN, Op.ISNULL),
    FieldType.MULTI_ENUM: (Op.CONTAINS, Op.ISNULL),
    FieldType.TAGS: (Op.CONTAINS, Op.ISNULL),
    FieldType.JSON: (Op.ISNULL,),
}
_UNSORTABLE = frozenset({FieldType.MULTI_ENUM, FieldType.TAGS, FieldType.JSON})


def ops_for(f: FieldDef) -> tuple[Op, ...]:
    """The operators a filter on field ``f`` may use."""
    return _OPS_BY_TYPE[f.type]


@dataclass(frozen=True, slots=True)
class Filter:
    """``field <op> value`` with a Python value of the field's type (a tuple for ``in``, a bool
    for ``isnull``, one element for ``contains`` on a list field)."""

    field: str
    op: Op
    value: Any


@dataclass(frozen=True, slots=True)
class SortKey:
    field: str
    descending: bool = False


@dataclass(frozen=True, slots=True)
class ListQuery:
    filters: tuple[Filter, ...] = ()
    sort: tuple[SortKey, ...] = ()
    limit: int = DEFAULT_LIMIT
    offset: int = 0


class _BadValue(ValueError):
    pass


def _parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise _BadValue("expected true or false")


def _parse_datetime(text: str) -> datetime:
    if len(text) == 10:  # a bare date means its midnight, UTC
        try:
            return datetime.combine(date.fromisoformat(text), time(), UTC)
        except ValueError:
            raise _BadValue("expected a date, e.g. 2026-01-31") from None
    # An unescaped "+08:00" offset arrives as " 08:00" from a query string.
    try:
        return parse_datetime(text.replace(" ", "+") if "T" in text.upper() else text)
    except ValueError as exc:
        detail = str(exc) if "time zone" in str(exc) or str(exc) == DATETIME_RANGE_MESSAGE \
            else "expected an ISO 8601 date-time, e.g. 2026-01-31T09:00:00Z, or a date"
        raise _BadValue(detail) from None


def _checked(value: Any, problem: str | None) -> Any:
    if problem is not None:
        raise _BadValue(problem)
    return value


def _parse_scalar(f: FieldDef, text: str) -> Any:
    """The Python value of query-string ``text`` for field ``f``."""
    t = f.type
    if t in (FieldType.INTEGER, FieldType.REFERENCE):
        try:
            number = int(text)
        except ValueError:
            raise _BadValue("expected an integer") from None
        return _checked(number, int64_problem(number))
    if t is FieldType.DECIMAL:
        try:
            decimal = Decimal(text)
        except InvalidOperation:
            raise _BadValue("expected a decimal number") from None
        return _checked(decimal, decimal_problem(decimal))
    if t is FieldType.BOOLEAN:
        return _parse_bool(text)
    if t is FieldType.DATE:
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise _BadValue("expected a date, e.g. 2026-01-31") from None
    if t is FieldType.DATETIME:
        return _parse_datetime(text)
    if t is FieldType.DURATION:
        try:
            seconds = int(text)
        except ValueError:
            raise _BadValue("expected a whole number of seconds") from None
        return timedelta(seconds=_checked(seconds, duration_problem(seconds)))
    if t in (FieldType.ENUM, FieldType.MULTI_ENUM) and text not in f.option_values:
        choices = ", ".join(f.option_values)
        raise _BadValue(f"'{text}' is not an option{did_you_mean(text, f.option_values)}; "
                        f"choose one of: {choices}")
    return text


def _split_key(key: str) -> tuple[str, str | None]:
    name, sep, op = key.rpartition("__")
    return (name, op) if sep else (key, None)


def _parse_filter(
    obj: ObjectType, key: str, text: str, issues: list[FieldIssue]
) -> Filter | None:
    loc = ("query", key)
    name, op_text = _split_key(key)
    f = obj.fields.get(name)
    if f is None:
        hint = did_you_mean(name, list(obj.fields) + sorted(RESERVED_PARAMS))
        issues.append(FieldIssue(loc, f"unknown field '{name}' on object '{obj.name}'{hint}",
                                 "unknown_field"))
        return None
    try:
        op = Op(op_text) if op_text else (Op.CONTAINS if f.type.is_list else Op.EQ)
    except ValueError:
        op_name = op_text or ""
        if op_name not in _ALIASES:
            allowed = ", ".join(ops_for(f))
            issues.append(FieldIssue(loc, f"unknown operator '{op_name}'"
                                          f"{did_you_mean(op_name, list(Op))}; use one of: "
                                          f"{allowed}", "unknown_operator"))
            return None
        op = _ALIASES[op_name]
    if op not in ops_for(f):
        allowed = ", ".join(ops_for(f))
        issues.append(FieldIssue(loc, f"operator '{op}' does not apply to {f.type} field "
                                      f"'{name}'; use one of: {allowed}", "invalid_operator"))
        return None
    try:
        if op is Op.ISNULL:
            value: Any = _parse_bool(text)
        elif op is Op.IN:
            value = tuple(_parse_scalar(f, part) for part in text.split(",") if part != "")
            if not value:
                raise _BadValue("expected a comma-separated list of values")
        elif op is Op.CONTAINS:
            if not text:
                raise _BadValue("expected a non-empty text")
            value = _parse_scalar(f, text) if f.type is FieldType.MULTI_ENUM else text
        else:
            value = _parse_scalar(f, text)
    except _BadValue as exc:
        issues.append(FieldIssue(loc, str(exc), "invalid_value"))
        return None
    return Filter(name, op, value)


def _parse_sort(obj: ObjectType, text: str, issues: list[FieldIssue]) -> tuple[SortKey, ...]:
    keys: list[SortKey] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        descending = part.startswith("-")
        name = part.lstrip("+-")
        f = obj.fields.get(name)
        if f is None:
            issues.append(FieldIssue(("query", "sort"), f"unknown field '{name}' on object "
                                     f"'{obj.name}'{did_you_mean(name, obj.fields)}",
                                     "unknown_field"))
        elif f.type in _UNSORTABLE:
            issues.append(FieldIssue(("query", "sort"), f"cannot sort by {f.type} field "
                                     f"'{name}'", "invalid_sort"))
        else:
            keys.append(SortKey(name, descending))
    return tuple(keys)


def _parse_int(
    key: str, text: str, low: int, high: int, issues: list[FieldIssue]
) -> int | None:
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        issues.append(FieldIssue(("query", key), f"expected a whole number between {low} and "
                                 f"{high}", "invalid_value"))
        return None
    return value


def parse_list_params(
    obj: ObjectType, params: Iterable[tuple[str, str]], *, max_limit: int = MAX_LIMIT
) -> ListQuery:
    """The :class:`ListQuery` that query-string ``params`` ask of ``obj``.

    ``field=value`` means equals (contains, for tags and multi-choice fields);
    ``field__op=value`` uses ``op`` (eq, ne, lt, lte, gt, gte, in, contains, isnull);
    ``sort=-a,b`` sorts by ``a`` descending then ``b``; ``limit`` and ``offset`` page.
    Raises :class:`ValidationFailed` listing every bad parameter.
    """
    issues: list[FieldIssue] = []
    filters: list[Filter] = []
    sort: tuple[SortKey, ...] = ()
    limit, offset = DEFAULT_LIMIT, 0
    for key, text in params:
        if key == "sort":
            sort += _parse_sort(obj, text, issues)
        elif key == "limit":
            limit = _parse_int(key, text, 1, max_limit, issues) or limit
        elif key == "offset":
            offset = _parse_int(key, text, 0, INT64_MAX, issues) or 0
        elif key == "locale":
            continue
        else:
            parsed = _parse_filter(obj, key, text, issues)
            if parsed is not None:
                filters.append(parsed)
    if issues:
        raise ValidationFailed(issues)
    return ListQuery(tuple(filters), sort, limit, offset)


def check_list_query(obj: ObjectType, query: ListQuery, *, max_limit: int = MAX_LIMIT) -> None:
    """Raise :class:`ValidationFailed` if a query built in code names unknown fields, applies
    an operator to a field type it does not fit, or asks for an impossible page."""
    issues: list[FieldIssue] = []
    for i, flt in enumerate(query.filters):
        f = obj.fields.get(flt.field)
        if f is None:
            issues.append(FieldIssue(("filters", i), f"unknown field '{flt.field}' on object "
                                     f"'{obj.name}'{did_you_mean(flt.field, obj.fields)}",
                                     "unknown_field"))
        elif Op(flt.op) not in ops_for(f):
            issues.append(FieldIssue(("filters", i), f"operator '{flt.op}' does not apply to "
                                     f"{f.type} field '{flt.field}'", "invalid_operator"))
    for i, key in enumerate(query.sort):
        f = obj.fields.get(key.field)
        if f is None or f.type in _UNSORTABLE:
            issues.append(FieldIssue(("sort", i), f"cannot sort by '{key.field}'",
                                     "invalid_sort"))
    if not 1 <= query.limit <= max_limit:
        issues.append(FieldIssue(("limit",), f"expected between 1 and {max_limit}",
                                 "invalid_value"))
    if not 0 <= query.offset <= INT64_MAX:
        issues.append(FieldIssue(("offset",), f"expected between 0 and {INT64_MAX}",
                                 "invalid_value"))
    if issues:
        raise ValidationFailed(issues)

