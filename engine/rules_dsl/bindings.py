"""JSON → runtime values for a record type (``flowdesk eval``, conformance vectors, imports).

ISO strings become dates and datetimes, durations come as seconds or literal text (``"4h"``),
numbers become ``Decimal`` for decimal fields. A value that does not fit is a
``dsl_bad_binding`` error naming the field path.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from engine.errors import DslError
from engine.rules_dsl import diagnostics as codes
from engine.rules_dsl.builtin_functions import parse_date, parse_datetime
from engine.rules_dsl.parser import parse_duration_text
from engine.rules_dsl.types import (
    ANY,
    BOOLEAN,
    DATE,
    DATETIME,
    DECIMAL,
    DURATION,
    INTEGER,
    NULL,
    STRING,
    DslType,
    EnumType,
    ListType,
    RecordType,
    RefType,
)

__all__ = ["coerce_bindings", "coerce_value"]


def _bad(path: tuple[str | int, ...], t: DslType, value: Any, why: str = "") -> DslError:
    where = ".".join(str(p) for p in path) or "(value)"
    detail = f": {why}" if why else ""
    return DslError(f"{where}: {value!r} is not a valid {t}{detail}", code=codes.BAD_BINDING)


def _duration(value: Any) -> timedelta | None:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        return timedelta(seconds=float(value))
    if isinstance(value, str):
        text = value.strip()
        parsed = parse_duration_text(text)
        if parsed is not None:
            return parsed
        try:
            return timedelta(seconds=float(text))
        except ValueError:
            return None
    return None


def coerce_value(
    t: DslType,
    value: Any,
    objects: Mapping[str, RecordType] | None = None,
    path: tuple[str | int, ...] = (),
) -> Any:
    """``value`` (parsed JSON) as the runtime value of type ``t``."""
    if value is None or t in (ANY, NULL):
        return value
    if t == STRING:
        if isinstance(value, str):
            return value
        raise _bad(path, t, value)
    if isinstance(t, EnumType):
        if isinstance(value, str) and value in t.options:
            return value
        raise _bad(path, t, value, f"options are {', '.join(t.options)}")
    if t == BOOLEAN:
        if isinstance(value, bool):
            return value
        raise _bad(path, t, value)
    if t == INTEGER:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        raise _bad(path, t, value)
    if t == DECIMAL:
        if isinstance(value, bool):
            raise _bad(path, t, value)
        try:
            number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
        except InvalidOperation:
            raise _bad(path, t, value) from None
        if not number.is_finite():
            raise _bad(path, t, value)
        return number
    if t == DATE:
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        parsed = parse_date(value)
        if parsed is None:
            raise _bad(path, t, value, "use YYYY-MM-DD")
        return parsed
    if t == DATETIME:
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=UTC)
        parsed_dt = parse_datetime(value)
        if parsed_dt is None:
            raise _bad(path, t, value, "use ISO 8601, e.g. 2024-03-31T09:00:00Z")
        return parsed_dt
    if t == DURATION:
        duration = _duration(value)
        if duration is None:
            raise _bad(path, t, value, "use seconds or a duration like 4h or 1h30m")
        return duration
    if isinstance(t, ListType):
        if not isinstance(value, list | tuple):
            raise _bad(path, t, value)
        return [coerce_value(t.item, v, objects, (*path, i)) for i, v in enumerate(value)]
    if isinstance(t, RecordType):
        if not isinstance(value, Mapping):
            raise _bad(path, t, value)
        return coerce_bindings(t, value, objects, path)
    if isinstance(t, RefType):
        if isinstance(value, Mapping):
            record = (objects or {}).get(t.object_name)
            return coerce_bindings(record, value, objects, path) if record else dict(value)
        if isinstance(value, int | str) and not isinstance(value, bool):
            return value  # an id, followed through EvalContext.load
        raise _bad(path, t, value, "give the record or its id")
    return value


def coerce_bindings(
    record_type: RecordType,
    json_dict: Mapping[str, Any],
    objects: Mapping[str, RecordType] | None = None,
    path: tuple[str | int, ...] = (),
) -> dict[str, Any]:
    """A record given as parsed JSON, with each field turned into its runtime value.

    Keys that are not fields of ``record_type`` are kept as they are. ``objects`` lets
    references given as nested records be coerced too.
    """
    out = dict(json_dict)
    for name, t in record_type.fields.items():
        if name in json_dict:
            out[name] = coerce_value(t, json_dict[name], objects, (*path, name))
    return out
