"""The built-in function library (strings, numbers, time, lists) and ``default_functions()``.

Every implementation takes ``None`` for any argument and answers null (or false / 0 for
predicates and counts, as SPEC.md lists); none raises on a well-typed call.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from engine.rules_dsl.date_functions import install_date_functions
from engine.rules_dsl.functions import FunctionRegistry
from engine.rules_dsl.printer import format_duration
from engine.rules_dsl.runtime import EvalContext, require_context
from engine.rules_dsl.types import (
    ANY,
    BOOLEAN,
    DATE,
    DATETIME,
    DECIMAL,
    DURATION,
    INTEGER,
    STRING,
    ListType,
    TypeParam,
)

__all__ = ["default_functions", "install_builtins", "parse_date", "parse_datetime"]

T = TypeParam("T")


def parse_date(text: Any) -> date | None:
    if not isinstance(text, str):
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def parse_datetime(text: Any) -> datetime | None:
    """ISO 8601 datetime; ``Z`` means UTC and a missing offset is taken as UTC."""
    if not isinstance(text, str):
        return None
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _str(fn: Any) -> Any:
    """Wrap a one-string function so null (or a non-string JSON value) gives null."""

    @functools.wraps(fn)
    def wrapper(s: Any, *rest: Any) -> Any:
        if not isinstance(s, str) or any(r is None for r in rest):
            return None
        return fn(s, *rest)

    return wrapper


def _lower(s: Any) -> Any:
    return s.lower() if isinstance(s, str) else None


def _upper(s: Any) -> Any:
    return s.upper() if isinstance(s, str) else None


def _trim(s: Any) -> Any:
    return s.strip() if isinstance(s, str) else None


def _text_contains(s: Any, part: Any) -> bool:
    return isinstance(s, str) and isinstance(part, str) and part in s


def _pred(fn: Any) -> Any:
    """Wrap a two-string predicate so any null gives false."""

    @functools.wraps(fn)
    def wrapper(a: Any, b: Any) -> bool:
        return isinstance(a, str) and isinstance(b, str) and bool(fn(a, b))

    return wrapper


def _length(value: Any) -> int:
    if isinstance(value, str | list | tuple):
        return len(value)
    return 0


def _list_contains(items: Any, item: Any) -> bool:
    if not isinstance(items, list | tuple):
        return False
    return item in items


def _substring(s: Any, start: Any, end: Any = None) -> Any:
    if not isinstance(s, str) or start is None:
        return None
    start = max(int(start), 0)
    return s[start:] if end is None else s[start : max(int(end), start)]


def _split(s: Any, sep: Any) -> Any:
    if not isinstance(s, str) or not isinstance(sep, str):
        return None
    return s.split(sep) if sep else list(s)


def _join(items: Any, sep: Any) -> Any:
    if not isinstance(items, list | tuple) or not isinstance(sep, str):
        return None
    return sep.join(_to_string(i) or "" for i in items)


def _to_string(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return ("-" + format_duration(-value)) if value < timedelta(0) else format_duration(value)
    if isinstance(value, int | float):
        return str(value)
    return None


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | tuple | Mapping) and not value)


def _coalesce(*values: Any) -> Any:
    for value in values:
        if value is not None:
            return value
    return None


def _abs(x: Any) -> Any:
    return None if x is None or isinstance(x, bool) else abs(x)


def _round(x: Any, places: Any = 0) -> Any:
    if x is None or places is None or isinstance(x, bool):
        return None
    if isinstance(x, int) and places >= 0:
        return x
    places = max(min(int(places), 28), -28)
    try:
        result = Decimal(x).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return None
    return int(result) if places <= 0 else result


def _rounder(mode: str) -> Any:
    def apply(x: Any) -> Any:
        if x is None or isinstance(x, bool):
            return None
        if isinstance(x, int):
            return x
        return int(Decimal(x).to_integral_value(rounding=mode))

    return apply


def _pick(choose: Any) -> Any:
    """min/max that ignore nulls (null only when both are null)."""

    def apply(a: Any, b: Any) -> Any:
        if a is None:
            return b
        if b is None:
            return a
        try:
            return choose(a, b)
        except TypeError:
            return None

    return apply


def _sum(items: Any) -> Any:
    if not isinstance(items, list | tuple):
        return 0
    total: Any = 0
    for item in items:
        if isinstance(item, int | Decimal) and not isinstance(item, bool):
            total += item
    return total


def _to_integer(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    try:
        number = Decimal(str(value).strip()) if isinstance(value, str) else Decimal(value)
        return int(number) if number.is_finite() and abs(number) < Decimal(10) ** 30 else None
    except (InvalidOperation, ValueError, TypeError):
        return None


def _to_decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(value.strip() if isinstance(value, str) else str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() and abs(number.adjusted()) < 100 else None


def _now(ctx: EvalContext | None) -> datetime:
    return require_context(ctx).require_now()


def _today(ctx: EvalContext | None) -> date:
    context = require_context(ctx)
    return context.require_now().astimezone(context.timezone).date()


def _local(ctx: EvalContext | None, value: datetime) -> datetime:
    return value.astimezone(ctx.timezone if ctx is not None else UTC)


def _date_of(ctx: EvalContext | None, value: Any) -> date | None:
    if isinstance(value, datetime):
        return _local(ctx, value).date()
    return None


def _part(name: str) -> Any:
    def of_date(value: Any) -> int | None:
        if not isinstance(value, date):
            return None
        return value.isoweekday() if name == "weekday" else int(getattr(value, name))

    def of_datetime(ctx: EvalContext | None, value: Any) -> int | None:
        if not isinstance(value, datetime):
            return None
        local = _local(ctx, value)
        return local.isoweekday() if name == "weekday" else int(getattr(local, name))

    return of_date, of_datetime


def _in_units(seconds_per_unit: int) -> Any:
    def apply(value: Any) -> Decimal | None:
        if not isinstance(value, timedelta):
            return None
        micros = (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds
        return Decimal(micros) / Decimal(seconds_per_unit * 1_000_000)

    return apply


def install_builtins(registry: FunctionRegistry) -> None:
    """Register every built-in function on ``registry``."""
    reg = registry.register
    text, boolean, integer = STRING, BOOLEAN, INTEGER
    # Strings
    reg(
        "len",
        params=[text],
        returns=integer,
        impl=_length,
        nullable=False,
        doc="Number of characters; 0 for null.",
    )
    reg(
        "len",
        params=[ListType(T)],
        returns=integer,
        impl=_length,
        nullable=False,
        doc="Number of items; 0 for null.",
    )
    reg("lower", params=[text], returns=text, impl=_lower, doc="Lower case.")
    reg("upper", params=[text], returns=text, impl=_upper, doc="Upper case.")
    reg(
        "trim",
        params=[text],
        returns=text,
        impl=_trim,
        doc="Without leading and trailing whitespace.",
    )
    reg(
        "contains",
        params=[text, text],
        returns=boolean,
        nullable=False,
        impl=_text_contains,
        doc="Whether the text contains the other text.",
    )
    reg(
        "contains",
        params=[ListType(T), T],
        returns=boolean,
        nullable=False,
        impl=_list_contains,
        doc="Whether the list has the item.",
    )
    reg(
        "starts_with",
        params=[text, text],
        returns=boolean,
        nullable=False,
        impl=_pred(str.startswith),
        doc="Whether the text starts with the prefix.",
    )
    reg(
        "ends_with",
        params=[text, text],
        returns=boolean,
        nullable=False,
        impl=_pred(str.endswith),
        doc="Whether the text ends with the suffix.",
    )
    reg(
        "replace",
        params=[text, text, text],
        returns=text,
        impl=_str(lambda s, old, new: s.replace(old, new) if old else s),
        doc="Every occurrence of old replaced by new.",
    )
    reg(
        "substring",
        params=[text, integer],
        returns=text,
        impl=_substring,
        doc="Characters from start (0-based) to the end.",
    )
    reg(
        "substring",
        params=[text, integer, integer],
        returns=text,
        impl=_substring,
        doc="Characters from start (0-based) up to end (exclusive).",
    )
    reg(
        "split",
        params=[text, text],
        returns=ListType(text),
        impl=_split,
        doc="The parts between separators.",
    )
    reg(
        "join",
        params=[ListType(T), text],
        returns=text,
        impl=_join,
        doc="Items as text joined by the separator.",
    )
    reg("string", params=[T], returns=text, impl=_to_string, doc="Any value as text.")
    reg(
        "is_empty",
        params=[T],
        returns=boolean,
        impl=_is_empty,
        nullable=False,
        doc="True for null, empty text and empty lists.",
    )
    for arity in (2, 3, 4):
        reg(
            "coalesce",
            params=[T] * arity,
            returns=T,
            impl=_coalesce,
            doc="The first argument that is not null.",
        )
    # Numbers
    reg("abs", params=[integer], returns=integer, impl=_abs, doc="Absolute value.")
    reg("abs", params=[DECIMAL], returns=DECIMAL, impl=_abs, doc="Absolute value.")
    reg("abs", params=[DURATION], returns=DURATION, impl=_abs, doc="Absolute value.")
    reg(
        "round",
        params=[DECIMAL],
        returns=integer,
        impl=_round,
        doc="Nearest integer, halves away from zero.",
    )
    reg(
        "round",
        params=[DECIMAL, integer],
        returns=DECIMAL,
        impl=_round,
        doc="Rounded to the given decimal places, halves away from zero.",
    )
    reg(
        "floor",
        params=[DECIMAL],
        returns=integer,
        impl=_rounder(ROUND_FLOOR),
        doc="Largest integer not above.",
    )
    reg(
        "ceil",
        params=[DECIMAL],
        returns=integer,
        impl=_rounder(ROUND_CEILING),
        doc="Smallest integer not below.",
    )
    for t in (integer, DECIMAL, text, DATE, DATETIME, DURATION):
        reg(
            "min",
            params=[t, t],
            returns=t,
            impl=_pick(min),
            doc="The smaller value; nulls are ignored.",
        )
        reg(
            "max",
            params=[t, t],
            returns=t,
            impl=_pick(max),
            doc="The larger value; nulls are ignored.",
        )
    reg(
        "sum",
        params=[ListType(integer)],
        returns=integer,
        impl=_sum,
        nullable=False,
        doc="Sum of the items; 0 for null or empty.",
    )
    reg(
        "sum",
        params=[ListType(DECIMAL)],
        returns=DECIMAL,
        impl=_sum,
        nullable=False,
        doc="Sum of the items; 0 for null or empty.",
    )
    reg(
        "integer",
        params=[ANY],
        returns=integer,
        impl=_to_integer,
        doc="A number or numeric text as an integer (toward zero); null if not numeric.",
    )
    reg(
        "decimal",
        params=[ANY],
        returns=DECIMAL,
        impl=_to_decimal,
        doc="A number or numeric text as a decimal; null if not numeric.",
    )
    # Time
    reg(
        "now",
        params=[],
        returns=DATETIME,
        impl=_now,
        needs_context=True,
        nullable=False,
        doc="The evaluation's current time (EvalContext.now).",
    )
    reg(
        "today",
        params=[],
        returns=DATE,
        impl=_today,
        needs_context=True,
        nullable=False,
        doc="Today's date in EvalContext.timezone.",
    )
    reg(
        "date",
        params=[text],
        returns=DATE,
        impl=parse_date,
        doc="An ISO date (YYYY-MM-DD); a literal is checked when compiling, other text "
        "that is not a date gives null.",
    )
    reg(
        "date",
        params=[DATETIME],
        returns=DATE,
        impl=_date_of,
        needs_context=True,
        doc="The date of a datetime in EvalContext.timezone.",
    )
    reg(
        "datetime",
        params=[text],
        returns=DATETIME,
        impl=parse_datetime,
        doc="An ISO 8601 datetime; without an offset it is UTC.",
    )
    for name in ("year", "month", "day", "weekday"):
        of_date, of_datetime = _part(name)
        reg(
            name,
            params=[DATE],
            returns=integer,
            impl=of_date,
            doc=f"The {name} of a date"
            + (" (1 = Monday … 7 = Sunday)." if name == "weekday" else "."),
        )
        reg(
            name,
            params=[DATETIME],
            returns=integer,
            impl=of_datetime,
            needs_context=True,
            doc=f"The {name} of a datetime in EvalContext.timezone.",
        )
    for name in ("hour", "minute"):
        _, of_datetime = _part(name)
        reg(
            name,
            params=[DATETIME],
            returns=integer,
            impl=of_datetime,
            needs_context=True,
            doc=f"The {name} of a datetime in EvalContext.timezone.",
        )
    for name, seconds in (("days", 86_400), ("hours", 3_600), ("minutes", 60), ("seconds", 1)):
        reg(
            name,
            params=[DURATION],
            returns=DECIMAL,
            impl=_in_units(seconds),
            doc=f"A duration as a number of {name}.",
        )
    install_date_functions(registry)


@functools.cache
def _frozen_defaults() -> FunctionRegistry:
    registry = FunctionRegistry()
    install_builtins(registry)
    return registry.frozen()


def default_functions() -> FunctionRegistry:
    """A new registry holding all built-ins, free to extend."""
    return _frozen_defaults().copy()


def frozen_default_functions() -> FunctionRegistry:
    """The shared, frozen default registry (what ``compile_expression`` uses by default)."""
    return _frozen_defaults()
