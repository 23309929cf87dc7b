"""Comparing a column's live SQL type with the type a field wants: same, wider, narrower, or
incompatible. Widening keeps every value; the other two may lose some."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import types as sqltypes
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = ["TypeChange", "ColumnShape", "column_shape", "compare_types", "type_label"]


class TypeChange(StrEnum):
    SAME = "same"
    WIDEN = "widen"
    NARROW = "narrow"
    INCOMPATIBLE = "incompatible"


@dataclass(frozen=True, slots=True)
class ColumnShape:
    """What a SQL type can hold, in the terms that decide whether values survive a change.

    ``family`` is one of string, text, integer, decimal, boolean, date, datetime, json or the
    type's SQL name; ``size`` is a string's length, an integer's byte width or a decimal's
    precision; ``scale`` is a decimal's digits after the point.
    """

    family: str
    size: int | None = None
    scale: int | None = None
    sql: str = ""


def _dialect_type(t: TypeEngine[Any], dialect: Dialect) -> TypeEngine[Any]:
    impl = t.dialect_impl(dialect)
    # Our own types (UtcDateTime, DurationSeconds) decorate a plain type; look through them.
    while isinstance(impl, TypeDecorator):
        impl = impl.load_dialect_impl(dialect).dialect_impl(dialect)
    return impl


def column_shape(t: TypeEngine[Any], dialect: Dialect) -> ColumnShape:
    """The shape of ``t`` as ``dialect`` stores it (a declared or a reflected type)."""
    impl = _dialect_type(t, dialect)
    sql = dialect.type_compiler_instance.process(impl)
    # Order matters: Text is a String, BigInteger an Integer, DateTime no Date.
    if isinstance(impl, sqltypes.Boolean):
        return ColumnShape("boolean", sql=sql)
    if isinstance(impl, sqltypes.Text):
        return ColumnShape("text", sql=sql)
    if isinstance(impl, sqltypes.String):
        return ColumnShape("string" if impl.length else "text", impl.length, sql=sql)
    if isinstance(impl, sqltypes.Integer):
        width = 8 if isinstance(impl, sqltypes.BigInteger) else 4
        return ColumnShape("integer", width, sql=sql)
    if isinstance(impl, sqltypes.Numeric) and not isinstance(impl, sqltypes.Float):
        return ColumnShape("decimal", impl.precision, impl.scale, sql=sql)
    if isinstance(impl, sqltypes.DateTime):
        return ColumnShape("datetime", sql=sql)
    if isinstance(impl, sqltypes.Date):
        return ColumnShape("date", sql=sql)
    if isinstance(impl, sqltypes.JSON):
        return ColumnShape("json", sql=sql)
    return ColumnShape(sql, sql=sql)


def compare_types(live: ColumnShape, wanted: ColumnShape) -> TypeChange:
    """How changing a column from ``live`` to ``wanted`` treats the values already stored."""
    if live.sql == wanted.sql:
        return TypeChange.SAME
    pair = (live.family, wanted.family)
    if pair == ("string", "string"):
        return _by_size(live.size, wanted.size)
    if pair in (("string", "text"), ("integer", "decimal")):
        return TypeChange.WIDEN
    if pair in (("text", "string"), ("decimal", "integer")):
        return TypeChange.NARROW
    if pair == ("integer", "integer"):
        return _by_size(live.size, wanted.size)
    if pair == ("decimal", "decimal"):
        live_scale, wanted_scale = live.scale or 0, wanted.scale or 0
        if (live.size, live_scale) == (wanted.size, wanted_scale):
            return TypeChange.SAME
        # Both the digits before the point and those after it must fit.
        if live.size is None:
            return TypeChange.SAME if wanted.size is None else TypeChange.NARROW
        if wanted.size is None:
            return TypeChange.WIDEN
        before_fits = wanted.size - wanted_scale >= live.size - live_scale
        return TypeChange.WIDEN if before_fits and wanted_scale >= live_scale else TypeChange.NARROW
    if live.family == wanted.family:
        # Same kind, spelled differently by the database (TEXT vs CLOB, say): nothing to do.
        return TypeChange.SAME
    return TypeChange.INCOMPATIBLE


def _by_size(live: int | None, wanted: int | None) -> TypeChange:
    if live == wanted:
        return TypeChange.SAME
    if live is None:  # unbounded
        return TypeChange.NARROW
    if wanted is None:
        return TypeChange.WIDEN
    return TypeChange.WIDEN if wanted > live else TypeChange.NARROW


def type_label(shape: ColumnShape) -> str:
    """A short human name for a shape, for plan descriptions (``string(80)``, ``decimal(18,4)``)."""
    if shape.family == "string":
        return f"string({shape.size})"
    if shape.family == "decimal" and shape.size is not None:
        return f"decimal({shape.size},{shape.scale or 0})"
    return shape.family
