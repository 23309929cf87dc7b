"""What evaluation needs at run time: the ``EvalContext`` and the small helpers generated code
calls for the operations too involved to inline (references, temporal and JSON arithmetic).

Every helper returns null instead of raising when an operand is null or an operation has no
value (division by zero, a date out of range): a checked expression never crashes.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal, DecimalException
from typing import Any

from engine.errors import DslError
from engine.rules_dsl import diagnostics as codes

__all__ = ["EvalContext", "Loader", "HELPERS"]

#: ``load(object_name, id)`` returns the record as a mapping, or None when it does not exist.
Loader = Callable[[str, Any], Mapping[str, Any] | None]


@dataclass(frozen=True)
class EvalContext:
    """Everything an evaluation may read besides the bindings.

    ``now`` must be timezone-aware (the DSL never reads the system clock); ``timezone`` is
    where ``today()`` and date parts are taken. ``load`` follows references given as ids;
    ``old``/``changed``/``user`` feed ``old.field``, ``changed(field)`` and ``user.field``;
    ``event`` feeds ``event.field`` (what an engine event says, in automations it triggers).
    """

    now: datetime | None = None
    timezone: tzinfo = UTC
    load: Loader | None = None
    old: Mapping[str, Any] | None = None
    changed: frozenset[str] = field(default_factory=frozenset)
    user: Mapping[str, Any] | None = None
    event: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.now is not None and self.now.tzinfo is None:
            raise ValueError("EvalContext.now must be a timezone-aware datetime")
        if not isinstance(self.changed, frozenset):
            object.__setattr__(self, "changed", frozenset(self.changed))

    def require_now(self) -> datetime:
        if self.now is None:
            raise DslError("now()/today() need EvalContext.now", code=codes.MISSING_CONTEXT)
        return self.now


def require_context(ctx: EvalContext | None) -> EvalContext:
    if ctx is None:
        raise DslError(
            "this expression reads the clock or context; pass an EvalContext",
            code=codes.MISSING_CONTEXT,
        )
    return ctx


def deref(value: Any, object_name: str, ctx: EvalContext | None) -> Mapping[str, Any] | None:
    """A reference value as its record: a mapping as is, an id through ``ctx.load``."""
    if value is None or isinstance(value, Mapping):
        return value
    if ctx is None or ctx.load is None:
        return None
    return ctx.load(object_name, value)


def json_get(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, Mapping) else None


def ref_key(value: Any) -> Any:
    """What a reference compares by: its ``id`` whether loaded or not."""
    return value.get("id") if isinstance(value, Mapping) else value


def ref_eq(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return bool(ref_key(a) == ref_key(b))


def list_eq(a: Any, b: Any) -> bool:
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return list(a) == list(b)
    return bool(a == b)


def _guarded(fn: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def apply(a: Any, b: Any) -> Any:
        if a is None or b is None:
            return None
        try:
            return fn(a, b)
        except (TypeError, ValueError, OverflowError, ArithmeticError, DecimalException):
            return None

    return apply


def _compare(fn: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def apply(a: Any, b: Any) -> bool:
        if a is None or b is None:
            return False
        try:
            return bool(fn(a, b))
        except TypeError:
            return False

    return apply


def _date_shift(d: date, delta: timedelta, sign: int) -> date:
    # A date moves by whole days; the sub-day part of the duration is dropped (toward zero).
    days = int(delta / timedelta(days=1))
    return d + timedelta(days=sign * days)


def _add(a: Any, b: Any) -> Any:
    if isinstance(a, date) and not isinstance(a, datetime) and isinstance(b, timedelta):
        return _date_shift(a, b, 1)
    if isinstance(b, date) and not isinstance(b, datetime) and isinstance(a, timedelta):
        return _date_shift(b, a, 1)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return [*a, *b]
    if isinstance(a, bool) or isinstance(b, bool):
        raise TypeError
    return a + b


def _sub(a: Any, b: Any) -> Any:
    if isinstance(a, date) and not isinstance(a, datetime) and isinstance(b, timedelta):
        return _date_shift(a, b, -1)
    if isinstance(a, bool) or isinstance(b, bool):
        raise TypeError
    return a - b


def _mul(a: Any, b: Any) -> Any:
    if isinstance(a, bool) or isinstance(b, bool) or isinstance(a, str) or isinstance(b, str):
        raise TypeError  # no string repetition, no booleans as numbers
    if isinstance(a, timedelta) and isinstance(b, Decimal):
        b = float(b)
    if isinstance(b, timedelta) and isinstance(a, Decimal):
        a = float(a)
    return a * b


def _div(a: Any, b: Any) -> Any:
    if isinstance(a, bool) or isinstance(b, bool) or not b:
        return None
    if isinstance(a, timedelta):
        return a / (float(b) if isinstance(b, Decimal) else b)
    return Decimal(a) / Decimal(b)


def _mod(a: Any, b: Any) -> Any:
    if not b or isinstance(a, bool) or isinstance(b, bool):
        return None
    return a % b


def _neg(a: Any) -> Any:
    if a is None or isinstance(a, bool):
        return None
    try:
        return -a
    except (TypeError, OverflowError):
        return None


def _contains(container: Any, item: Any) -> bool:
    if container is None or isinstance(container, str | Mapping):
        return False
    try:
        return item in container
    except TypeError:
        return False


def _as_list(value: Any) -> Any:
    return value if isinstance(value, list | tuple) else ()


#: Names generated code may call, passed in as closure cells (never looked up by user text).
HELPERS: Mapping[str, Any] = {
    "_deref": deref,
    "_json_get": json_get,
    "_ref_eq": ref_eq,
    "_list_eq": list_eq,
    "_add": _guarded(_add),
    "_sub": _guarded(_sub),
    "_mul": _guarded(_mul),
    "_div": _guarded(_div),
    "_mod": _guarded(_mod),
    "_neg": _neg,
    "_lt": _compare(operator.lt),
    "_le": _compare(operator.le),
    "_gt": _compare(operator.gt),
    "_ge": _compare(operator.ge),
    "_contains": _contains,
    "_as_list": _as_list,
    "_type": type,
    "_dict": dict,
    "_any": any,
    "_all": all,
    "_sum": sum,
}
