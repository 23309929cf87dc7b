"""Record values between JSON and Python, one rule per field type.

=================================  ===============================  ============================
field type                         JSON                             Python
=================================  ===============================  ============================
string, text, email, phone, url,   string                           ``str``
enum
integer                            number without a fraction        ``int`` (``true`` is refused)
decimal                            number, or numeric string        ``decimal.Decimal``
boolean                            ``true`` / ``false``             ``bool``
date                               ``"YYYY-MM-DD"``                 ``datetime.date``
datetime                           ISO 8601 with ``Z`` or offset    aware ``datetime`` in UTC
duration                           whole seconds (number)           ``datetime.timedelta``
multi_enum, tags                   array of strings                 ``list[str]`` (deduplicated,
                                                                    first occurrence kept)
reference                          record id (number)               ``int``
json                               anything                         the same value
=================================  ===============================  ============================

``null`` is ``None`` for every type; whether a field may be empty is the schema's business, not
this module's. Already-converted Python values are accepted too, so the runtime can pass values
it computed (an automation setting a date) through the same door.

Output (:func:`to_json`): datetimes as ``...Z`` in UTC, durations as whole seconds, and a
decimal as a JSON number when the float reads back as exactly the same decimal (always true up
to 15 significant digits), else as a string, so no digit is ever lost. Numeric strings are
accepted here, but record payloads are checked by the JSON Schema first, which admits numbers
only (see ``engine.objects.forms``); the API reads request numbers with ``parse_float=Decimal``
when it wants every digit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from engine.errors import FieldIssue, ValidationFailed, did_you_mean
from engine.objects.model import FieldDef, FieldType, ObjectType
from engine.objects.storable import DATETIME_RANGE_MESSAGE, duration_problem, in_utc

__all__ = [
    "from_json",
    "to_json",
    "converter_for",
    "record_from_json",
    "record_to_json",
    "parse_datetime",
    "decimal_to_json",
    "show_value",
    "describe_json_kind",
]

_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_DECIMAL_RE = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")


class _BadValue(ValueError):
    """A value that cannot be converted; ``at`` is the path below the field (list indexes)."""

    def __init__(self, msg: str, at: tuple[int, ...] = ()) -> None:
        super().__init__(msg)
        self.msg = msg
        self.at = at


def show_value(value: Any) -> str:
    """``repr(value)``, cut to 40 characters for error messages."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def describe_json_kind(value: Any) -> str:
    """What kind of JSON value ``value`` is, in words for an error message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float | Decimal):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {show_value(value)}"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def parse_datetime(text: str) -> datetime:
    """An ISO 8601 date-time with ``Z`` or an offset, as an aware datetime in UTC.

    A string without a time zone is refused: the engine cannot guess whose 9 o'clock it is.
    """
    # fromisoformat takes 'T'/'Z' in upper case only; RFC 3339 allows both cases.
    parsed = datetime.fromisoformat(text.upper())
    if parsed.tzinfo is None:
        raise ValueError(
            f"{show_value(text)} has no time zone: add 'Z' for UTC or an offset such as '+08:00'"
        )
    return in_utc(parsed)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    raise _BadValue(f"expected text, got {describe_json_kind(value)}")


def _integer(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    # JSON has one number type: 3.0 is the integer 3 (browsers cannot tell them apart).
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    raise _BadValue(f"expected a whole number, got {describe_json_kind(value)}")


def _decimal(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int) and not isinstance(value, bool):
        result = Decimal(value)
    elif isinstance(value, float):
        # repr is the shortest text reading back as this float: the number the user wrote.
        result = Decimal(repr(value))
    elif isinstance(value, str) and _DECIMAL_RE.match(value.strip()):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid text
            raise _BadValue(f"expected a number, got {describe_json_kind(value)}") from None
    else:
        raise _BadValue(f"expected a number, got {describe_json_kind(value)}")
    if not result.is_finite():
        raise _BadValue(f"expected a finite number, got {show_value(value)}")
    return result


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise _BadValue(f"expected true or false, got {describe_json_kind(value)}")


def _date(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DATE_RE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise _BadValue(f"expected a date as YYYY-MM-DD, got {describe_json_kind(value)}")


def _datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise _BadValue("expected an aware datetime, got a naive one (no time zone)")
        try:
            return in_utc(value)
        except ValueError as exc:
            raise _BadValue(str(exc)) from None
    if isinstance(value, str):
        try:
            return parse_datetime(value)
        except ValueError as exc:
            if "time zone" in str(exc) or str(exc) == DATETIME_RANGE_MESSAGE:
                raise _BadValue(str(exc)) from None
    raise _BadValue(
        f"expected a date-time like '2024-05-01T09:30:00Z', got {describe_json_kind(value)}"
    )


def _duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    try:
        seconds = _integer(value)
    except _BadValue:
        raise _BadValue(f"expected whole seconds, got {describe_json_kind(value)}") from None
    problem = duration_problem(seconds)
    if problem is not None:
        raise _BadValue(problem)
    return timedelta(seconds=seconds)


def _string_list(value: Any) -> list[str]:
    if not isinstance(value, list | tuple):
        raise _BadValue(f"expected a list of texts, got {describe_json_kind(value)}")
    seen: dict[str, None] = {}
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise _BadValue(f"expected text, got {describe_json_kind(item)}", (index,))
        seen.setdefault(item, None)
    return list(seen)


def _reference(value: Any) -> int:
    try:
        return _integer(value)
    except _BadValue:
        raise _BadValue(
            f"expected a record id (a whole number), got {describe_json_kind(value)}"
        ) from None


def _any(value: Any) -> Any:
    return value


_FROM_JSON: Mapping[FieldType, Callable[[Any], Any]] = {
    FieldType.STRING: _text,
    FieldType.TEXT: _text,
    FieldType.EMAIL: _text,
    FieldType.PHONE: _text,
    FieldType.URL: _text,
    FieldType.ENUM: _text,
    FieldType.INTEGER: _integer,
    FieldType.DECIMAL: _decimal,
    FieldType.BOOLEAN: _boolean,
    FieldType.DATE: _date,
    FieldType.DATETIME: _datetime,
    FieldType.DURATION: _duration,
    FieldType.MULTI_ENUM: _string_list,
    FieldType.TAGS: _string_list,
    FieldType.REFERENCE: _reference,
    FieldType.JSON: _any,
}


def converter_for(field: FieldDef) -> Callable[[Any], Any]:
    """The JSON → Python conversion of ``field`` as a function of the value alone.

    It raises ``ValueError`` (message in ``str(exc)``) on a value of the wrong shape; look it up
    once per field and call it per value on hot paths.
    """
    convert = _FROM_JSON[field.type]

    def _convert(value: Any) -> Any:
        return None if value is None else convert(value)

    return _convert


def from_json(value: Any, field: FieldDef) -> Any:
    """``value`` (decoded JSON) as the Python value of ``field``; ``None`` stays ``None``.

    Raises :class:`ValidationFailed` with one issue at ``(field.name, ...)`` when the value has
    the wrong shape. Constraints (length, range, options) are the schema's job, not this one's.
    """
    if value is None:
        return None
    try:
        return _FROM_JSON[field.type](value)
    except _BadValue as bad:
        raise ValidationFailed([FieldIssue((field.name, *bad.at), bad.msg, "type")]) from None


def decimal_to_json(value: Decimal) -> float | str:
    """A JSON number when the float reads back as exactly ``value``, else the decimal's text."""
    number = float(value)
    if value.is_finite() and Decimal(repr(number)) == value:
        return number
    return str(value)


def _datetime_to_json(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: the engine keeps datetimes aware (UTC)")
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def to_json(value: Any, field: FieldDef) -> Any:
    """The JSON form of ``field``'s Python ``value`` (the inverse of :func:`from_json`)."""
    if value is None:
        return None
    t = field.type
    if t is FieldType.DECIMAL:
        return decimal_to_json(value if isinstance(value, Decimal) else Decimal(str(value)))
    if t is FieldType.DATETIME:
        return _datetime_to_json(value)
    if t is FieldType.DATE:
        return value.isoformat()
    if t is FieldType.DURATION:
        return int(value.total_seconds()) if isinstance(value, timedelta) else int(value)
    if t.is_list:
        return list(value)
    return value


def record_to_json(obj: ObjectType, row: Mapping[str, Any]) -> dict[str, Any]:
    """A stored record (a row of ``obj``'s table) as a JSON-ready dict, in field order.

    Keys of ``row`` that are not fields of ``obj`` are left out.
    """
    return {name: to_json(row[name], f) for name, f in obj.fields.items() if name in row}


def record_from_json(obj: ObjectType, data: Mapping[str, Any]) -> dict[str, Any]:
    """The fields in ``data`` converted to Python values (shapes only; no constraints).

    Raises :class:`ValidationFailed` listing every field that does not convert and every key
    that is not a field of ``obj``. For request payloads use
    :class:`engine.objects.validation.RecordValidator`, which checks the rules first.
    """
    out: dict[str, Any] = {}
    issues: list[FieldIssue] = []
    for name, value in data.items():
        f = obj.fields.get(name)
        if f is None:
            issues.append(
                FieldIssue(
                    (name,),
                    f"unknown field '{name}' on '{obj.name}'{did_you_mean(name, obj.fields)}",
                    "additionalProperties",
                )
            )
            continue
        try:
            out[name] = from_json(value, f)
        except ValidationFailed as exc:
            issues.extend(exc.issues)
    if issues:
        raise ValidationFailed(issues)
    return out
